// F1-F3, F5, F6: the host firewall and the to-the-cloud vib, each against an oracle that
// tracks what must be installed by its own reading of research-notes D and seed 003.
import fc from 'fast-check';
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
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
  };
  readonly events: readonly FirewallEvent[];
}

// ---- generation ----

const hostsArb = fc
  .array(fc.constantFrom<EsxiVersion>(...ESXI_VERSIONS, '6.5U1', '6.5U1'), {
    minLength: 1,
    maxLength: 3,
  })
  .map((vs) => vs.map((version, i) => ({ name: `esx-0${i + 1}`, version })));

export const fwCaseArb: fc.Arbitrary<FwCase> = hostsArb.chain((hosts) => {
  const h = fc.constantFrom(...hosts.map((x) => x.name));
  const event: fc.Arbitrary<FirewallEvent> = fc.oneof(
    { weight: 3, arbitrary: fc.constant<FirewallEvent>({ type: 'ApplianceBoot' }) },
    { weight: 3, arbitrary: h.map((host): FirewallEvent => ({ type: 'HostConnect', host })) },
    { weight: 1, arbitrary: h.map((host): FirewallEvent => ({ type: 'HostDisconnect', host })) },
    { weight: 2, arbitrary: h.map((host): FirewallEvent => ({ type: 'VibInstallManual', host })) },
    { weight: 2, arbitrary: h.map((host): FirewallEvent => ({ type: 'VibRemove', host })) },
    {
      weight: 3,
      arbitrary: fc
        .record({
          host: h,
          ruleset: fc.constantFrom(TO_CLOUD_RULESET, TO_CLOUD_RULESET, 'HBR', 'NFC'),
          enabled: fc.boolean(),
        })
        .map((r): FirewallEvent => ({ type: 'RulesetSet', ...r })),
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
  return fc
    .record({ events: fc.array(event, { maxLength: 12 }), placements })
    .map(({ events, placements: ps }) => ({
      setup: {
        hosts,
        placements: ps.map((p) => ({ ...p, cluster: hosts.map((x) => x.name) })),
      },
      events,
    }));
});

// ---- the oracle and the fold ----

export interface Expect {
  installed: boolean;
  enabled: boolean;
  connected: boolean;
  autoFailures: number;
}

/** What research-notes D and seed 003 say must hold after an event. */
export function expectAfter(
  o: Record<string, Expect>,
  versions: Record<string, EsxiVersion>,
  e: FirewallEvent,
): void {
  const push = (h: string) => {
    const x = o[h] as Expect;
    if (!x.connected || x.installed) return;
    if (versions[h] === '6.5U1') x.autoFailures++;
    else Object.assign(x, { installed: true, enabled: true });
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
      if (!x.installed) Object.assign(x, { installed: true, enabled: true });
      return;
    }
    case 'VibRemove':
      (o[e.host] as Expect).installed = false;
      return;
    case 'RulesetSet':
      if (e.ruleset === TO_CLOUD_RULESET && o[e.host]?.installed)
        (o[e.host] as Expect).enabled = e.enabled;
      return;
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
    c.setup.hosts.map((h) => [
      h.name,
      { installed: false, enabled: false, connected: true, autoFailures: 0 },
    ]),
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

const out = (port: number) => ({ direction: 'outbound' as const, protocol: 'tcp' as const, port });

const checkF1: FwCheck = (v, _c, variant) => {
  for (const fw of Object.values(v.after.hosts)) {
    const x = v.expect[fw.host] as Expect;
    for (const port of [10000, 10005, 10010]) {
      const d = decide(fw, out(port), variant);
      const want = x.installed && x.enabled;
      if ((d.action === 'allow') !== want) {
        return `${fw.host}: to-the-cloud TCP ${port} is ${d.action === 'allow' ? 'allowed' : 'dropped'} (${d.reason}), but the ${TO_CLOUD_RULESET} ruleset is ${x.installed ? (x.enabled ? 'installed and enabled' : 'installed but disabled') : 'not installed'}`;
      }
    }
  }
  return null;
};

const checkF2: FwCheck = (v, _c, variant) => {
  for (const fw of Object.values(v.after.hosts)) {
    const without: HostFirewall = {
      ...fw,
      rulesets: fw.rulesets.filter((r) => r.id !== TO_CLOUD_RULESET),
    };
    for (const port of [31031, 44046, 902]) {
      const a = decide(fw, out(port), variant);
      const b = decide(without, out(port), variant);
      if (a.action !== b.action) {
        return `${fw.host}: host-to-host TCP ${port} is ${a.action === 'allow' ? 'allowed' : 'dropped'} with the to-cloud ruleset (${a.reason}) but ${b.action === 'allow' ? 'allowed' : 'dropped'} without it (${b.reason})`;
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
    const failures = fw.esxupdateLog.filter((l) => l.includes(CURL56)).length;
    if (failures !== x.autoFailures) {
      return `${fw.host}: esxupdate.log records ${failures} curl#56 failure(s); the appliance push failed ${x.autoFailures} time(s)`;
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
  const found = mobilityFindings(c.setup.placements, v.after.hosts, variant);
  for (const p of c.setup.placements.filter((x) => x.toCloud)) {
    for (const h of p.cluster) {
      const x = v.expect[h] as Expect;
      const drops = !(x.installed && x.enabled);
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

function reached(
  c: FwCase,
  variant: Variant,
  goals: Record<string, (v: FwView) => boolean>,
): string[] {
  const hit = new Set<string>();
  fold(c, variant, (v) => {
    for (const [g, p] of Object.entries(goals)) if (p(v)) hit.add(g);
    return null;
  });
  return [...hit];
}

const always = (id: string, title: string, check: FwCheck): PropertyDef<FwCase> => ({
  id,
  area: 'firewall',
  kind: 'always',
  invariants: [id],
  title: `${id} ${title}`,
  numRuns: 300,
  arbitrary: () => fwCaseArb,
  check: (c, variant) => withId(id, fold(c, variant, check)),
  perStep: {
    check: (x) => check((x as FwStepView).view, (x as FwStepView).c, (x as FwStepView).variant),
  },
});

const sometimes = (
  id: string,
  title: string,
  goals: Record<string, (v: FwView) => boolean>,
): PropertyDef<FwCase> => ({
  id: `${id}-reach`,
  area: 'firewall',
  kind: 'sometimes',
  invariants: [id],
  title: `${id} reachability: ${title}`,
  numRuns: 300,
  arbitrary: () => fwCaseArb,
  goals: Object.keys(goals),
  reach: (c, variant) => reached(c, variant, goals),
  perStep: {
    goals: Object.fromEntries(
      Object.entries(goals).map(([g, p]) => [g, (x: unknown) => p((x as FwStepView).view)]),
    ),
  },
});

const anyHost = (v: FwView, p: (fw: HostFirewall, x: Expect) => boolean) =>
  Object.values(v.after.hosts).some((fw) => p(fw, v.expect[fw.host] as Expect));

export const FIREWALL_PROPERTIES: readonly PropertyDef<FwCase>[] = [
  always(
    'F1',
    'to-the-cloud replication passes a host firewall iff the to-cloud ruleset is installed and enabled',
    checkF1,
  ),
  sometimes('F1', 'some hosts pass to-cloud traffic and some drop it with the ruleset disabled', {
    'ruleset enabled': (v) => anyHost(v, (_fw, x) => x.installed && x.enabled),
    'ruleset disabled': (v) => anyHost(v, (_fw, x) => x.installed && !x.enabled),
  }),
  always(
    'F2',
    'host-to-host replication (HBR 31031/44046, NFC 902) never depends on the to-cloud ruleset',
    checkF2,
  ),
  sometimes('F2', 'some hosts carry the to-cloud ruleset while host-to-host traffic is checked', {
    'to-cloud ruleset present': (v) => anyHost(v, (_fw, x) => x.installed),
    'HBR disabled': (v) =>
      v.event?.type === 'RulesetSet' && v.event.ruleset === 'HBR' && !v.event.enabled,
  }),
  always(
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
    'a to-the-cloud VM that can run on a host dropping its replication is reported before it moves there',
    checkF5,
  ),
  sometimes('F5', 'some clusters mix hosts with and without the to-cloud ruleset', {
    'mixed cluster': (v) =>
      anyHost(v, (_f, x) => x.installed && x.enabled) && anyHost(v, (_f, x) => !x.installed),
  }),
  always(
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
