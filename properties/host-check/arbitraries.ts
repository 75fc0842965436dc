// Generated sites for the host check's firewall property (issue 16, blind spot 3): a primary
// and a DR site laid out as recommended (so routing is clean and every finding is the
// firewall's), each host with its built-in rulesets in their default states, the vib or not,
// rulesets an admin added, and then an admin's esxcli changes: rulesets switched, restricted
// to allowed IPs, addresses added and removed, the vib installed and removed.
import fc from 'fast-check';
import type { Format } from '../../model/esxcli/records.ts';
import {
  type FirewallEvent,
  NFC_INBOUND_RULESET,
  type Rule,
  TO_CLOUD_RULESET,
} from '../../model/firewall/firewall.ts';
import type { Topology } from '../../model/network/intent.ts';
import type { HostSetup } from '../../model/network/types.ts';
import { recommendedWorld } from '../network/arbitraries.ts';

/** A ruleset an admin added (research-notes C7: custom rulesets in /etc/vmware/firewall). */
export interface CustomRuleset {
  readonly id: string;
  readonly enabled: boolean;
  readonly rules: readonly Omit<Rule, 'portType'>[];
}

/** One host's firewall before the events, and how its output is handed to the check. */
export interface FirewallSetup {
  readonly host: string;
  /** vr2c-firewall installed (by hand: the push fails on 6.5U1, seed 003). */
  readonly vib: boolean;
  readonly custom: readonly CustomRuleset[];
  readonly format: Format | 'transcript';
}

export interface CheckCase {
  readonly setup: {
    readonly hosts: readonly HostSetup[];
    readonly topology: Topology;
    readonly firewalls: readonly FirewallSetup[];
  };
  readonly events: readonly FirewallEvent[];
}

export const CUSTOM_IDS = ['vr-custom', 'vr-tunnel'] as const;

type R = CustomRuleset['rules'][number];
const tcp = (direction: R['direction'], begin: number, end = begin): R => ({
  direction,
  protocol: 'tcp',
  begin,
  end,
});

/**
 * Rules admins write for these ports: the to-the-cloud range whole, split around a port, its
 * two ends, half of it (research-notes D: "create a custom rule and reconfigure the tunnelling
 * agent's port range"); HBR's ports; NFC in, out, and over UDP; a wide outbound range.
 */
const TEMPLATES: readonly (readonly R[])[] = [
  [tcp('outbound', 10000, 10010)],
  [tcp('outbound', 10000, 10004), tcp('outbound', 10006, 10010)],
  [tcp('outbound', 10000), tcp('outbound', 10010)],
  [tcp('outbound', 10000, 10005)],
  [tcp('outbound', 31031), tcp('outbound', 44046)],
  [tcp('outbound', 31031)],
  [tcp('inbound', 902)],
  [tcp('outbound', 902)],
  [{ direction: 'inbound', protocol: 'udp', begin: 902, end: 902 }],
  [tcp('outbound', 1024, 65535)],
];

const segment: fc.Arbitrary<R> = fc
  .record({
    direction: fc.constantFrom<R['direction']>('outbound', 'outbound', 'inbound'),
    protocol: fc.constantFrom<R['protocol']>('tcp', 'tcp', 'tcp', 'udp'),
    begin: fc.constantFrom(902, 10000, 10001, 10004, 10005, 10006, 10009, 10010, 31031, 44046),
    span: fc.constantFrom(0, 0, 1, 4, 5, 10),
  })
  .map(({ span, begin, ...r }) => ({ ...r, begin, end: Math.min(65535, begin + span) }));

const customArb = (id: string): fc.Arbitrary<CustomRuleset> =>
  fc.record({
    id: fc.constant(id),
    enabled: fc.constantFrom(true, true, false),
    rules: fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...TEMPLATES) },
      { weight: 1, arbitrary: fc.array(segment, { minLength: 1, maxLength: 3 }) },
    ),
  });

const firewallArb = (host: string): fc.Arbitrary<FirewallSetup> =>
  fc.record({
    host: fc.constant(host),
    vib: fc.constantFrom(true, true, false),
    custom: fc
      .subarray([...CUSTOM_IDS], { maxLength: 2 })
      .chain((ids) => fc.tuple(...ids.map(customArb)))
      .map((cs) => [...cs]),
    format: fc.constantFrom<FirewallSetup['format']>('text', 'text', 'csv', 'xml', 'transcript'),
  });

/**
 * Far ends and their neighbours an admin might allow: each appliance, the next address, its /24,
 * its /8; another host's management network; an address nobody uses.
 */
export function addressPool(t: Topology): string[] {
  const out = new Set<string>();
  for (const a of t.appliances) {
    const [o1, o2, o3, o4] = a.ip.split('.');
    out.add(a.ip);
    out.add(`${o1}.${o2}.${o3}.${Number(o4) + 1}`);
    out.add(`${o1}.${o2}.${o3}.0/24`);
    out.add(`${o1}.0.0.0/8`);
  }
  out.add('192.168.7.5');
  return [...out];
}

/** The rulesets the events touch, the ones replication meets most often. */
const RULESETS = [
  'HBR',
  'HBR',
  NFC_INBOUND_RULESET,
  NFC_INBOUND_RULESET,
  'NFC',
  'NFC',
  'httpClient',
  TO_CLOUD_RULESET,
  TO_CLOUD_RULESET,
  ...CUSTOM_IDS,
];

export const checkCaseArb: fc.Arbitrary<CheckCase> = recommendedWorld(false).chain((w) => {
  const topology = w.setup.topology as Topology;
  const names = w.setup.hosts.map((h) => h.name);
  const host = fc.constantFrom(...names);
  const ruleset = fc.constantFrom(...RULESETS);
  const address = fc.constantFrom(...addressPool(topology));
  const event: fc.Arbitrary<FirewallEvent> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc
        .record({ host, ruleset, enabled: fc.boolean() })
        .map((r): FirewallEvent => ({ type: 'RulesetSet', ...r })),
    },
    {
      weight: 2,
      arbitrary: fc
        .record({ host, ruleset, allowedAll: fc.boolean() })
        .map((r): FirewallEvent => ({ type: 'RulesetAllowedAll', ...r })),
    },
    {
      weight: 3,
      arbitrary: fc
        .record({ host, ruleset, address })
        .map((r): FirewallEvent => ({ type: 'AllowedIpAdd', ...r })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ host, ruleset, address })
        .map((r): FirewallEvent => ({ type: 'AllowedIpRemove', ...r })),
    },
    {
      weight: 1,
      arbitrary: host.map((h): FirewallEvent => ({ type: 'VibInstallManual', host: h })),
    },
    { weight: 1, arbitrary: host.map((h): FirewallEvent => ({ type: 'VibRemove', host: h })) },
  );
  // Often an admin has restricted rulesets to their allowed IPs first (research-notes D: the
  // hardening script's --allowed-all false; KB 432374 for vSphereClient).
  const restriction = fc
    .record({ host, ruleset, address })
    .map(({ host: h, ruleset: rs, address: a }): FirewallEvent[] => [
      { type: 'AllowedIpAdd', host: h, ruleset: rs, address: a },
      { type: 'RulesetAllowedAll', host: h, ruleset: rs, allowedAll: false },
    ]);
  return fc
    .record({
      firewalls: fc.tuple(...names.map(firewallArb)),
      first: fc.array(restriction, { maxLength: 3 }),
      events: fc.array(event, { maxLength: 8 }),
    })
    .map(({ firewalls, first, events }) => ({
      setup: { hosts: w.setup.hosts, topology, firewalls: [...firewalls] },
      events: [...first.flat(), ...events],
    }));
});
