// Exhaustive exploration of the host firewalls and the to-the-cloud vib: the scopes (data),
// and how a scope's states are stepped by firewallStep, checked by the firewall properties'
// own predicates and encoded. The oracle's expectation (what must be installed, each ruleset's
// state and allowed IPs as the admin's commands left them, how many pushes failed) is part of
// the explored state, updated by the oracle's own expectAfter, exactly as the property's fold
// does. Every ruleset combination the events can make is visited; the run counts them against
// all there are.
import {
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
  NFC_INBOUND_RULESET,
  type Packet,
  TO_CLOUD_RULESET,
} from '../../model/firewall/firewall.ts';
import type { Placement } from '../../model/firewall/mobility.ts';
import type { EsxiVersion, Variant } from '../../model/variants.ts';
import { assertKnownFields, type Encoder, memoJson } from '../explore/encoder.ts';
import { checksOf, goalsOf, selected } from '../explore/select.ts';
import type { Scope, StepModel, SteppedArea, Successor } from '../explore/types.ts';
import type { PropertyDef } from '../registry-types.ts';
import {
  type Expect,
  expectAfter,
  FIREWALL_PROPERTIES,
  type FwCase,
  type FwStepView,
  type FwView,
  initialExpect,
  VR_APPLIANCE,
  VR_SERVER,
} from './properties.ts';

type Kind = FirewallEvent['type'];

export interface FirewallScope {
  readonly hosts: readonly { readonly name: string; readonly version: EsxiVersion }[];
  readonly placements: readonly Placement[];
  /** Packets F2-direction judges on every state (the case's probes). */
  readonly probes: readonly Packet[];
  /** The event kinds offered, each over every host (and ruleset, for RulesetSet). */
  readonly events: readonly Kind[];
  /** The rulesets RulesetSet turns off and on. */
  readonly rulesets: readonly string[];
  /** The rulesets RulesetAllowedAll restricts and opens, and the entries the allowed-IP events add and remove. */
  readonly restricted?: readonly string[];
  readonly allowedIps?: readonly string[];
  /** FirewallTick steps (only the vib's install time moves with them). */
  readonly minutes?: readonly number[];
  /** Appliance pushes that may fail per host before a state is left unexpanded (a constraint). */
  readonly maxPushFailures: number;
  readonly properties?: readonly string[];
}

const ALL: readonly Kind[] = [
  'ApplianceBoot',
  'HostConnect',
  'HostDisconnect',
  'VibInstallManual',
  'VibRemove',
  'RulesetSet',
];

const tcp = (direction: Packet['direction'], port: number, remote: string): Packet => ({
  direction,
  protocol: 'tcp',
  port,
  remote,
});

/**
 * Probes at the rules' edges, both directions: NFC into the host from the VR server, the host's
 * own HTTPS out (only vSphereClient's inbound 443 would match it), HBR and to-the-cloud out,
 * and 443 in from an outsider.
 */
const PROBES: readonly Packet[] = [
  tcp('inbound', 902, VR_SERVER),
  tcp('outbound', 443, VR_SERVER),
  tcp('outbound', 31031, VR_SERVER),
  tcp('outbound', 10000, VR_APPLIANCE),
  tcp('inbound', 443, '192.168.7.5'),
];

export const FIREWALL_SCOPES: readonly Scope<FirewallScope>[] = [
  {
    name: 'default',
    description:
      'an ESXi 6.5U1 and a 6.7 host in one cluster with a to-the-cloud VM on the first, five probes; appliance pushes (at most 2 failing per host), connects, disconnects, the manual vib install and removal, and HBR, NFC and the to-cloud ruleset turned off and on',
    params: {
      hosts: [
        { name: 'esx-01', version: '6.5U1' },
        { name: 'esx-02', version: '6.7' },
      ],
      placements: [{ vm: 'vm-1', host: 'esx-01', toCloud: true, cluster: ['esx-01', 'esx-02'] }],
      probes: PROBES,
      events: ALL,
      rulesets: ['HBR', 'NFC', TO_CLOUD_RULESET],
      maxPushFailures: 2,
    },
    outOfScope: [
      'F2-reach: NFC in closed by the allowed IPs',
      'F2-direction-reach: kept out by the allowed IPs',
    ],
    nightly: true,
  },
  {
    name: 'allowed-ips',
    description:
      'an ESXi 6.7 host with a to-the-cloud VM, five probes: vSphereClient, httpClient and the to-cloud ruleset turned off and on, vSphereClient and the to-cloud ruleset restricted to their allowed IPs and opened again, the VR server, the VR appliance and another network added and removed, the appliance push and the vib removed',
    params: {
      hosts: [{ name: 'esx-01', version: '6.7' }],
      placements: [{ vm: 'vm-1', host: 'esx-01', toCloud: true, cluster: ['esx-01'] }],
      probes: PROBES,
      events: [
        'ApplianceBoot',
        'VibRemove',
        'RulesetSet',
        'RulesetAllowedAll',
        'AllowedIpAdd',
        'AllowedIpRemove',
      ],
      rulesets: [NFC_INBOUND_RULESET, 'httpClient', TO_CLOUD_RULESET],
      restricted: [NFC_INBOUND_RULESET, TO_CLOUD_RULESET],
      allowedIps: [VR_SERVER, VR_APPLIANCE, '192.168.0.0/16'],
      maxPushFailures: 1,
    },
    outOfScope: [
      'F2-reach: HBR disabled',
      'F2-reach: outgoing NFC off, NFC in open',
      'F3-reach: push failed on 6.5U1',
      'F3-reach: workaround on 6.5U1',
      'F5-reach: mixed cluster',
      'F6-reach: installed twice',
      'F6-reach: reinstalled on reconnect',
    ],
  },
  {
    name: 'tiny',
    description:
      'one ESXi 6.5U1 host with a to-the-cloud VM, five probes; appliance pushes (at most one failing), the manual vib install and removal, and the to-cloud ruleset turned off and on',
    params: {
      hosts: [{ name: 'esx-01', version: '6.5U1' }],
      placements: [{ vm: 'vm-1', host: 'esx-01', toCloud: true, cluster: ['esx-01'] }],
      probes: PROBES,
      events: ['ApplianceBoot', 'VibInstallManual', 'VibRemove', 'RulesetSet'],
      rulesets: [TO_CLOUD_RULESET],
      maxPushFailures: 1,
    },
    pinned: 7,
    outOfScope: [
      'F2-reach: HBR disabled',
      'F2-reach: outgoing NFC off, NFC in open',
      'F2-reach: NFC in closed by the allowed IPs',
      'F2-direction-reach: kept out by the allowed IPs',
      'F5-reach: mixed cluster',
      'F6-reach: reinstalled on reconnect',
    ],
  },
];

