// F1-F3, F5, F6: the host firewall and the to-the-cloud vib, each against an oracle that
// tracks what must be installed, enabled and allowed by its own reading of research-notes A1, D
// and F and seed 003.
import fc from 'fast-check';
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
  NFC_INBOUND_RULESET,
  nfcPacket,
  type Packet,
  rulesetList,
  TO_CLOUD_RULESET,
  VR2C_VIB,
  vibList,
} from '../../model/firewall/firewall.ts';
import { mobilityFindings, type Placement } from '../../model/firewall/mobility.ts';
import { ESXI_VERSIONS, type EsxiVersion, type Variant } from '../../model/variants.ts';
import type { PropertyDef, Violation } from '../registry-types.ts';

export interface FwCase {
  readonly setup: {
    readonly hosts: readonly { readonly name: string; readonly version: EsxiVersion }[];
    readonly placements: readonly Placement[];
    /** Packets judged at every step (F2-direction); older records have none. */
    readonly probes?: readonly Packet[];
  };
  readonly events: readonly FirewallEvent[];
}

/** The VR server host-to-host replication talks to, and the VR appliance to the cloud. */
export const VR_SERVER = '10.12.12.10';
export const VR_APPLIANCE = '172.16.0.20';
/** Far ends the probes use: the two appliances, a neighbour of the VR server, an outsider. */
const REMOTES = [VR_SERVER, VR_APPLIANCE, '10.12.12.11', '192.168.7.5'] as const;
/** Allowed-IP entries an admin adds: one address, a /24 around the VR server, another /16. */
const ALLOWED = [VR_SERVER, '10.12.12.0/24', '10.12.12.11', '192.168.0.0/16', '172.16.0.20'];
const RULESETS = [TO_CLOUD_RULESET, 'HBR', 'NFC', NFC_INBOUND_RULESET, 'httpClient'] as const;

// ---- generation ----

const hostsArb = fc
  .array(fc.constantFrom<EsxiVersion>(...ESXI_VERSIONS, '6.5U1', '6.5U1'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((vs) => vs.map((version, i) => ({ name: `esx-0${i + 1}`, version })));

/** Ports near every rule's edges, and some anywhere. */
const PORTS = [22, 79, 80, 81, 442, 443, 444, 901, 902, 903, 9999, 10000, 10005, 10010, 10011];
const packetArb: fc.Arbitrary<Packet> = fc.record({
  direction: fc.constantFrom('inbound', 'outbound'),
  protocol: fc.constantFrom('tcp', 'tcp', 'tcp', 'udp'),
  port: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...PORTS, 31031, 44046) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 65535 }) },
  ),
  remote: fc.constantFrom(...REMOTES),
});

export const fwCaseArb: fc.Arbitrary<FwCase> = hostsArb.chain((hosts) => {
  const h = fc.constantFrom(...hosts.map((x) => x.name));
  const ruleset = fc.constantFrom(...RULESETS, TO_CLOUD_RULESET, NFC_INBOUND_RULESET);
  const event: fc.Arbitrary<FirewallEvent> = fc.oneof(
    { weight: 3, arbitrary: fc.constant<FirewallEvent>({ type: 'ApplianceBoot' }) },
    { weight: 3, arbitrary: h.map((host): FirewallEvent => ({ type: 'HostConnect', host })) },
    { weight: 1, arbitrary: h.map((host): FirewallEvent => ({ type: 'HostDisconnect', host })) },
    { weight: 2, arbitrary: h.map((host): FirewallEvent => ({ type: 'VibInstallManual', host })) },
    { weight: 2, arbitrary: h.map((host): FirewallEvent => ({ type: 'VibRemove', host })) },
    {
      weight: 4,
      arbitrary: fc
        .record({ host: h, ruleset, enabled: fc.boolean() })
        .map((r): FirewallEvent => ({ type: 'RulesetSet', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ host: h, ruleset, allowedAll: fc.boolean() })
        .map((r): FirewallEvent => ({ type: 'RulesetAllowedAll', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ host: h, ruleset, address: fc.constantFrom(...ALLOWED, 'vrs.example.com') })
        .map((r): FirewallEvent => ({ type: 'AllowedIpAdd', ...r })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ host: h, ruleset, address: fc.constantFrom(...ALLOWED) })
        .map((r): FirewallEvent => ({ type: 'AllowedIpRemove', ...r })),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 1, max: 60 })
        .map((minutes): FirewallEvent => ({ type: 'FirewallTick', minutes })),
    },
  );
  const placements = fc.array(
    fc.record({ vm: fc.constantFrom('vm-1', 'vm-2'), host: h, toCloud: fc.boolean() }),
    { maxLength: 2 },
  );
  // Often an admin has restricted a ruleset to its allowed IPs before anything else happens
  // (research-notes D: the hardening script's --allowed-all false), so lists meet the probes.
  const restricted = fc.option(
    fc
      .record({ host: h, ruleset, address: fc.constantFrom(...ALLOWED) })
      .map(({ host, ruleset: rs, address }): FirewallEvent[] => [
        { type: 'AllowedIpAdd', host, ruleset: rs, address },
        { type: 'RulesetAllowedAll', host, ruleset: rs, allowedAll: false },
      ]),
    { freq: 2 },
  );
  return fc
    .record({
      first: restricted,
      events: fc.array(event, { maxLength: 14 }),
      placements,
      probes: fc.array(packetArb, { minLength: 1, maxLength: 6 }),
    })
    .map(({ first, events, placements: ps, probes }) => ({
      setup: {
        hosts,
        placements: ps.map((p) => ({ ...p, cluster: hosts.map((x) => x.name) })),
        probes,
      },
      events: [...(first ?? []), ...events],
    }));
});

// ---- the oracle and the fold ----

export interface RulesetExpect {
  enabled: boolean;
  allowedAll: boolean;
  ips: string[];
}

export interface Expect {
  installed: boolean;
  connected: boolean;
  autoFailures: number;
  /** Every ruleset the host has, by id, as the admin's commands left it. */
  rulesets: Record<string, RulesetExpect>;
}

export type Dir = Packet['direction'];

/**
 * The rulesets' rules, kept apart from the model: HBR out 31031/44046 (notes A1), NFC out 902
 * (notes D), vSphereClient in 902/443 (notes A1, F), httpClient out 80/443 (notes F), the
 * vib's to-cloud range out 10000-10010 (notes D). All TCP.
 */
export const RULES: Readonly<Record<string, readonly [Dir, number, number][]>> = {
  HBR: [
    ['outbound', 31031, 31031],
    ['outbound', 44046, 44046],
  ],
  NFC: [['outbound', 902, 902]],
  [NFC_INBOUND_RULESET]: [
    ['inbound', 902, 902],
    ['inbound', 443, 443],
  ],
  httpClient: [
    ['outbound', 80, 80],
    ['outbound', 443, 443],
  ],
  [TO_CLOUD_RULESET]: [['outbound', 10000, 10010]],
};

/** Out of the box: every built-in enabled but httpClient (research-notes F), all addresses. */
export function builtIns(): Record<string, RulesetExpect> {
  const on = (enabled: boolean): RulesetExpect => ({ enabled, allowedAll: true, ips: [] });
  return { HBR: on(true), NFC: on(true), [NFC_INBOUND_RULESET]: on(true), httpClient: on(false) };
}

/** What the oracle expects of a host before any event: connected, no vib, the built-ins. */
export function initialExpect(): Expect {
  return { installed: false, connected: true, autoFailures: 0, rulesets: builtIns() };
}

/** An address or prefix as [first address, prefix length], by the oracle's own reading. */
function ipv4(text: string): [number, number] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1, 5).map(Number);
  const len = m[5] === undefined ? 32 : Number(m[5]);
  if (octets.some((o) => o > 255) || len > 32) return null;
  const addr = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - len);
  return [addr - (addr % size), len];
}