function eventsOf(p: FirewallScope): FirewallEvent[] {
  const out: FirewallEvent[] = [];
  for (const kind of p.events) {
    switch (kind) {
      case 'ApplianceBoot':
        out.push({ type: kind });
        break;
      case 'FirewallTick':
        for (const minutes of p.minutes ?? []) out.push({ type: kind, minutes });
        break;
      case 'RulesetSet':
        for (const h of p.hosts)
          for (const ruleset of p.rulesets)
            for (const enabled of [false, true])
              out.push({ type: kind, host: h.name, ruleset, enabled });
        break;
      case 'RulesetAllowedAll':
        for (const h of p.hosts)
          for (const ruleset of p.restricted ?? [])
            for (const allowedAll of [false, true])
              out.push({ type: kind, host: h.name, ruleset, allowedAll });
        break;
      case 'AllowedIpAdd':
      case 'AllowedIpRemove':
        for (const h of p.hosts)
          for (const ruleset of p.restricted ?? [])
            for (const address of p.allowedIps ?? [])
              out.push({ type: kind, host: h.name, ruleset, address });
        break;
      default:
        for (const h of p.hosts) out.push({ type: kind, host: h.name } as FirewallEvent);
    }
  }
  return out;
}

interface Explored {
  readonly fw: FirewallWorld;
  readonly expect: Readonly<Record<string, Expect>>;
}

const FILE = 'properties/firewall/explore.ts';
const WORLD_FIELDS = new Set(['now', 'hosts']);
const HOST_FIELDS = new Set([
  'host',
  'version',
  'enabled',
  'rulesets',
  'vibs',
  'esxupdateLog',
  'connected',
]);
const EXPECT_FIELDS = new Set(['installed', 'connected', 'autoFailures', 'rulesets']);
const RULESET_EXPECT_FIELDS = new Set(['enabled', 'allowedAll', 'ips']);

const hashes = new WeakMap<object, readonly [number, number]>();

/** The rulesets the run's combinations are made of: their state on a host, one letter each. */
const COMBINED = ['HBR', 'NFC', NFC_INBOUND_RULESET, 'httpClient', TO_CLOUD_RULESET];

/** A host's rulesets as the combination the run counts: each id absent, on, off, or twice. */
function combination(fw: HostFirewall, ids: readonly string[]): string {
  return ids
    .map((id) => {
      const rs = fw.rulesets.filter((r) => r.id === id);
      return rs.length === 0 ? '-' : rs.map((r) => (r.enabled ? '1' : '0')).join('');
    })
    .join('');
}

/** A deep copy of the oracle's expectation, for expectAfter to update in place. */
function copyExpect(x: Readonly<Record<string, Expect>>): Record<string, Expect> {
  const o: Record<string, Expect> = {};
  for (const [h, v] of Object.entries(x)) {
    const rulesets: Expect['rulesets'] = {};
    for (const [id, rs] of Object.entries(v.rulesets)) rulesets[id] = { ...rs, ips: [...rs.ips] };
    o[h] = { ...v, rulesets };
  }
  return o;
}