/** True iff allowed-all, or an allowed address or prefix holds the remote address. */
export function oracleAdmits(allowedAll: boolean, ips: readonly string[], remote: string): boolean {
  if (allowedAll) return true;
  const r = ipv4(remote);
  return ips.some((a) => {
    const p = ipv4(a);
    return p !== null && r !== null && r[0] - (r[0] % 2 ** (32 - p[1])) === p[0];
  });
}

const admitted = (x: RulesetExpect, remote: string) => oracleAdmits(x.allowedAll, x.ips, remote);

/** Whether a packet should pass, and which ruleset lets it, by the oracle's reading. */
function expectedVerdict(x: Expect, p: Packet): string | null {
  for (const [id, rs] of Object.entries(x.rulesets)) {
    const match = (RULES[id] ?? []).some(
      ([dir, lo, hi]) =>
        dir === p.direction && p.protocol === 'tcp' && lo <= p.port && p.port <= hi,
    );
    if (rs.enabled && match && admitted(rs, p.remote)) return id;
  }
  return null;
}

/** What research-notes D and F and seed 003 say must hold after an event. */
export function expectAfter(
  o: Record<string, Expect>,
  versions: Record<string, EsxiVersion>,
  e: FirewallEvent,
): void {
  const install = (x: Expect) => {
    x.installed = true;
    x.rulesets[TO_CLOUD_RULESET] = { enabled: true, allowedAll: true, ips: [] };
  };
  const push = (h: string) => {
    const x = o[h] as Expect;
    if (!x.connected || x.installed) return;
    if (versions[h] === '6.5U1') x.autoFailures++;
    else install(x);
  };
  switch (e.type) {
    case 'ApplianceBoot':
      for (const h of Object.keys(o)) push(h);
      return;
    case 'HostConnect':
      (o[e.host] as Expect).connected = true;
      push(e.host);
      return;
    case 'HostDisconnect':
      (o[e.host] as Expect).connected = false;
      return;
    case 'VibInstallManual': {
      const x = o[e.host] as Expect;
      if (!x.installed) install(x);
      return;
    }
    case 'VibRemove': {
      const x = o[e.host] as Expect;
      x.installed = false;
      delete x.rulesets[TO_CLOUD_RULESET];
      return;
    }
    case 'RulesetSet':
    case 'RulesetAllowedAll':
    case 'AllowedIpAdd':
    case 'AllowedIpRemove': {
      const rs = o[e.host]?.rulesets[e.ruleset];
      if (!rs) return;
      if (e.type === 'RulesetSet') rs.enabled = e.enabled;
      else if (e.type === 'RulesetAllowedAll') rs.allowedAll = e.allowedAll;
      else {
        const p = ipv4(e.address);
        if (!p) return;
        const same = (a: string) => ipv4(a)?.join('/') === p.join('/');
        if (e.type === 'AllowedIpAdd' && !rs.ips.some(same)) rs.ips.push(e.address);
        if (e.type === 'AllowedIpRemove') rs.ips = rs.ips.filter((a) => !same(a));
      }
      return;
    }
    case 'FirewallTick':
      return;
  }
}

export interface FwView {
  readonly index: number;
  readonly event: FirewallEvent | null;
  readonly before: FirewallWorld;
  readonly after: FirewallWorld;
  readonly expect: Readonly<Record<string, Expect>>;
}

type FwCheck = (v: FwView, c: FwCase, variant: Variant) => string | null;

/** One transition as the exhaustive explorer shows it to a check: the view, the case, the variant. */
export interface FwStepView {
  readonly view: FwView;
  readonly c: FwCase;
  readonly variant: Variant;
}

function fold(c: FwCase, variant: Variant, check: FwCheck): Violation | null {
  let w: FirewallWorld = {
    now: 0,
    hosts: Object.fromEntries(
      c.setup.hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
    ),
  };
  const versions = Object.fromEntries(c.setup.hosts.map((h) => [h.name, h.version]));
  const o: Record<string, Expect> = Object.fromEntries(
    c.setup.hosts.map((h) => [h.name, initialExpect()]),
  );
  const first = check({ index: 0, event: null, before: w, after: w, expect: o }, c, variant);
  if (first) return { step: 0, invariant: '', message: first };
  for (const [i, e] of c.events.entries()) {
    const next = firewallStep(w, e, variant).world;
    expectAfter(o, versions, e);
    const m = check({ index: i + 1, event: e, before: w, after: next, expect: o }, c, variant);
    if (m) return { step: i + 1, invariant: '', message: m };
    w = next;
  }
  return null;
}

const withId = (id: string, v: Violation | null): Violation | null =>
  v ? { ...v, invariant: id } : null;

const out = (port: number, remote: string): Packet => ({
  direction: 'outbound',
  protocol: 'tcp',
  port,
  remote,
});

const showPacket = (p: Packet) =>
  `${p.direction} ${p.protocol} ${p.port} ${p.direction === 'inbound' ? 'from' : 'to'} ${p.remote}`;

const toCloudState = (x: Expect) => {
  const rs = x.rulesets[TO_CLOUD_RULESET];
  if (!rs) return 'not installed';
  if (!rs.enabled) return 'installed but disabled';
  return admitted(rs, VR_APPLIANCE)
    ? 'installed and enabled'
    : `installed and enabled, but its allowed IPs (${rs.ips.join(', ') || 'none'}) exclude the VR appliance ${VR_APPLIANCE}`;
};

const checkF1: FwCheck = (v, _c, variant) => {
  for (const fw of Object.values(v.after.hosts)) {
    const x = v.expect[fw.host] as Expect;
    for (const port of [10000, 10005, 10010]) {
      const d = decide(fw, out(port, VR_APPLIANCE), variant);
      const want = expectedVerdict(x, out(port, VR_APPLIANCE)) === TO_CLOUD_RULESET;
      if ((d.action === 'allow') !== want) {
        return `${fw.host}: to-the-cloud TCP ${port} is ${d.action === 'allow' ? 'allowed' : 'dropped'} (${d.reason}), but the ${TO_CLOUD_RULESET} ruleset is ${toCloudState(x)}`;
      }
    }
  }
  return null;
};

/** Host-to-host replication's packets: HBR out to the VR server, NFC in from it (notes A1, F). */
const hostToHost = (variant: Variant): { what: string; packet: Packet; ruleset: string }[] => [
  { what: 'HBR full sync', packet: out(31031, VR_SERVER), ruleset: 'HBR' },
  { what: 'HBR delta', packet: out(44046, VR_SERVER), ruleset: 'HBR' },
  { what: 'NFC', packet: nfcPacket(VR_SERVER, variant), ruleset: NFC_INBOUND_RULESET },
];

const checkF2: FwCheck = (v, _c, variant) => {
  for (const fw of Object.values(v.after.hosts)) {
    const x = v.expect[fw.host] as Expect;
    const without: HostFirewall = {
      ...fw,
      rulesets: fw.rulesets.filter((r) => r.id !== TO_CLOUD_RULESET),
    };
    for (const { what, packet, ruleset } of hostToHost(variant)) {
      const a = decide(fw, packet, variant);
      const b = decide(without, packet, variant);
      if (a.action !== b.action) {
        return `${fw.host}: host-to-host ${what} (${showPacket(packet)}) is ${a.action === 'allow' ? 'allowed' : 'dropped'} with the to-cloud ruleset (${a.reason}) but ${b.action === 'allow' ? 'allowed' : 'dropped'} without it (${b.reason})`;
      }
      const rs = x.rulesets[ruleset] as RulesetExpect;
      const want = rs.enabled && admitted(rs, VR_SERVER);
      if ((a.action === 'allow') !== want) {
        return `${fw.host}: host-to-host ${what} (${showPacket(packet)}) is ${a.action === 'allow' ? 'allowed' : 'dropped'} (${a.reason}), but ${ruleset} is ${rs.enabled ? 'enabled' : 'disabled'}${rs.allowedAll ? '' : ` with allowed IPs ${rs.ips.join(', ') || 'none'}`}, so it should be ${want ? 'allowed' : 'dropped'} (research-notes A1: NFC arrives at the target host on 902)`;
      }
    }
  }
  return null;
};