function sameExpect(a: Readonly<Record<string, Expect>>, b: Readonly<Record<string, Expect>>) {
  for (const k in a) {
    const x = a[k] as Expect;
    const y = b[k] as Expect;
    if (x.installed !== y.installed || x.connected !== y.connected) return false;
    if (x.autoFailures !== y.autoFailures) return false;
    const ids = Object.keys(x.rulesets);
    if (ids.length !== Object.keys(y.rulesets).length) return false;
    for (const id of ids) {
      const r = x.rulesets[id];
      const s = y.rulesets[id];
      if (!r || !s || r.enabled !== s.enabled || r.allowedAll !== s.allowedAll) return false;
      if (r.ips.length !== s.ips.length || r.ips.some((ip, i) => s.ips[i] !== ip)) return false;
    }
  }
  return true;
}

export function firewallModel(
  scope: Scope<FirewallScope>,
  variant: Variant,
): StepModel<Explored, FirewallEvent, FwStepView> {
  const p = scope.params;
  const c: FwCase = {
    setup: { hosts: p.hosts, placements: p.placements, probes: p.probes },
    events: [],
  };
  const events = eventsOf(p);
  const versions = Object.fromEntries(p.hosts.map((h) => [h.name, h.version]));
  const { checks, twins } = selected(FIREWALL_PROPERTIES as readonly PropertyDef[], p.properties);
  // The rulesets the scope's events can change, counted in the combinations.
  const vib = p.events.some((k) => k !== 'RulesetSet' && k !== 'FirewallTick');
  const moved = COMBINED.filter(
    (id) => p.rulesets.includes(id) || (id === TO_CLOUD_RULESET && vib),
  );
  const combinations = new Set<string>();
  let encoded = 0;
  const start: Explored = {
    fw: {
      now: 0,
      hosts: Object.fromEntries(
        p.hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
      ),
    },
    expect: Object.fromEntries(p.hosts.map((h) => [h.name, initialExpect()])),
  };
  const wrap = (view: FwView): FwStepView => ({ view, c, variant });
  return {
    setup: c.setup,
    init: () => start,
    initView: (x) => wrap({ index: 0, event: null, before: x.fw, after: x.fw, expect: x.expect }),
    events: () => events,
    kind: (e) => e.type,
    kinds: [...new Set(events.map((e) => e.type))],
    next(x, e): Successor<Explored, FwStepView> {
      const after = firewallStep(x.fw, e, variant).world;
      const o = copyExpect(x.expect);
      expectAfter(o, versions, e);
      const view = wrap({ index: 0, event: e, before: x.fw, after, expect: o });
      return {
        state: { fw: after, expect: o },
        view,
        stutter: after === x.fw && sameExpect(x.expect, o),
      };
    },
    checks: checksOf<FwStepView>(checks),
    goals: goalsOf<FwStepView>(twins),
    within: (x) => Object.values(x.expect).every((e) => e.autoFailures <= p.maxPushFailures),
    encode(x, enc: Encoder): number {
      encoded++;
      const audit = encoded < 4096 || encoded % 997 === 0;
      if (audit) assertKnownFields('FirewallWorld', x.fw, WORLD_FIELDS, FILE);
      enc.num(x.fw.now);
      const combo: string[] = [];
      for (const h of p.hosts) {
        const fw = x.fw.hosts[h.name] as HostFirewall;
        const e = x.expect[h.name] as Expect;
        if (audit) {
          assertKnownFields('HostFirewall', fw, HOST_FIELDS, FILE);
          assertKnownFields('the oracle expectation', e, EXPECT_FIELDS, FILE);
          for (const rs of Object.values(e.rulesets))
            assertKnownFields("the oracle's ruleset expectation", rs, RULESET_EXPECT_FIELDS, FILE);
        }
        const [a, b] = memoJson(hashes, fw);
        enc.push(a);
        enc.push(b);
        enc.push((e.installed ? 1 : 0) | (e.connected ? 4 : 0));
        enc.push(e.autoFailures);
        const ids = Object.keys(e.rulesets).sort();
        enc.push(ids.length);
        for (const id of ids) {
          const rs = e.rulesets[id] as Expect['rulesets'][string];
          enc.str(id);
          enc.push((rs.enabled ? 1 : 0) | (rs.allowedAll ? 2 : 0));
          enc.push(rs.ips.length);
          for (const ip of rs.ips) enc.str(ip);
        }
        combo.push(combination(fw, moved));
      }
      combinations.add(combo.join('|'));
      return 1;
    },
    extra: () => {
      // Per host: each ruleset the scope turns on or off; the to-cloud ruleset absent, on or
      // off (absent or on when only the vib events move it).
      const turns = (id: string) => p.rulesets.includes(id);
      const perHost = moved.reduce(
        (n, id) =>
          n *
          (id === TO_CLOUD_RULESET ? (turns(id) ? (vib ? 3 : 2) : vib ? 2 : 1) : turns(id) ? 2 : 1),
        1,
      );
      return {
        rulesetCombinations: `${combinations.size} of the ${perHost ** p.hosts.length} possible`,
      };
    },
  };
}

export const FIREWALL_EXPLORE: SteppedArea<FirewallScope> = {
  kind: 'stepped',
  area: 'firewall',
  scopes: FIREWALL_SCOPES,
  model: (scope, variant) =>
    firewallModel(scope, variant) as unknown as StepModel<unknown, unknown, unknown>,
};