const checkDirection: FwCheck = (v, c, variant) => {
  for (const fw of Object.values(v.after.hosts)) {
    const x = v.expect[fw.host] as Expect;
    for (const p of c.setup.probes ?? []) {
      const d = decide(fw, p, variant);
      const want = expectedVerdict(x, p);
      if ((d.action === 'allow') !== (want !== null)) {
        return `${fw.host}: ${showPacket(p)} is ${d.action === 'allow' ? `allowed (${d.reason})` : `dropped (${d.reason})`}, but ${want ? `${want} should allow it` : 'no enabled ruleset has a rule of that direction, protocol and port admitting that address, so it should be dropped'}`;
      }
    }
  }
  return null;
};

const checkF3: FwCheck = (v) => {
  for (const fw of Object.values(v.after.hosts)) {
    const x = v.expect[fw.host] as Expect;
    const inVibList = vibList(fw).some((r) => r.name === VR2C_VIB);
    const inRulesets = rulesetList(fw).some((r) => r.name === TO_CLOUD_RULESET);
    if (inVibList !== inRulesets) {
      return `${fw.host}: esxcli software vib list ${inVibList ? 'shows' : 'lacks'} ${VR2C_VIB} but ruleset list ${inRulesets ? 'shows' : 'lacks'} ${TO_CLOUD_RULESET}`;
    }
    if (inVibList !== x.installed) {
      return `${fw.host} (ESXi ${fw.version}): ${VR2C_VIB} is ${inVibList ? 'installed' : 'not installed'}, but after these pushes and installs it should ${x.installed ? 'be' : 'not be'}${fw.version === '6.5U1' && !x.installed ? ' (the appliance push fails on 6.5U1, seed 003)' : ''}`;
    }
    const failures = fw.esxupdateLog.filter((l) => l === CURL56).length;
    if (failures !== x.autoFailures) {
      return `${fw.host}: esxupdate.log records ${failures} curl#56 failure(s) as seed 003 prints them; the appliance push failed ${x.autoFailures} time(s)`;
    }
  }
  return null;
};

const checkF6: FwCheck = (v) => {
  for (const fw of Object.values(v.after.hosts)) {
    const copies = fw.rulesets.filter((r) => r.id === TO_CLOUD_RULESET).length;
    if (copies > 1)
      return `${fw.host}: ${copies} copies of ${TO_CLOUD_RULESET}; installing the vib twice must equal once`;
    if (
      v.event?.type === 'VibInstallManual' &&
      v.event.host === fw.host &&
      v.before.hosts[fw.host]?.vibs.some((x) => x.name === VR2C_VIB)
    ) {
      if (JSON.stringify(v.before.hosts[fw.host]) !== JSON.stringify(fw))
        return `${fw.host}: installing ${VR2C_VIB} again changed the host`;
    }
    if (v.event?.type === 'VibRemove' && v.event.host === fw.host && copies > 0) {
      return `${fw.host}: ${VR2C_VIB} was removed but ${TO_CLOUD_RULESET} is still there`;
    }
  }
  return null;
};

const checkF5: FwCheck = (v, c, variant) => {
  const found = mobilityFindings(c.setup.placements, v.after.hosts, variant, VR_APPLIANCE);
  for (const p of c.setup.placements.filter((x) => x.toCloud)) {
    for (const h of p.cluster) {
      const x = v.expect[h] as Expect;
      const drops = expectedVerdict(x, out(10000, VR_APPLIANCE)) !== TO_CLOUD_RULESET;
      const reported = found.some((f) => f.vm === p.vm && f.to === h);
      if (drops !== reported) {
        return drops
          ? `${p.vm} (to-the-cloud) could be placed on ${h}, whose firewall drops its replication, and nothing reports it`
          : `${p.vm}: ${h} is reported though its firewall lets to-the-cloud replication out`;
      }
    }
  }
  return null;
};

// ---- twins ----

type Goal = (v: FwView, c: FwCase) => boolean;

function reached(c: FwCase, variant: Variant, goals: Record<string, Goal>): string[] {
  const hit = new Set<string>();
  fold(c, variant, (v) => {
    for (const [g, p] of Object.entries(goals)) if (p(v, c)) hit.add(g);
    return null;
  });
  return [...hit];
}

const always = (id: string, inv: string, title: string, check: FwCheck): PropertyDef<FwCase> => ({
  id,
  area: 'firewall',
  kind: 'always',
  invariants: [inv],
  title: `${inv} ${title}`,
  numRuns: 300,
  arbitrary: () => fwCaseArb,
  check: (c, variant) => withId(id, fold(c, variant, check)),
  perStep: {
    check: (x) => check((x as FwStepView).view, (x as FwStepView).c, (x as FwStepView).variant),
  },
});

const sometimes = (id: string, title: string, goals: Record<string, Goal>): PropertyDef<FwCase> => {
  const inv = id.replace(/-.*/, '');
  return {
    id: `${id}-reach`,
    area: 'firewall',
    kind: 'sometimes',
    invariants: [inv],
    title: `${inv} reachability: ${title}`,
    numRuns: 300,
    arbitrary: () => fwCaseArb,
    goals: Object.keys(goals),
    reach: (c, variant) => reached(c, variant, goals),
    perStep: {
      goals: Object.fromEntries(
        Object.entries(goals).map(([g, p]) => [
          g,
          (x: unknown) => p((x as FwStepView).view, (x as FwStepView).c),
        ]),
      ),
    },
  };
};

const anyHost = (v: FwView, p: (fw: HostFirewall, x: Expect) => boolean) =>
  Object.values(v.after.hosts).some((fw) => p(fw, v.expect[fw.host] as Expect));

const cloudOn = (x: Expect) => expectedVerdict(x, out(10000, VR_APPLIANCE)) === TO_CLOUD_RULESET;
const probed = (v: FwView, c: FwCase, p: (x: Expect, probe: Packet) => boolean) =>
  Object.keys(v.after.hosts).some((h) =>
    (c.setup.probes ?? []).some((probe) => p(v.expect[h] as Expect, probe)),
  );
const flip = (p: Packet): Packet => ({
  ...p,
  direction: p.direction === 'inbound' ? 'outbound' : 'inbound',
});
/** An enabled ruleset has a rule of the probe's protocol and port, whatever its direction. */
const ruleFor = (x: Expect, p: Packet, dir: Dir) =>
  Object.entries(x.rulesets).some(
    ([id, rs]) =>
      rs.enabled &&
      (RULES[id] ?? []).some(
        ([d, lo, hi]) => d === dir && p.protocol === 'tcp' && lo <= p.port && p.port <= hi,
      ),
  );
const nfcOpen = (x: Expect) =>
  expectedVerdict(x, { direction: 'inbound', protocol: 'tcp', port: 902, remote: VR_SERVER }) !==
  null;

export const FIREWALL_PROPERTIES: readonly PropertyDef<FwCase>[] = [
  always(
    'F1',
    'F1',
    'to-the-cloud replication passes a host firewall iff the to-cloud ruleset is installed, enabled and admits the VR appliance',
    checkF1,
  ),
  sometimes('F1', 'some hosts pass to-cloud traffic and some drop it with the ruleset disabled', {
    'ruleset enabled': (v) => anyHost(v, (_fw, x) => cloudOn(x)),
    'ruleset disabled': (v) =>
      anyHost(v, (_fw, x) => x.rulesets[TO_CLOUD_RULESET]?.enabled === false),
  }),
  always(
    'F2',
    'F2',
    'host-to-host replication passes iff HBR lets 31031/44046 out to the VR server and vSphereClient lets NFC 902 in from it, whatever the to-cloud ruleset',
    checkF2,
  ),
  sometimes(
    'F2',
    'some hosts carry the to-cloud ruleset, some close HBR, and NFC is judged inbound with the outgoing NFC ruleset off and with the VR server outside the allowed IPs',
    {
      'to-cloud ruleset present': (v) => anyHost(v, (_fw, x) => x.installed),
      'HBR disabled': (v) =>
        v.event?.type === 'RulesetSet' && v.event.ruleset === 'HBR' && !v.event.enabled,
      'outgoing NFC off, NFC in open': (v) =>
        anyHost(v, (_fw, x) => x.rulesets.NFC?.enabled === false && nfcOpen(x)),
      'NFC in closed by the allowed IPs': (v) =>
        anyHost(v, (_fw, x) => x.rulesets[NFC_INBOUND_RULESET]?.enabled === true && !nfcOpen(x)),
    },
  ),
  always(
    'F2-direction',
    'F2',
    'a packet passes iff an enabled ruleset has a rule of its direction, protocol and port and admits its far end: an inbound rule never lets traffic out, nor an outbound rule in',
    checkDirection,
  ),
  sometimes(
    'F2-direction',
    'some inbound and outbound probes pass, some meet a rule of the other direction only, and some are kept out by an allowed-IP list',
    {
      'inbound allowed': (v, c) =>
        probed(v, c, (x, p) => p.direction === 'inbound' && expectedVerdict(x, p) !== null),
      'outbound allowed': (v, c) =>
        probed(v, c, (x, p) => p.direction === 'outbound' && expectedVerdict(x, p) !== null),
      'a rule of the other direction only': (v, c) =>
        probed(
          v,
          c,
          (x, p) =>
            expectedVerdict(x, p) === null &&
            !ruleFor(x, p, p.direction) &&
            expectedVerdict(x, flip(p)) !== null,
        ),
      'kept out by the allowed IPs': (v, c) =>
        probed(v, c, (x, p) => expectedVerdict(x, p) === null && ruleFor(x, p, p.direction)),
    },
  ),
  always(
    'F3',
    'F3',
    'the vib push fails on 6.5U1 with curl#56 and no ruleset, succeeds elsewhere, the workaround works everywhere, and both esxcli views agree',
    checkF3,
  ),
  sometimes('F3', 'some 6.5U1 pushes fail and some 6.5U1 hosts get the manual workaround', {
    'push failed on 6.5U1': (v) =>
      anyHost(v, (fw, x) => fw.version === '6.5U1' && x.autoFailures > 0 && !x.installed),
    'workaround on 6.5U1': (v) =>
      v.event?.type === 'VibInstallManual' && v.after.hosts[v.event.host]?.version === '6.5U1',
  }),
  always(
    'F5',
    'F5',
    'a to-the-cloud VM that can run on a host dropping its replication is reported before it moves there',
    checkF5,
  ),
  sometimes('F5', 'some clusters mix hosts with and without the to-cloud ruleset', {
    'mixed cluster': (v) =>
      anyHost(v, (_f, x) => cloudOn(x)) && anyHost(v, (_f, x) => !x.installed),
  }),
  always(
    'F6',
    'F6',
    'installing the vib twice equals once, removing it removes its ruleset, and a reconnect reinstalls it',
    checkF6,
  ),
  sometimes('F6', 'some vibs are installed twice, and some removed and pushed again on reconnect', {
    'installed twice': (v) =>
      v.event?.type === 'VibInstallManual' && v.before.hosts[v.event.host]?.vibs.length === 1,
    'reinstalled on reconnect': (v) =>
      v.event?.type === 'HostConnect' &&
      v.before.hosts[v.event.host]?.vibs.length === 0 &&
      v.after.hosts[v.event.host]?.vibs.length === 1,
  }),
];

/** True iff the entry is an address or prefix esxcli takes, by the oracle's own reading. */
export const oracleEntry = (a: string): boolean => ipv4(a) !== null;

/** True iff two allowed-IP entries are one address or prefix, by the oracle's own reading. */
export function oracleSameEntry(a: string, b: string): boolean {
  const p = ipv4(a);
  const q = ipv4(b);
  return p !== null && q !== null && p[0] === q[0] && p[1] === q[1];
}
