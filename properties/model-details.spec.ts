// Exact observable results of the firewall, mobility and network models, table by table: whole
// verdicts with their reason text, every firewall event's result and error, F5 findings per
// placement, the advisor's chosen fixes where only one command list is right, each netStep
// change and which vmk flowsOf means a flow to leave by. Each case pins a detail the property
// runs reach only now and then (the mutation run's few runs miss them). Hand-made states built
// with the models' own init functions; no generators, no I/O.
import { describe, expect, test } from 'vitest';
import {
  CURL56,
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
  type Packet,
  type Rule,
  rulesetList,
  type Verdict,
  type Vib,
  vibList,
} from '../model/firewall/firewall.ts';
import { mobilityFindings, type Placement, passesToCloud } from '../model/firewall/mobility.ts';
import { advise, applyFix, type Finding } from '../model/network/advisor.ts';
import { buildConnected, hostFromSetup, netStep } from '../model/network/host.ts';
import {
  flowsOf,
  intentOf,
  type Topology,
  TRAFFIC_CLASSES,
  type TrafficClass,
} from '../model/network/intent.ts';
import { formatIp, formatPrefix, maskLength, parseIp } from '../model/network/ipv4.ts';
import { type LookupResult, lookup } from '../model/network/lookup.ts';
import {
  DEFAULT_STACK,
  type HostSetup,
  type NetEvent,
  type NetHost,
  TAGS,
} from '../model/network/types.ts';
import {
  CORRECT,
  type EsxiVersion,
  rpoRange,
  type Variant,
  variantByName,
} from '../model/variants.ts';
import { variantNamed } from './harness.ts';
import { NET_SCENARIOS } from './network/scenarios.ts';

const variant = variantNamed;

// ---- firewall: verdicts ----

const RTC = 'Replication-to-CloudTraffic';
const out = (begin: number, end = begin): Rule => ({
  direction: 'outbound',
  protocol: 'tcp',
  portType: 'dst',
  begin,
  end,
});
const VRS = '10.12.12.10';
const APPLIANCE = '172.16.0.20';
const inbound = (begin: number): Rule => ({ ...out(begin), direction: 'inbound' });
const pkt = (
  port: number,
  direction: Packet['direction'] = 'outbound',
  protocol: Packet['protocol'] = 'tcp',
  remote = VRS,
): Packet => ({ direction, protocol, port, remote });
const allow = (ruleset: string, rule: string): Verdict => ({
  action: 'allow',
  ruleset,
  rule,
  reason: `${ruleset} allows ${rule}`,
});
const drop = (what: string): Verdict => ({
  action: 'drop',
  ruleset: 'default-drop',
  rule: '-',
  reason: `no enabled ruleset allows ${what}; default action DROP`,
});

const one = (fw: HostFirewall): FirewallWorld => ({ now: 0, hosts: { [fw.host]: fw } });
const hostOf = (w: FirewallWorld, name = 'h'): HostFirewall => {
  const fw = w.hosts[name];
  if (!fw) throw new Error(`host ${name} missing`);
  return fw;
};
/** Plays events from a world, failing on the first error. */
const play = (w0: FirewallWorld, events: readonly FirewallEvent[], v: Variant): FirewallWorld => {
  let w = w0;
  for (const e of events) {
    const r = firewallStep(w, e, v);
    expect(r.error, e.type).toBeUndefined();
    w = r.world;
  }
  return w;
};
const withVib = (version: EsxiVersion, v: Variant = CORRECT): HostFirewall =>
  hostOf(play(one(initFirewall('h', version, v)), [{ type: 'VibInstallManual', host: 'h' }], v));
const FOREIGN: Vib = {
  name: 'esx-base',
  version: '6.5.0',
  vendor: 'VMware',
  acceptance: 'VMwareCertified',
  installedAt: 0,
};

describe('firewall verdicts: action, ruleset, rule and reason', () => {
  const fw = withVib('6.7');
  test.each<[string, Packet, Verdict]>([
    ['HBR 31031', pkt(31031), allow('HBR', 'outbound tcp dst 31031')],
    ['NFC the host starts, 902 out', pkt(902), allow('NFC', 'outbound tcp dst 902')],
    [
      'NFC from the VR server, 902 in (notes A1)',
      pkt(902, 'inbound'),
      allow('vSphereClient', 'inbound tcp dst 902'),
    ],
    ['HTTPS into the host', pkt(443, 'inbound'), allow('vSphereClient', 'inbound tcp dst 443')],
    [
      'HTTPS out: httpClient is disabled out of the box (notes F)',
      pkt(443),
      drop('outbound tcp 443'),
    ],
    ['HBR 31031 in: only an outbound rule', pkt(31031, 'inbound'), drop('inbound tcp 31031')],
    ['the first to-cloud port', pkt(10000), allow(RTC, 'outbound tcp dst 10000-10010')],
    ['the last to-cloud port', pkt(10010), allow(RTC, 'outbound tcp dst 10000-10010')],
    ['one below the range', pkt(9999), drop('outbound tcp 9999')],
    ['one above the range', pkt(10011), drop('outbound tcp 10011')],
    ['inbound on an outbound port', pkt(10005, 'inbound'), drop('inbound tcp 10005')],
    ['udp on a tcp port', pkt(443, 'outbound', 'udp'), drop('outbound udp 443')],
  ])('%s', (_name, p, verdict) => {
    expect(decide(fw, p, CORRECT)).toStrictEqual(verdict);
  });

  test('a disabled ruleset drops its ports, unless ruleset-enabled-ignored lets them through', () => {
    const w = firewallStep(
      one(fw),
      { type: 'RulesetSet', host: 'h', ruleset: 'HBR', enabled: false },
      CORRECT,
    ).world;
    expect(decide(hostOf(w), pkt(31031), CORRECT)).toStrictEqual(drop('outbound tcp 31031'));
    expect(decide(hostOf(w), pkt(31031), variant('ruleset-enabled-ignored'))).toStrictEqual(
      allow('HBR', 'outbound tcp dst 31031'),
    );
  });

  test('hbr-rule-in-vib: HBR keeps only 44046, and the vib brings 10000-10010 and 31031', () => {
    const v = variant('hbr-rule-in-vib');
    const bare = initFirewall('h', '6.7', v);
    expect(bare.rulesets.map((r) => [r.id, r.rules])).toStrictEqual([
      ['HBR', [out(44046)]],
      ['NFC', [out(902)]],
      ['vSphereClient', [inbound(902), inbound(443)]],
      ['httpClient', [out(80), out(443)]],
    ]);
    expect(withVib('6.7', v).rulesets.find((r) => r.id === RTC)).toStrictEqual({
      id: RTC,
      label: 'Replication-to-Cloud Traffic',
      enabled: true,
      allowedAll: true,
      allowedIps: [],
      rules: [out(10000, 10010), out(31031)],
      vib: 'vr2c-firewall',
    });
    // The correct model keeps 31031 in HBR and the vib brings the range alone.
    expect(initFirewall('h', '6.7', CORRECT).rulesets[0]?.rules).toStrictEqual([
      out(31031),
      out(44046),
    ]);
    expect(withVib('6.7').rulesets.find((r) => r.id === RTC)?.rules).toStrictEqual([
      out(10000, 10010),
    ]);
  });
});

// ---- firewall: events ----

const names = (fw: HostFirewall) => rulesetList(fw).map((r) => r.name);
const BUILT_IN = ['HBR', 'NFC', 'vSphereClient', 'httpClient'];

describe('firewallStep: the result of every event', () => {
  test('FirewallTick advances the clock by its minutes; the vib records the install minute', () => {
    const w0 = { ...one(initFirewall('h', '6.7', CORRECT)), now: 7 };
    const r = firewallStep(w0, { type: 'FirewallTick', minutes: 5 }, CORRECT);
    expect(r.error).toBeUndefined();
    expect(r.world.now).toBe(12);
    expect(r.world.hosts).toBe(w0.hosts);
    const w = play(r.world, [{ type: 'VibInstallManual', host: 'h' }], CORRECT);
    expect(hostOf(w).vibs.map((v) => [v.name, v.installedAt])).toStrictEqual([
      ['vr2c-firewall', 12],
    ]);
  });

  test.each<[string, Variant, string[]]>([
    ['once, whatever the number of installs', CORRECT, [...BUILT_IN, RTC]],
    [
      'once per install under vib-install-duplicates-ruleset',
      variant('vib-install-duplicates-ruleset'),
      [...BUILT_IN, RTC, RTC],
    ],
  ])('VibInstallManual twice: the ruleset is there %s', (_name, v, rulesets) => {
    const install: FirewallEvent = { type: 'VibInstallManual', host: 'h' };
    const w = play(one(initFirewall('h', '6.7', v)), [install, install], v);
    expect(names(hostOf(w))).toStrictEqual(rulesets);
    expect(vibList(hostOf(w))).toStrictEqual([
      { name: 'vr2c-firewall', version: '6.5.0', vendor: 'VMware', acceptance: 'VMwareCertified' },
    ]);
  });

  test.each<[string, Vib[]]>([
    ['no vib at all', []],
    ['only another vib', [FOREIGN]],
  ])('VibRemove on a host with %s is rejected', (_name, vibs) => {
    const w = one({ ...initFirewall('h', '6.7', CORRECT), vibs });
    const r = firewallStep(w, { type: 'VibRemove', host: 'h' }, CORRECT);
    expect(r.error).toBe('h: vr2c-firewall is not installed');
    expect(r.world).toBe(w);
  });

  test('VibRemove takes away the vib and its ruleset, and nothing else', () => {
    const fw = withVib('6.7');
    const w = one({ ...fw, vibs: [...fw.vibs, FOREIGN] });
    const r = firewallStep(w, { type: 'VibRemove', host: 'h' }, CORRECT);
    expect(r.error).toBeUndefined();
    expect(hostOf(r.world).vibs).toStrictEqual([FOREIGN]);
    expect(names(hostOf(r.world))).toStrictEqual(BUILT_IN);
  });

  test('RulesetSet on an unknown ruleset is rejected and changes nothing', () => {
    const w = one(withVib('6.7'));
    const r = firewallStep(
      w,
      { type: 'RulesetSet', host: 'h', ruleset: 'sshServer', enabled: true },
      CORRECT,
    );
    expect(r.error).toBe('h: no ruleset sshServer');
    expect(r.world).toBe(w);
  });

  test('RulesetSet switches only the ruleset it names', () => {
    const w = play(
      one(withVib('6.7')),
      [{ type: 'RulesetSet', host: 'h', ruleset: 'NFC', enabled: false }],
      CORRECT,
    );
    expect(rulesetList(hostOf(w))).toStrictEqual([
      { name: 'HBR', enabled: true },
      { name: 'NFC', enabled: false },
      { name: 'vSphereClient', enabled: true },
      { name: 'httpClient', enabled: false },
      { name: RTC, enabled: true },
    ]);
  });

  const curl = CURL56;
  test.each<[string, HostFirewall, FirewallEvent, Variant, string[], string[]]>([
    [
      'ApplianceBoot on 6.5U1 logs curl#56 each time and adds nothing',
      initFirewall('h', '6.5U1', CORRECT),
      { type: 'ApplianceBoot' },
      CORRECT,
      BUILT_IN,
      [curl],
    ],
    [
      'HostConnect on 6.5U1 that already has the vib (installed by hand) tries no download',
      withVib('6.5U1'),
      { type: 'HostConnect', host: 'h' },
      CORRECT,
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'ApplianceBoot on 6.5U1 that has the vib tries no download',
      withVib('6.5U1'),
      { type: 'ApplianceBoot' },
      CORRECT,
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'HostConnect on 6.5U1 with only another vib still tries, and fails',
      { ...initFirewall('h', '6.5U1', CORRECT), vibs: [FOREIGN] },
      { type: 'HostConnect', host: 'h' },
      CORRECT,
      BUILT_IN,
      [curl],
    ],
    [
      'ApplianceBoot on 6.5U1 installs under vib-installs-on-65u1',
      initFirewall('h', '6.5U1', CORRECT),
      { type: 'ApplianceBoot' },
      variant('vib-installs-on-65u1'),
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'ApplianceBoot on 6.7 installs the vib',
      initFirewall('h', '6.7', CORRECT),
      { type: 'ApplianceBoot' },
      CORRECT,
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'ApplianceBoot skips a disconnected host',
      { ...initFirewall('h', '6.7', CORRECT), connected: false },
      { type: 'ApplianceBoot' },
      CORRECT,
      BUILT_IN,
      [],
    ],
    [
      'HostConnect reconnects a disconnected host and installs the vib',
      { ...initFirewall('h', '6.7', CORRECT), connected: false },
      { type: 'HostConnect', host: 'h' },
      CORRECT,
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'HostConnect on 6.7 with the vib changes nothing',
      withVib('6.7'),
      { type: 'HostConnect', host: 'h' },
      CORRECT,
      [...BUILT_IN, RTC],
      [],
    ],
    [
      'HostConnect on 6.7 with the vib adds a second ruleset under vib-install-duplicates-ruleset',
      withVib('6.7'),
      { type: 'HostConnect', host: 'h' },
      variant('vib-install-duplicates-ruleset'),
      [...BUILT_IN, RTC, RTC],
      [],
    ],
  ])('%s', (_name, fw, e, v, rulesets, log) => {
    const r = firewallStep(one(fw), e, v);
    expect(r.error).toBeUndefined();
    const after = hostOf(r.world);
    expect(names(after)).toStrictEqual(rulesets);
    expect(after.esxupdateLog).toStrictEqual(log);
    expect(after.connected).toBe(e.type === 'HostConnect' || fw.connected);
    expect(vibList(after).map((x) => x.name)).toStrictEqual(
      rulesets.includes(RTC) ? ['vr2c-firewall'] : fw.vibs.map((x) => x.name),
    );
  });

  test('ApplianceBoot twice on 6.5U1 logs the failure twice', () => {
    const boot: FirewallEvent = { type: 'ApplianceBoot' };
    const w = play(one(initFirewall('h', '6.5U1', CORRECT)), [boot, boot], CORRECT);
    expect(hostOf(w).esxupdateLog).toStrictEqual([curl, curl]);
  });
});

// ---- firewall: mobility (F5) ----

describe('mobility findings', () => {
  const partial = (rules: Rule[]): HostFirewall => ({
    ...initFirewall('h', '6.7', CORRECT),
    rulesets: [
      ...initFirewall('h', '6.7', CORRECT).rulesets,
      {
        id: 'custom',
        label: 'custom',
        enabled: true,
        allowedAll: true,
        allowedIps: [],
        rules,
        vib: null,
      },
    ],
  });
  test.each<[string, boolean, HostFirewall]>([
    ['the vib ruleset', true, withVib('6.7')],
    ['a rule for 10000-10010', true, partial([out(10000, 10010)])],
    ['a rule for 10000-10009 only', false, partial([out(10000, 10009)])],
    ['a rule for 10001-10010 only', false, partial([out(10001, 10010)])],
    ['nothing for the range', false, initFirewall('h', '6.7', CORRECT)],
  ])('passesToCloud with %s is %s', (_name, passes, fw) => {
    expect(passesToCloud(fw, CORRECT, APPLIANCE)).toBe(passes);
  });

  const firewalls = {
    'esx-01': { ...withVib('6.7'), host: 'esx-01' },
    'esx-02': initFirewall('esx-02', '6.5U1', CORRECT),
  };
  const cluster = ['esx-01', 'esx-02'];
  const on = (host: string, toCloud = true): Placement => ({ vm: 'vm-1', host, toCloud, cluster });
  const runs = 'vm-1 runs on esx-02 (ESXi 6.5U1), which drops to-the-cloud replication';
  const moves =
    'vm-1 can move from esx-01 to esx-02 (ESXi 6.5U1), which drops to-the-cloud replication';
  const missing = `${RTC} is missing`;
  test.each<[string, Placement, Variant, string[]]>([
    ['a VM not replicated to the cloud is not checked', on('esx-02', false), CORRECT, []],
    ['a VM on the bad host', on('esx-02'), CORRECT, [`${runs}: ${missing}`]],
    ['a VM that DRS may move to the bad host', on('esx-01'), CORRECT, [`${moves}: ${missing}`]],
    [
      'current-host-only still flags the host the VM runs on',
      on('esx-02'),
      variant('mobility-checks-current-host-only'),
      [`${runs}: ${missing}`],
    ],
    [
      'current-host-only misses the host DRS may move it to',
      on('esx-01'),
      variant('mobility-checks-current-host-only'),
      [],
    ],
  ])('%s', (_name, p, v, messages) => {
    const found = mobilityFindings([p], firewalls, v, APPLIANCE);
    expect(found.map((f) => f.message)).toStrictEqual(messages);
    expect(found.map((f) => [f.vm, f.from, f.to])).toStrictEqual(
      messages.map(() => ['vm-1', p.host, 'esx-02']),
    );
  });
});

// ---- network: the advisor's fixes ----

const scenario = (name: string) => {
  const s = NET_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`${name} fixture missing`);
  return s;
};
const SEED000 = scenario('seed-000-before').topology;
const seed000Setup = (name: string): HostSetup => {
  const h = scenario('seed-000-before').hosts.find((x) => x.name === name);
  if (!h) throw new Error(`${name} missing from seed-000-before`);
  return h;
};
/** Hosts from setups, then events, failing on the first error. */
const build = (setups: readonly HostSetup[], events: readonly NetEvent[] = []) => {
  let hosts: Readonly<Record<string, NetHost>> = Object.fromEntries(
    setups.map((s) => [s.name, hostFromSetup(s)]),
  );
  for (const e of events) {
    const r = netStep(hosts, e, CORRECT);
    expect(r.error, e.type).toBeUndefined();
    hosts = r.hosts;
  }
  return hosts;
};
const esx01 = (over: Partial<HostSetup>): HostSetup => ({ ...seed000Setup('esx-01'), ...over });
const findingsOf = (
  hosts: Readonly<Record<string, NetHost>>,
  t: Topology,
  v: Variant,
  cls: TrafficClass,
): Finding[] => advise(hosts, t, v).filter((f) => f.host === 'esx-01' && f.flow.class === cls);
const brief = (f: Finding) => ({ invariants: f.invariants, message: f.message, fix: f.fix });
const REPL = 'replication from esx-01 (vmk2 10.11.12.5) to VRS 10.12.12.20';
const routeAdd = (netstack: string, network: string, gateway: string): NetEvent => ({
  type: 'RouteAdd',
  host: 'esx-01',
  netstack,
  network,
  gateway,
  persist: true,
});

/** A fix with only esxcli commands: no steps, nothing disruptive. */
const plain = (commands: string[], events: NetEvent[]) => ({ commands, steps: [], events });
const ADD_TO_VRS = 'esxcli network ip route ipv4 add --gateway 10.11.12.1 --network 10.12.12.20/32';
const routeTo = (network: string, gateway = '10.11.12.1', netstack = DEFAULT_STACK) =>
  routeAdd(netstack, network, gateway);
const N2 = (took: string, why: string[]) =>
  `${REPL} ${took}, not vmk2 via the replication gateway 10.11.12.1${why.length ? `: ${why.join('; ')}` : ''}`;
const DEFAULT_WHY =
  'no route in defaultTcpipStack matches 10.12.12.20 more closely than the default route via 172.16.0.1';

describe('advisor: route fixes, a /32 host route first (one address is enough)', () => {
  test('on a local.sh host the route is also written to local.sh, as a step after the commands (seed 000)', () => {
    const hosts = build([esx01({ persistence: 'local.sh' })]);
    expect(findingsOf(hosts, SEED000, CORRECT, 'replication').map(brief)).toStrictEqual([
      {
        invariants: ['N2'],
        message: `${N2('leaves vmk0 via the management gateway 172.16.0.1', [DEFAULT_WHY])} [N2]`,
        fix: {
          commands: [ADD_TO_VRS],
          steps: [{ kind: 'local.sh', line: ADD_TO_VRS }],
          events: [routeTo('10.12.12.20/32')],
        },
      },
    ]);
  });

  test('the intended vmk via another gateway is N2 too: a route to the intended gateway', () => {
    const hosts = build([esx01({ netstacks: [{ name: DEFAULT_STACK, gateway: '10.11.12.254' }] })]);
    const [f] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(f?.sentence).toBe(
      `${REPL} leaves vmk2 via 10.11.12.254, not vmk2 via the replication gateway 10.11.12.1`,
    );
    expect(f?.fix).toStrictEqual(plain([ADD_TO_VRS], [routeTo('10.12.12.20/32')]));
  });

  test('an unpersisted route that is right now is persisted: a local.sh step, no command', () => {
    const hosts = build([
      esx01({
        persistence: 'local.sh',
        netstacks: [],
        routes: [{ network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: false }],
      }),
    ]);
    const [n3] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(n3?.invariants).toStrictEqual(['N3']);
    expect(n3?.fix).toStrictEqual({
      commands: [],
      steps: [
        {
          kind: 'local.sh',
          line: 'esxcli network ip route ipv4 add --gateway 10.11.12.1 --network 10.12.12.0/24',
        },
      ],
      events: [
        { type: 'RoutePersist', host: 'esx-01', netstack: DEFAULT_STACK, network: '10.12.12.0/24' },
      ],
    });
  });

  test('a /32 to the VRS via the wrong gateway is removed before the right one is added', () => {
    const hosts = build([
      esx01({
        persistence: 'local.sh',
        routes: [{ network: '10.12.12.20/32', gateway: '172.16.0.254' }],
      }),
    ]);
    const [f] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    const old = 'esxcli network ip route ipv4 add --gateway 172.16.0.254 --network 10.12.12.20/32';
    expect(f?.fix).toStrictEqual({
      commands: [
        'esxcli network ip route ipv4 remove --gateway 172.16.0.254 --network 10.12.12.20/32',
        ADD_TO_VRS,
      ],
      steps: [
        { kind: 'local.sh-remove', line: old },
        { kind: 'local.sh', line: ADD_TO_VRS },
      ],
      events: [
        {
          type: 'RouteRemove',
          host: 'esx-01',
          netstack: DEFAULT_STACK,
          network: '10.12.12.20/32',
        },
        routeTo('10.12.12.20/32'),
      ],
    });
  });

  test('routes to other networks, or to the same network in another netstack, are not replaced', () => {
    const hosts = build([
      esx01({
        netstacks: [{ name: DEFAULT_STACK, gateway: '172.16.0.1' }, { name: 'vrStack' }],
        routes: [
          { network: '10.99.0.0/24', gateway: '172.16.0.254' },
          { netstack: 'vrStack', network: '10.12.12.0/24', gateway: '10.11.12.1' },
        ],
      }),
    ]);
    const [n2] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(n2?.why).toStrictEqual([
      DEFAULT_WHY,
      'the route to 10.12.12.0/24 via 10.11.12.1 is in the vrStack netstack; replication uses the defaultTcpipStack one',
    ]);
    expect(n2?.fix).toStrictEqual(plain([ADD_TO_VRS], [routeTo('10.12.12.20/32')]));
  });

  test('a flow meant to leave directly gets no route fix, even when a route hijacks it', () => {
    // esx-01's vmk1 has a /16 mask, so a /24 static route to the vMotion subnet wins over it.
    const vmks = seed000Setup('esx-01').vmks.map((v) =>
      v.name === 'vmk1' ? { ...v, address: '192.168.10.11/16' } : v,
    );
    const hosts = build([
      esx01({ vmks, routes: [{ network: '192.168.10.0/24', gateway: '172.16.0.254' }] }),
      seed000Setup('esx-02'),
    ]);
    expect(findingsOf(hosts, SEED000, CORRECT, 'vmotion').map(brief)).toStrictEqual([
      {
        invariants: ['N2', 'N4'],
        message:
          'vmotion from esx-01 (vmk1 192.168.10.11) to esx-02 vmk1 192.168.10.12 leaves vmk0 via 172.16.0.254, not vmk1 directly: the route to 192.168.10.0/24 via 172.16.0.254 in defaultTcpipStack is the longest match for 192.168.10.12 [N2, N4]',
        fix: { commands: [], steps: [], events: [], note: GENERIC_NOTE },
      },
    ]);
  });
});

const GENERIC_NOTE =
  'a tag, a static route and a per-vmk gateway were tried (research-notes B): none mends this flow without breaking another';

describe('advisor: N3 compares egress, next hop and table', () => {
  test('same vmk, another next hop after a reboot', () => {
    const hosts = build([
      esx01({
        persistence: 'local.sh',
        netstacks: [{ name: DEFAULT_STACK, gateway: '10.11.12.254' }],
        routes: [{ network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: false }],
      }),
    ]);
    expect(findingsOf(hosts, SEED000, CORRECT, 'replication').map((f) => f.sentence)).toStrictEqual(
      [
        `${REPL} leaves vmk2 via the replication gateway 10.11.12.1 now, but leaves vmk2 via 10.11.12.254 after a reboot`,
      ],
    );
  });

  test('same next hop, another vmk after a reboot (a stale table, seed 004): the reboot is the fix', () => {
    // vmk2 was recreated after vmk3: the stale table still ranks it first, a rebuilt one not.
    const hosts = build(
      [
        esx01({
          version: '6.7',
          refresh: 'restart',
          vmks: [
            { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
            { name: 'vmk2', address: '10.11.12.5/24', tags: ['vSphereReplication'] },
            { name: 'vmk3', address: '10.11.12.6/24' },
          ],
          routes: [{ network: '10.12.12.0/24', gateway: '10.11.12.1' }],
        }),
      ],
      [
        { type: 'VmkRemove', host: 'esx-01', vmk: 'vmk2' },
        {
          type: 'VmkAdd',
          host: 'esx-01',
          vmk: 'vmk2',
          address: '10.11.12.5/24',
          netstack: DEFAULT_STACK,
          tags: ['vSphereReplication'],
        },
      ],
    );
    const found = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(found.map((f) => [f.invariants, f.sentence])).toStrictEqual([
      [
        ['N3'],
        `${REPL} leaves vmk2 via the replication gateway 10.11.12.1 now, but leaves vmk3 via the replication gateway 10.11.12.1 after a reboot`,
      ],
    ]);
    // A /32 would leave vmk3 after a reboot too (the tie rule), so it is not offered; a per-vmk
    // gateway serves the bound flow whatever the table, and comes before a restart.
    expect(found[0]?.fix).toStrictEqual(
      plain(
        [
          'esxcli network ip interface ipv4 set -i vmk2 -t static -I 10.11.12.5 -N 255.255.255.0 -g 10.11.12.1',
        ],
        [{ type: 'GatewaySet', host: 'esx-01', vmk: 'vmk2', gateway: '10.11.12.1' }],
      ),
    );
  });

  test('N3 persists the route the flow uses, not another one in the table', () => {
    const hosts = build([
      esx01({
        persistence: 'local.sh',
        netstacks: [{ name: 'vrStack' }],
        routes: [
          { netstack: 'vrStack', network: '10.12.12.0/24', gateway: '10.11.12.1' },
          { network: '10.99.0.0/24', gateway: '10.11.12.254' },
          { network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: false },
        ],
      }),
    ]);
    const [n3] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(n3?.message).toBe(
      `${REPL} leaves vmk2 via the replication gateway 10.11.12.1 now, but has no route after a reboot: the route to 10.12.12.0/24 via 10.11.12.1 is not in /etc/rc.local.d/local.sh, so a reboot drops it (seed 000); after a reboot no route in defaultTcpipStack matches 10.12.12.20 [N3]`,
    );
    expect(n3?.fix.events).toStrictEqual([
      { type: 'RoutePersist', host: 'esx-01', netstack: DEFAULT_STACK, network: '10.12.12.0/24' },
    ]);
  });

  test('N3 through a stack gateway on a restart host: the restart itself is no fix, a /32 is', () => {
    // After the reboot vmk9's subnet is in the table, so a persisted /16 via 10.50.0.1 becomes
    // usable and wins over the stack gateway: a /32 via the intended gateway keeps the path.
    const hosts = build(
      [
        esx01({
          refresh: 'restart',
          netstacks: [{ name: DEFAULT_STACK, gateway: '10.11.12.1' }],
          routes: [{ network: '10.12.0.0/16', gateway: '10.50.0.1' }],
        }),
      ],
      [
        {
          type: 'VmkAdd',
          host: 'esx-01',
          vmk: 'vmk9',
          address: '10.50.0.5/24',
          netstack: DEFAULT_STACK,
          tags: [],
        },
      ],
    );
    const found = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(found.map((f) => f.sentence)).toStrictEqual([
      `${REPL} leaves vmk2 via the replication gateway 10.11.12.1 now, but leaves vmk9 via 10.50.0.1 after a reboot`,
    ]);
    expect(found[0]?.fix).toStrictEqual(plain([ADD_TO_VRS], [routeTo('10.12.12.20/32')]));
  });
});

// The stale-table layout (seed 004's restart refresh): `first` was removed and created again,
// after another vmk in its subnet. The table, not rebuilt yet, still ranks `first` as the
// subnet's owner; creation order, and so the intended vmk, now names the other one.
const staleHost = (over: Partial<HostSetup>, first: string, address: string) =>
  build(
    [esx01({ refresh: 'restart', ...over })],
    [
      { type: 'VmkRemove', host: 'esx-01', vmk: first },
      { type: 'VmkAdd', host: 'esx-01', vmk: first, address, netstack: DEFAULT_STACK, tags: [] },
    ],
  );
const staleReplication = (version: EsxiVersion, over: Partial<HostSetup> = {}) =>
  staleHost(
    {
      version,
      vmks: [
        { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
        { name: 'vmk2', address: '10.11.12.5/24' },
        { name: 'vmk3', address: '10.11.12.6/24' },
      ],
      routes: [{ network: '10.12.12.0/24', gateway: '10.11.12.1' }],
      ...over,
    },
    'vmk2',
    '10.11.12.5/24',
  );
const REPL3 = 'replication from esx-01 (vmk3 10.11.12.6) to VRS 10.12.12.20';
const REBOOT_FIX = {
  commands: [],
  steps: [
    {
      kind: 'reboot',
      why: 'the routing table follows vmk changes only after a restart (seed 004)',
    },
  ],
  disruption: 'restarts esx-01: evacuate its VMs first',
  events: [{ type: 'Reboot', host: 'esx-01' }],
};
const PORTGROUP = { portgroup: 'VMkernel vmk2', dvs: null, dvport: null, mtu: 9000 };
/** esx-01 on `version` with its replication vmk on a netstack of its own, tagged (N8). */
const customStack = (version: EsxiVersion, attach = true) =>
  build([
    esx01({
      version,
      vmks: [
        { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
        { name: 'vmk1', address: '192.168.10.11/24', tags: ['VMotion'] },
        {
          name: 'vmk2',
          address: '10.11.12.5/24',
          netstack: 'replication',
          tags: ['vSphereReplication', 'vSphereReplicationNFC'],
          ...(attach ? { attach: PORTGROUP } : {}),
        },
      ],
      netstacks: [
        { name: DEFAULT_STACK, gateway: '172.16.0.1' },
        { name: 'replication', gateway: '10.11.12.1' },
      ],
    }),
  ]);
const N8_WHY =
  'vmk2 is on netstack replication, and vSphereReplication takes effect only on defaultTcpipStack vmks, so vmk2 carries no replication (research-notes B)';

describe('advisor: only fixes vSphere Replication supports (N8: tags, routes, per-vmk gateways)', () => {
  test('6.7, a stale table: the intended vmk tagged and given its own gateway, not a new netstack', () => {
    const found = findingsOf(staleReplication('6.7'), SEED000, CORRECT, 'replication');
    expect(found.map((f) => [f.invariants, f.sentence])).toStrictEqual([
      [
        ['N2'],
        `${REPL3} leaves vmk2 via the replication gateway 10.11.12.1, not vmk3 via the replication gateway 10.11.12.1`,
      ],
    ]);
    expect(found[0]?.fix).toStrictEqual(
      plain(
        [
          'esxcli network ip interface tag add -i vmk3 -t vSphereReplication',
          'esxcli network ip interface ipv4 set -i vmk3 -t static -I 10.11.12.6 -N 255.255.255.0 -g 10.11.12.1',
        ],
        [
          { type: 'TagAdd', host: 'esx-01', vmk: 'vmk3', tag: 'vSphereReplication' },
          { type: 'GatewaySet', host: 'esx-01', vmk: 'vmk3', gateway: '10.11.12.1' },
        ],
      ),
    );
  });

  test('5.5, a stale table: no tag binds and no per-vmk gateway exists, so the restart, said to be disruptive', () => {
    const [f] = findingsOf(staleReplication('5.5'), SEED000, CORRECT, 'replication');
    expect(f?.invariants).toStrictEqual(['N2']);
    expect(f?.fix).toStrictEqual(REBOOT_FIX);
  });

  test('6.7, a tagged vmk on a custom netstack (N8): re-created on the default stack with all its tags', () => {
    const [f] = findingsOf(customStack('6.7'), SEED000, CORRECT, 'replication');
    expect(f?.invariants).toStrictEqual(['N2', 'N8']);
    expect(f?.message).toBe(
      `${N2('leaves vmk0 via the management gateway 172.16.0.1', [DEFAULT_WHY, N8_WHY])} [N2, N8]`,
    );
    expect(f?.fix).toStrictEqual({
      commands: [
        'esxcli network ip interface remove -i vmk2',
        'esxcli network ip interface add -i vmk2 -p "VMkernel vmk2" -m 9000',
        'esxcli network ip interface ipv4 set -i vmk2 -t static -I 10.11.12.5 -N 255.255.255.0 -g 10.11.12.1',
        'esxcli network ip interface tag add -i vmk2 -t vSphereReplication',
        'esxcli network ip interface tag add -i vmk2 -t vSphereReplicationNFC',
      ],
      steps: [],
      disruption:
        'removes vmk2 from netstack replication: its traffic stops until it is added again',
      events: [
        { type: 'VmkRemove', host: 'esx-01', vmk: 'vmk2' },
        {
          type: 'VmkAdd',
          host: 'esx-01',
          vmk: 'vmk2',
          address: '10.11.12.5/24',
          netstack: DEFAULT_STACK,
          tags: ['vSphereReplication', 'vSphereReplicationNFC'],
          attach: PORTGROUP,
        },
        { type: 'GatewaySet', host: 'esx-01', vmk: 'vmk2', gateway: '10.11.12.1' },
      ],
    });
  });

  test('6.0, a tagged vmk on a custom netstack: re-created, then a /32 host route (no per-vmk gateway before 6.5)', () => {
    const [f] = findingsOf(customStack('6.0'), SEED000, CORRECT, 'replication');
    expect(f?.fix.commands).toStrictEqual([
      'esxcli network ip interface remove -i vmk2',
      'esxcli network ip interface add -i vmk2 -p "VMkernel vmk2" -m 9000',
      'esxcli network ip interface ipv4 set -i vmk2 -t static -I 10.11.12.5 -N 255.255.255.0',
      'esxcli network ip interface tag add -i vmk2 -t vSphereReplication',
      'esxcli network ip interface tag add -i vmk2 -t vSphereReplicationNFC',
      ADD_TO_VRS,
    ]);
  });

  test('a vmk on a distributed switch is re-created on its distributed port', () => {
    const [h] = Object.values(customStack('6.7'));
    if (!h) throw new Error('esx-01 missing');
    const dvs = { portgroup: null, dvs: 'vDS 01', dvport: '16', mtu: 9000 };
    const hosts = {
      'esx-01': { ...h, vmks: h.vmks.map((v) => (v.name === 'vmk2' ? { ...v, attach: dvs } : v)) },
    };
    const [f] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(f?.fix.commands[1]).toBe(
      'esxcli network ip interface add -i vmk2 -s "vDS 01" -v 16 -m 9000',
    );
  });

  test('without the portgroup from interface list no re-creation is offered, and no placeholder either', () => {
    const [f] = findingsOf(customStack('6.7', false), SEED000, CORRECT, 'replication');
    expect(f?.invariants).toStrictEqual(['N2', 'N8']);
    expect(f?.fix).toStrictEqual({ commands: [], steps: [], events: [], note: GENERIC_NOTE });
  });

  test('the defect replication-on-custom-stack sees no finding there at all', () => {
    expect(
      findingsOf(
        customStack('6.7'),
        SEED000,
        variant('replication-on-custom-stack'),
        'replication',
      ),
    ).toStrictEqual([]);
  });

  test('6.7, an untagged vmk with its own gateway: the tag alone binds replication to it', () => {
    const hosts = build([
      esx01({
        version: '6.7',
        vmks: [
          { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
          { name: 'vmk2', address: '10.11.12.5/24', gateway: '10.11.12.1' },
        ],
      }),
    ]);
    const [f] = findingsOf(hosts, SEED000, CORRECT, 'replication');
    expect(f?.why).toStrictEqual([
      DEFAULT_WHY,
      "vmk2's own gateway 10.11.12.1 serves only services bound to vmk2, and replication is not: vmk2 has no vSphereReplication tag that takes effect",
    ]);
    expect(f?.fix).toStrictEqual(
      plain(
        ['esxcli network ip interface tag add -i vmk2 -t vSphereReplication'],
        [{ type: 'TagAdd', host: 'esx-01', vmk: 'vmk2', tag: 'vSphereReplication' }],
      ),
    );
  });

  test('6.7 management on a stale table: no tag or gateway binds it, so the restart', () => {
    const hosts = staleHost(
      {
        version: '6.7',
        vmks: [
          { name: 'vmk0', address: '172.16.0.11/24' },
          { name: 'vmk1', address: '172.16.0.12/24' },
        ],
      },
      'vmk0',
      '172.16.0.11/24',
    );
    const [f] = findingsOf(hosts, SEED000, CORRECT, 'management');
    expect(f?.sentence).toBe(
      'management from esx-01 (vmk1 172.16.0.12) to vCenter 172.16.0.10 leaves vmk0 directly, not vmk1 directly',
    );
    expect(f?.fix).toStrictEqual(REBOOT_FIX);
  });
});

describe('applyFix', () => {
  test('stops at the first event that fails, and reports it with the hosts as they were', () => {
    const hosts = build([esx01({ version: '6.7' })]);
    const tag = (vmk: string): NetEvent => ({
      type: 'TagAdd',
      host: 'esx-01',
      vmk,
      tag: 'vSphereReplication',
    });
    const r = applyFix(hosts, { events: [tag('vmk2'), tag('vmk9'), tag('vmk1')] }, CORRECT);
    expect(r.error).toBe('esx-01: no vmk named vmk9');
    expect(r.hosts['esx-01']?.vmks.map((v) => [v.name, v.tags])).toStrictEqual([
      ['vmk0', ['Management']],
      ['vmk1', ['VMotion']],
      ['vmk2', ['vSphereReplication']],
    ]);
  });
});

// ---- network: configuration changes ----

describe('netStep: the exact result of each configuration change', () => {
  const SETUP: HostSetup = {
    name: 'esx-01',
    version: '6.7',
    vmks: [
      { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management', 'VMotion'] },
      {
        name: 'vmk1',
        address: '10.11.12.5/24',
        netstack: 'vrStack',
        tags: ['VMotion', 'vSphereReplication'],
      },
    ],
    netstacks: [{ name: DEFAULT_STACK, gateway: '172.16.0.1' }],
    routes: [
      { network: '10.99.0.0/24', gateway: '172.16.0.254', persisted: false },
      { netstack: 'vrStack', network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: false },
      { network: '10.12.12.0/24', gateway: '172.16.0.254', persisted: false },
    ],
  };
  const ROUTES = [
    'defaultTcpipStack 10.99.0.0/24 via 172.16.0.254',
    'vrStack 10.12.12.0/24 via 10.11.12.1',
    'defaultTcpipStack 10.12.12.0/24 via 172.16.0.254',
  ];
  const routesOf = (h: NetHost) =>
    h.routes.map(
      (r) =>
        `${r.netstack} ${formatPrefix(r.network)} via ${formatIp(r.gateway)}${r.persisted ? ' persisted' : ''}`,
    );
  const tagsOf = (h: NetHost) => h.vmks.map((v) => [v.name, v.tags]);
  const hosts = () => build([SETUP]);
  const ok = (...events: NetEvent[]): NetHost => {
    const h = build([SETUP], events)['esx-01'];
    if (!h) throw new Error('esx-01 missing');
    return h;
  };
  const rejected = (e: NetEvent, error: string) => {
    const before = hosts();
    const r = netStep(before, e, CORRECT);
    expect(r.error).toBe(error);
    expect(r.hosts).toBe(before);
  };
  const route = (
    type: 'RouteAdd' | 'RouteRemove' | 'RoutePersist',
    netstack: string,
    network: string,
  ): NetEvent =>
    type === 'RouteAdd'
      ? { type, host: 'esx-01', netstack, network, gateway: '10.11.12.1', persist: false }
      : { type, host: 'esx-01', netstack, network };

  test('a setup without netstacks has the default stack and those its vmks name, no gateway', () => {
    const { netstacks: _, ...bare } = SETUP;
    expect(hostFromSetup(bare).netstacks).toStrictEqual([
      { name: DEFAULT_STACK, gateway: null },
      { name: 'vrStack', gateway: null },
    ]);
  });

  test('RouteAdd of a network the stack already has a route to is rejected', () => {
    rejected(
      route('RouteAdd', DEFAULT_STACK, '10.12.12.0/24'),
      'esx-01: a route to 10.12.12.0/24 already exists in defaultTcpipStack',
    );
  });

  test.each<[string, string, string]>([
    ['another stack', 'vrStack', 'vrStack 10.99.0.0/24 via 10.11.12.1'],
    ['the same stack', DEFAULT_STACK, 'defaultTcpipStack 10.50.0.0/24 via 10.11.12.1'],
  ])('RouteAdd of a network routed only in %s is added', (_name, netstack, added) => {
    const network = netstack === 'vrStack' ? '10.99.0.0/24' : '10.50.0.0/24';
    expect(routesOf(ok(route('RouteAdd', netstack, network)))).toStrictEqual([...ROUTES, added]);
  });

  test('RouteAdd of the same address with another prefix length is another route', () => {
    expect(routesOf(ok(route('RouteAdd', DEFAULT_STACK, '10.99.0.0/16')))).toStrictEqual([
      ...ROUTES,
      'defaultTcpipStack 10.99.0.0/16 via 10.11.12.1',
    ]);
  });

  test('RouteRemove takes only the route in the stack it names', () => {
    expect(routesOf(ok(route('RouteRemove', DEFAULT_STACK, '10.12.12.0/24')))).toStrictEqual(
      ROUTES.slice(0, 2),
    );
  });

  test('RoutePersist marks only the route in the stack it names', () => {
    expect(routesOf(ok(route('RoutePersist', DEFAULT_STACK, '10.12.12.0/24')))).toStrictEqual([
      ...ROUTES.slice(0, 2),
      `${ROUTES[2]} persisted`,
    ]);
  });

  test('TagAdd appends the tag to the vmk it names only', () => {
    const h = ok({ type: 'TagAdd', host: 'esx-01', vmk: 'vmk1', tag: 'vSphereReplicationNFC' });
    expect(tagsOf(h)).toStrictEqual([
      ['vmk0', ['Management', 'VMotion']],
      ['vmk1', ['VMotion', 'vSphereReplication', 'vSphereReplicationNFC']],
    ]);
  });

  test('TagAdd of a tag the vmk has changes nothing', () => {
    const before = hosts();
    const r = netStep(
      before,
      { type: 'TagAdd', host: 'esx-01', vmk: 'vmk1', tag: 'VMotion' },
      CORRECT,
    );
    expect(r.error).toBeUndefined();
    expect(r.hosts['esx-01']).toBe(before['esx-01']);
  });

  test('TagRemove takes the tag from the vmk it names only', () => {
    const h = ok({ type: 'TagRemove', host: 'esx-01', vmk: 'vmk1', tag: 'VMotion' });
    expect(tagsOf(h)).toStrictEqual([
      ['vmk0', ['Management', 'VMotion']],
      ['vmk1', ['vSphereReplication']],
    ]);
  });

  const vmkAdd = (vmk: string, address: string): NetEvent => ({
    type: 'VmkAdd',
    host: 'esx-01',
    vmk,
    address,
    netstack: DEFAULT_STACK,
    tags: [],
  });

  test('VmkAdd of a name the host has is rejected', () => {
    rejected(vmkAdd('vmk1', '10.20.0.5/24'), 'esx-01: vmk1 already exists');
  });

  test('VmkAdd numbers new vmks in creation order', () => {
    const h = ok(vmkAdd('vmk3', '10.20.0.5/24'), vmkAdd('vmk4', '10.20.0.6/24'));
    expect(h.vmks.map((v) => [v.name, v.order])).toStrictEqual([
      ['vmk0', 0],
      ['vmk1', 1],
      ['vmk3', 2],
      ['vmk4', 3],
    ]);
    expect(h.nextOrder).toBe(4);
  });

  test('NetstackAdd of a stack the host has is rejected; a new one starts without a gateway', () => {
    rejected(
      { type: 'NetstackAdd', host: 'esx-01', netstack: 'vrStack' },
      'esx-01: netstack vrStack already exists',
    );
    expect(
      ok({ type: 'NetstackAdd', host: 'esx-01', netstack: 'nfcStack' }).netstacks,
    ).toStrictEqual([
      { name: DEFAULT_STACK, gateway: parseIp('172.16.0.1') },
      { name: 'vrStack', gateway: null },
      { name: 'nfcStack', gateway: null },
    ]);
  });

  test('an error that is no configuration error is thrown, not reported', () => {
    const malformed = { ...route('RouteAdd', DEFAULT_STACK, '10.50.0.0/24'), network: undefined };
    expect(() => netStep(hosts(), malformed as unknown as NetEvent, CORRECT)).toThrow(TypeError);
  });
});

// ---- network: intent ----

describe('flowsOf: which vmk each flow is meant to leave by', () => {
  const shown = (hosts: Readonly<Record<string, NetHost>>, t: Topology = SEED000) =>
    flowsOf(t, hosts).map(
      (f) =>
        `${f.host} ${f.class} to ${f.dstName}: ${f.intended.vmk} ${f.intended.nextHop === null ? 'directly' : `via ${formatIp(f.intended.nextHop)}`}, bound ${f.bound ?? '-'} on ${f.netstack}`,
    );
  const replication = (version: EsxiVersion, vmks: HostSetup['vmks']) =>
    shown(build([esx01({ version, vmks })])).filter((x) => x.includes(' replication '));
  const VMK0 = { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] } as const;
  const flow = (vmk: string, bound: string | null) =>
    `esx-01 replication to VRS 10.12.12.20: ${vmk} via 10.11.12.1, bound ${bound ?? '-'} on ${DEFAULT_STACK}`;

  test.each<[string, EsxiVersion, HostSetup['vmks'], string]>([
    [
      '6.7: the tagged vmk, though created later, and the flow is bound to it',
      '6.7',
      [
        VMK0,
        { name: 'vmk2', address: '10.11.12.5/24' },
        { name: 'vmk3', address: '10.11.12.6/24', tags: ['vSphereReplication'] },
      ],
      flow('vmk3', 'vmk3'),
    ],
    [
      '5.5: tags do not bind, so the first created',
      '5.5',
      [
        VMK0,
        { name: 'vmk2', address: '10.11.12.5/24' },
        { name: 'vmk3', address: '10.11.12.6/24', tags: ['vSphereReplication'] },
      ],
      flow('vmk2', null),
    ],
    [
      '5.5: a tagged vmk is not bound',
      '5.5',
      [VMK0, { name: 'vmk2', address: '10.11.12.5/24', tags: ['vSphereReplication'] }],
      flow('vmk2', null),
    ],
    [
      "6.7: only the host's own site's replication subnet counts",
      '6.7',
      [
        VMK0,
        { name: 'vmk5', address: '10.12.12.7/24' },
        { name: 'vmk2', address: '10.11.12.5/24' },
      ],
      flow('vmk2', null),
    ],
  ])('%s', (_name, version, vmks, expected) => {
    expect(replication(version, vmks)).toStrictEqual([expected]);
  });

  test('the first created is found by creation order, not by place in the list', () => {
    const h = hostFromSetup(
      esx01({
        vmks: [
          VMK0,
          { name: 'vmk2', address: '10.11.12.5/24' },
          { name: 'vmk3', address: '10.11.12.6/24' },
        ],
      }),
    );
    const reversed = { 'esx-01': { ...h, vmks: [...h.vmks].reverse() } };
    expect(shown(reversed).filter((x) => x.includes(' replication '))).toStrictEqual([
      flow('vmk2', null),
    ]);
  });

  test('a host with no vmk in the management subnet has no management flows', () => {
    const hosts = build([esx01({ vmks: [{ name: 'vmk2', address: '10.11.12.5/24' }] })]);
    expect(shown(hosts)).toStrictEqual([flow('vmk2', null)]);
  });

  test("a peer's vMotion vmk is looked up at the peer's site as the topology lists it last", () => {
    // A degenerate topology that lists esx-02 at both sites: the site map keeps the last entry.
    const t: Topology = { ...SEED000, hosts: [...SEED000.hosts, { name: 'esx-02', site: 'dr' }] };
    const esx02 = seed000Setup('esx-02');
    const hosts = build([
      esx01({}),
      // esx-02's vmk1 untagged: its vMotion vmk is the one in its site's vMotion subnet.
      {
        ...esx02,
        vmks: [
          ...esx02.vmks.map((v) => (v.name === 'vmk1' ? { ...v, tags: [] } : v)),
          { name: 'vmk3', address: '192.168.20.12/24' },
        ],
      },
    ]);
    // 192.168.20.12 is off vmk1's subnet, which is non-routable: no intended path can exist, so
    // the flow is not built (never "directly" to an address that is not on-link); it is a gap.
    expect(shown(hosts, t).filter((x) => x.startsWith('esx-01 vmotion'))).toStrictEqual([]);
    expect(intentOf(t, hosts).gaps.filter((g) => g.host === 'esx-01')).toStrictEqual([
      {
        host: 'esx-01',
        class: 'vmotion',
        dstName: 'esx-02 vmk3 192.168.20.12',
        reason:
          "esx-02 vmk3 192.168.20.12 is not on vmk1's subnet 192.168.10.0/24, and topology.json gives that subnet no gateway (null): no path from vmk1 can reach it",
      },
    ]);
  });

  test('a tagged vmk expresses the intent though its subnet has no declared purpose', () => {
    const t: Topology = {
      ...SEED000,
      subnets: [
        ...SEED000.subnets,
        { site: 'primary', network: '10.40.0.0/24', gateway: '10.40.0.1', purpose: 'appliance' },
      ],
    };
    const hosts = build([
      esx01({
        version: '6.7',
        vmks: [VMK0, { name: 'vmk4', address: '10.40.0.5/24', tags: ['vSphereReplication'] }],
      }),
    ]);
    expect(
      flowsOf(t, hosts)
        .filter((f) => f.class === 'replication')
        .map((f) => [
          f.intended.vmk,
          f.intended.nextHop && formatIp(f.intended.nextHop),
          f.because,
        ]),
    ).toStrictEqual([['vmk4', '10.40.0.1', 'vmk4 is tagged vSphereReplication']]);
  });

  test("a destination on the vmk's own subnet is reached directly, whatever the topology declares", () => {
    // vmk2 is a /16: the DR VRS at 10.11.99.20 is on-link for it, though the declared /24 is not.
    const t: Topology = {
      ...SEED000,
      appliances: SEED000.appliances.map((a) =>
        a.role === 'vrs' && a.site === 'dr' ? { ...a, ip: '10.11.99.20' } : a,
      ),
    };
    const hosts = build([esx01({ vmks: [VMK0, { name: 'vmk2', address: '10.11.12.5/16' }] })]);
    expect(shown(hosts, t).filter((x) => x.includes(' replication '))).toStrictEqual([
      `esx-01 replication to VRS 10.11.99.20: vmk2 directly, bound - on ${DEFAULT_STACK}`,
    ]);
  });

  test.each<[string, EsxiVersion, string | null]>([
    ['5.5: the VMotion tag binds (seed 004 tags vMotion vmks on 5.5)', '5.5', 'vmk1'],
    ['6.7: the VMotion tag binds', '6.7', 'vmk1'],
  ])('%s', (_name, version, bound) => {
    const hosts = build([esx01({ version }), { ...seed000Setup('esx-02'), version }]);
    expect(
      flowsOf(SEED000, hosts)
        .filter((f) => f.class === 'vmotion' && f.host === 'esx-01')
        .map((f) => f.bound),
    ).toStrictEqual([bound]);
  });

  test('N8: a replication-tagged vmk on a custom netstack is meant, but binds nothing; the flow runs on the default stack', () => {
    const hosts = build([
      esx01({
        version: '6.7',
        vmks: [
          VMK0,
          {
            name: 'vmk2',
            address: '10.11.12.5/24',
            netstack: 'replication',
            tags: ['vSphereReplication'],
          },
        ],
      }),
    ]);
    expect(shown(hosts).filter((x) => x.includes(' replication '))).toStrictEqual([
      flow('vmk2', null),
    ]);
    // The defect lets it carry replication on its own stack.
    expect(
      flowsOf(SEED000, hosts, undefined, variant('replication-on-custom-stack'))
        .filter((f) => f.class === 'replication')
        .map((f) => [f.bound, f.netstack]),
    ).toStrictEqual([['vmk2', 'replication']]);
  });
});

describe('flowsOf: the flows of a whole topology', () => {
  // Seed 000's two sites with an NFC subnet at the DR site, a VR appliance sending to the
  // cloud, and FVP pinned to vmk2; every host runs 6.7 and tags a later vmk for its service.
  const T: Topology = {
    ...SEED000,
    subnets: [
      ...SEED000.subnets,
      { site: 'dr', network: '10.12.13.0/24', gateway: '10.12.13.1', purpose: 'nfc' },
    ],
    appliances: [
      ...SEED000.appliances,
      { role: 'vr-appliance', site: 'primary', ip: '172.16.0.30' },
    ],
    toCloud: true,
    fvp: { 'esx-01': 'vmk2', 'esx-02': 'vmk2' },
  };
  const primary = (name: string, n: number): HostSetup => ({
    name,
    version: '6.7',
    vmks: [
      { name: 'vmk0', address: `172.16.0.${n}/24` },
      { name: 'vmk1', address: `192.168.10.${n}/24` },
      { name: 'vmk3', address: `192.168.10.${n + 10}/24`, tags: ['VMotion'] },
      { name: 'vmk2', address: `10.11.12.${n - 6}/24` },
    ],
  });
  const HOSTS: HostSetup[] = [
    primary('esx-01', 11),
    primary('esx-02', 12),
    {
      name: 'esx-dr-01',
      version: '6.7',
      vmks: [
        { name: 'vmk0', address: '172.17.0.11/24' },
        { name: 'vmk2', address: '10.12.12.5/24' },
        { name: 'vmk4', address: '10.12.13.4/24' },
        { name: 'vmk5', address: '10.12.13.5/24', tags: ['vSphereReplicationNFC'] },
      ],
    },
  ];
  const FLOWS = [
    'esx-01 management (TCP 443, 902) to vCenter 172.16.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-01 vib-download (TCP 80) to vCenter 172.16.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-01 replication (TCP 31031, 44046) to VRS 10.12.12.20: vmk2 via 10.11.12.1, bound - on defaultTcpipStack',
    'esx-01 to-cloud (TCP 10000-10010) to VR appliance 172.16.0.30: vmk0 directly, bound - on defaultTcpipStack',
    'esx-01 vmotion (TCP 8000) to esx-02 vmk3 192.168.10.22: vmk3 directly, bound vmk3 on defaultTcpipStack',
    'esx-01 fvp (FVP peer) to esx-02 vmk2 10.11.12.6: vmk2 directly, bound vmk2 on defaultTcpipStack',
    'esx-02 management (TCP 443, 902) to vCenter 172.16.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-02 vib-download (TCP 80) to vCenter 172.16.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-02 replication (TCP 31031, 44046) to VRS 10.12.12.20: vmk2 via 10.11.12.1, bound - on defaultTcpipStack',
    'esx-02 to-cloud (TCP 10000-10010) to VR appliance 172.16.0.30: vmk0 directly, bound - on defaultTcpipStack',
    'esx-02 vmotion (TCP 8000) to esx-01 vmk3 192.168.10.21: vmk3 directly, bound vmk3 on defaultTcpipStack',
    'esx-02 fvp (FVP peer) to esx-01 vmk2 10.11.12.5: vmk2 directly, bound vmk2 on defaultTcpipStack',
    'esx-dr-01 management (TCP 443, 902) to vCenter 172.17.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-dr-01 vib-download (TCP 80) to vCenter 172.17.0.10: vmk0 directly, bound - on defaultTcpipStack',
    'esx-dr-01 nfc (TCP 902) to VRS 10.12.12.20: vmk5 via 10.12.13.1, bound vmk5 on defaultTcpipStack',
  ];
  const flows = (t: Topology, setups: readonly HostSetup[] = HOSTS) =>
    flowsOf(t, build(setups)).map(
      (f) =>
        `${f.host} ${f.class} (${f.port}) to ${f.dstName}: ${f.intended.vmk} ${f.intended.nextHop === null ? 'directly' : `via ${formatIp(f.intended.nextHop)}`}, bound ${f.bound ?? '-'} on ${f.netstack}`,
    );
  const without = (...parts: string[]) => FLOWS.filter((f) => !parts.some((p) => f.includes(p)));

  test('every class with its port, and the tagged vmk for vMotion and NFC', () => {
    expect(flows(T)).toStrictEqual(FLOWS);
  });

  test.each<[string, Topology, readonly HostSetup[], string[]]>([
    [
      'no vCenter at the primary site: no management or vib download there',
      { ...T, appliances: T.appliances.filter((a) => a.ip !== '172.16.0.10') },
      HOSTS,
      without('vCenter 172.16.0.10'),
    ],
    [
      'no VRS at the DR site: no replication to it, and no NFC into it',
      { ...T, appliances: T.appliances.filter((a) => a.ip !== '10.12.12.20') },
      HOSTS,
      without('VRS 10.12.12.20'),
    ],
    [
      'a VR appliance but no to-the-cloud replication',
      { ...T, toCloud: false },
      HOSTS,
      without(' to-cloud '),
    ],
    [
      'a peer without a vMotion vmk: no vMotion flow to or from it',
      T,
      HOSTS.map((h) =>
        h.name === 'esx-02'
          ? { ...h, vmks: h.vmks.filter((v) => !v.address.startsWith('192.168.10.')) }
          : h,
      ),
      without(' vmotion '),
    ],
    [
      'FVP pinned on one host only: no FVP flow',
      { ...T, fvp: { 'esx-02': 'vmk2' } },
      HOSTS,
      without(' fvp '),
    ],
  ])('%s', (_name, t, setups, expected) => {
    expect(flows(t, setups)).toStrictEqual(expected);
  });

  test('narrowed to one host and class, the same flows as the whole list holds for them', () => {
    const hosts = build(HOSTS);
    const whole = flowsOf(T, hosts);
    for (const h of T.hosts)
      for (const cls of TRAFFIC_CLASSES)
        expect(flowsOf(T, hosts, { host: h.name, class: cls })).toStrictEqual(
          whole.filter((f) => f.host === h.name && f.class === cls),
        );
  });
});

// ---- network: route lookup ----

describe('initial states in full', () => {
  const out = (port: number) => ({
    direction: 'outbound',
    protocol: 'tcp',
    portType: 'dst',
    begin: port,
    end: port,
  });
  test('a host firewall starts with the built-in HBR, NFC, vSphereClient and httpClient rulesets in their default states (research-notes A1, D, F)', () => {
    const inb = (port: number) => ({ ...out(port), direction: 'inbound' });
    expect(initFirewall('esx-01', '6.7', CORRECT)).toStrictEqual({
      host: 'esx-01',
      version: '6.7',
      enabled: true,
      rulesets: [
        {
          id: 'HBR',
          label: 'vSphere Replication',
          enabled: true,
          allowedAll: true,
          allowedIps: [],
          rules: [out(31031), out(44046)],
          vib: null,
        },
        {
          id: 'NFC',
          label: 'NFC',
          enabled: true,
          allowedAll: true,
          allowedIps: [],
          rules: [out(902)],
          vib: null,
        },
        {
          id: 'vSphereClient',
          label: 'vSphere Web Client',
          enabled: true,
          allowedAll: true,
          allowedIps: [],
          rules: [inb(902), inb(443)],
          vib: null,
        },
        {
          id: 'httpClient',
          label: 'httpClient',
          enabled: false,
          allowedAll: true,
          allowedIps: [],
          rules: [out(80), out(443)],
          vib: null,
        },
      ],
      vibs: [],
      esxupdateLog: [],
      connected: true,
    });
  });

  test('a host built from a bare setup: esx.conf, immediate refresh, persisted routes, the default stack', () => {
    expect(
      hostFromSetup({
        name: 'esx-01',
        version: '6.7',
        vmks: [{ name: 'vmk0', address: '10.0.0.5/24', netstack: 'vrStack' }],
        routes: [{ network: '10.1.0.0/16', gateway: '10.0.0.1' }],
      }),
    ).toStrictEqual({
      name: 'esx-01',
      version: '6.7',
      persistence: 'esx.conf',
      refresh: 'immediate',
      vmks: [
        {
          name: 'vmk0',
          order: 0,
          ip: parseIp('10.0.0.5'),
          len: 24,
          netstack: 'vrStack',
          tags: [],
          gateway: null,
          attach: null,
        },
      ],
      netstacks: [
        { name: DEFAULT_STACK, gateway: null },
        { name: 'vrStack', gateway: null },
      ],
      routes: [
        {
          netstack: DEFAULT_STACK,
          network: { addr: parseIp('10.1.0.0'), len: 16 },
          gateway: parseIp('10.0.0.1'),
          persisted: true,
        },
      ],
      connected: [
        { netstack: 'vrStack', network: { addr: parseIp('10.0.0.0'), len: 24 }, vmk: 'vmk0' },
      ],
      nextOrder: 1,
    });
  });

  test('connected subnets are listed in creation order, whatever order the vmks come in', () => {
    const vmk = (name: string, order: number, ip: string) => ({
      name,
      order,
      ip: parseIp(ip),
      len: 24,
      netstack: DEFAULT_STACK,
      tags: [],
      gateway: null,
      attach: null,
    });
    expect(
      buildConnected([
        vmk('vmk1', 2, '10.0.2.5'),
        vmk('vmk7', 0, '10.0.0.5'),
        vmk('vmk3', 1, '10.0.1.5'),
      ]).map((c) => c.vmk),
    ).toStrictEqual(['vmk7', 'vmk3', 'vmk1']);
  });

  test('the rpo-range-ignores-version defect allows 5 to 1440 minutes on 5.5 too (R12)', () => {
    expect(rpoRange('5.5', variantByName('rpo-range-ignores-version'))).toStrictEqual({
      min: 5,
      max: 1440,
    });
    expect(rpoRange('5.5')).toStrictEqual({ min: 15, max: 1440 });
  });
});

describe('lookup: a shared subnet is sent from by the vmk created first (research-notes B)', () => {
  // KB 2010877: the first vmk created in a subnet owns it, whatever its number; the number
  // breaks a tie only between entries of the same age (a stale table, seed 004).
  const h = (variant: Variant) =>
    lookup(
      hostFromSetup({
        name: 'esx-01',
        version: '6.7',
        vmks: [
          { name: 'vmk0', address: '172.16.0.11/24' },
          { name: 'vmk3', address: '10.11.12.6/24' },
          { name: 'vmk1', address: '10.11.12.5/24' },
        ],
      }),
      { netstack: DEFAULT_STACK, dst: parseIp('10.11.12.9'), bound: null },
      variant,
    );
  test('vmk3, created before vmk1, sends', () => {
    const r = h(CORRECT);
    expect(r.ok && r.egress).toBe('vmk3');
  });
  test('the tie-highest-vmk defect sends from the later one', () => {
    const r = h(variantByName('tie-highest-vmk') as Variant);
    expect(r.ok && r.egress).toBe('vmk1');
  });
});

describe('lookup: the whole decision, trace included', () => {
  const SETUP: HostSetup = {
    name: 'esx-01',
    version: '6.7',
    vmks: [
      { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
      { name: 'vmk2', address: '10.11.12.5/24', tags: ['vSphereReplication'] },
      { name: 'vmk3', address: '10.11.12.6/24' },
    ],
    netstacks: [{ name: DEFAULT_STACK, gateway: '172.16.0.1' }, { name: 'vrStack' }],
    routes: [
      { network: '10.12.0.0/16', gateway: '172.16.0.254' },
      { network: '10.12.12.0/24', gateway: '10.11.12.1' },
      { network: '10.13.0.0/16', gateway: '192.168.99.1' },
    ],
  };
  const host = (events: NetEvent[] = [], over: Partial<HostSetup> = {}): NetHost => {
    const h = build([{ ...SETUP, ...over }], events)['esx-01'];
    if (!h) throw new Error('esx-01 missing');
    return h;
  };
  const ip = parseIp;
  type Kind = 'connected' | 'static' | 'default' | 'vmk-gateway';
  const ok = (
    netstack: string,
    dst: string,
    route: [Kind, string, string],
    egress: string,
    nextHop: string | null,
    source: string,
    trace: string[],
    why: string[] = [],
  ): LookupResult => ({
    ok: true,
    host: 'esx-01',
    netstack,
    dst: ip(dst),
    route: {
      kind: route[0],
      network:
        route[1] === 'default'
          ? { addr: 0, len: 0 }
          : { addr: ip(route[1].split('/')[0] ?? ''), len: Number(route[1].split('/')[1]) },
      netstack: route[2],
    },
    egress,
    nextHop: nextHop === null ? null : ip(nextHop),
    source: ip(source),
    trace,
    why,
  });
  const fail = (
    netstack: string,
    dst: string,
    reason: string,
    trace: string[],
    why: string[] = [],
  ): LookupResult => ({
    ok: false,
    host: 'esx-01',
    netstack,
    dst: ip(dst),
    reason,
    trace,
    why,
  });
  const UNUSABLE = '10.13.0.0/16 via 192.168.99.1 unusable: gateway on no connected subnet';
  const FALLBACK = variant('netstack-gateway-fallback');
  const overrideOn: NetEvent = {
    type: 'GatewaySet',
    host: 'esx-01',
    vmk: 'vmk2',
    gateway: '10.11.12.254',
  };

  test.each<[string, () => NetHost, string, string, string | null, Variant, LookupResult]>([
    [
      'a connected subnet shared by two vmks: the first created sends',
      () => host(),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk2',
        null,
        '10.11.12.5',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk2 owns it in defaultTcpipStack',
          'leave vmk2 (10.11.12.5) directly',
        ],
        ['vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)'],
      ),
    ],
    [
      'tie-highest-vmk: the highest-numbered sends',
      () => host(),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      variant('tie-highest-vmk'),
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk3',
        null,
        '10.11.12.6',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk3 owns it in defaultTcpipStack',
          'leave vmk3 (10.11.12.6) directly',
        ],
        ['vmk3 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)'],
      ),
    ],
    [
      'the longest of two static routes',
      () => host(),
      DEFAULT_STACK,
      '10.12.12.20',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.12.12.20',
        ['static', '10.12.12.0/24', DEFAULT_STACK],
        'vmk2',
        '10.11.12.1',
        '10.11.12.5',
        [
          'longest match /24 of 3 usable route(s)',
          "static route 10.12.12.0/24 via 10.11.12.1 in defaultTcpipStack; vmk2 owns the gateway's subnet",
          'leave vmk2 (10.11.12.5) via 10.11.12.1',
        ],
        [
          'the route to 10.12.12.0/24 via 10.11.12.1 in defaultTcpipStack is the longest match for 10.12.12.20',
          'vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)',
        ],
      ),
    ],
    [
      'first-match-route: the first in the table',
      () => host(),
      DEFAULT_STACK,
      '10.12.12.20',
      null,
      variant('first-match-route'),
      ok(
        DEFAULT_STACK,
        '10.12.12.20',
        ['static', '10.12.0.0/16', DEFAULT_STACK],
        'vmk0',
        '172.16.0.254',
        '172.16.0.11',
        [
          "static route 10.12.0.0/16 via 172.16.0.254 in defaultTcpipStack; vmk0 owns the gateway's subnet",
          'leave vmk0 (172.16.0.11) via 172.16.0.254',
        ],
        [
          'the route to 10.12.0.0/16 via 172.16.0.254 in defaultTcpipStack is the longest match for 10.12.12.20',
        ],
      ),
    ],
    [
      'a route via an unreachable gateway is skipped for the default',
      () => host(),
      DEFAULT_STACK,
      '10.13.5.5',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.13.5.5',
        ['default', 'default', DEFAULT_STACK],
        'vmk0',
        '172.16.0.1',
        '172.16.0.11',
        [
          UNUSABLE,
          'longest match /0 of 1 usable route(s)',
          "default route default via 172.16.0.1 in defaultTcpipStack; vmk0 owns the gateway's subnet",
          'leave vmk0 (172.16.0.11) via 172.16.0.1',
        ],
        [
          "the route to 10.13.0.0/16 via 192.168.99.1 is ignored: 192.168.99.1 is on no vmk's subnet in defaultTcpipStack",
          'no route in defaultTcpipStack matches 10.13.5.5 more closely than the default route via 172.16.0.1',
        ],
      ),
    ],
    [
      'a stack without vmks, routes or gateway',
      () => host(),
      'vrStack',
      '10.12.12.20',
      null,
      CORRECT,
      fail(
        'vrStack',
        '10.12.12.20',
        'no route to 10.12.12.20 in vrStack',
        [],
        ['no route in vrStack matches 10.12.12.20'],
      ),
    ],
    [
      "netstack-gateway-fallback: the default stack's gateway",
      () => host(),
      'vrStack',
      '10.12.12.20',
      null,
      variant('netstack-gateway-fallback'),
      ok(
        'vrStack',
        '10.12.12.20',
        ['default', 'default', DEFAULT_STACK],
        'vmk0',
        '172.16.0.1',
        '172.16.0.11',
        [
          'longest match /0 of 1 usable route(s)',
          "default route default via 172.16.0.1 in defaultTcpipStack; vmk0 owns the gateway's subnet",
          'leave vmk0 (172.16.0.11) via 172.16.0.1',
        ],
        [
          'no route in defaultTcpipStack matches 10.12.12.20 more closely than the default route via 172.16.0.1',
        ],
      ),
    ],
    [
      'a per-vmk gateway serves the service bound to the vmk',
      () => host([overrideOn]),
      DEFAULT_STACK,
      '10.13.5.5',
      'vmk2',
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.13.5.5',
        ['vmk-gateway', 'default', DEFAULT_STACK],
        'vmk2',
        '10.11.12.254',
        '10.11.12.5',
        [
          'vmk2 is bound to this service and has its own gateway 10.11.12.254',
          'leave vmk2 (10.11.12.5) via 10.11.12.254',
        ],
        ['vmk2 is bound to this service and has its own gateway 10.11.12.254 (6.5+)'],
      ),
    ],
    [
      'a per-vmk gateway is not used for its own subnet',
      () => host([overrideOn]),
      DEFAULT_STACK,
      '10.11.12.20',
      'vmk2',
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk2',
        null,
        '10.11.12.5',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk2 owns it in defaultTcpipStack',
          'leave vmk2 (10.11.12.5) directly',
        ],
        ['vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)'],
      ),
    ],
    [
      'gateway-override-for-all: a per-vmk gateway serves unbound services too',
      () => host([overrideOn]),
      DEFAULT_STACK,
      '10.13.5.5',
      null,
      variant('gateway-override-for-all'),
      ok(
        DEFAULT_STACK,
        '10.13.5.5',
        ['vmk-gateway', 'default', DEFAULT_STACK],
        'vmk2',
        '10.11.12.254',
        '10.11.12.5',
        [
          'vmk2 is bound to this service and has its own gateway 10.11.12.254',
          'leave vmk2 (10.11.12.5) via 10.11.12.254',
        ],
        ['vmk2 is bound to this service and has its own gateway 10.11.12.254 (6.5+)'],
      ),
    ],
    [
      'a stale table naming a removed vmk (seed 004, restart pending)',
      () => host([{ type: 'VmkRemove', host: 'esx-01', vmk: 'vmk2' }], { refresh: 'restart' }),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      CORRECT,
      fail(
        DEFAULT_STACK,
        '10.11.12.20',
        'the table still names vmk2, which no longer exists (restart pending)',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk2 owns it in defaultTcpipStack',
        ],
        [
          'vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)',
          'the routing table still names vmk2, which no longer exists: it follows vmk changes only after a restart (seed 004)',
        ],
      ),
    ],
    [
      'a connected subnet beats a static route to the same network',
      () => host([], { routes: [{ network: '10.11.12.0/24', gateway: '172.16.0.254' }] }),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk2',
        null,
        '10.11.12.5',
        [
          'longest match /24 of 4 usable route(s)',
          '10.11.12.0/24 is connected; vmk2 owns it in defaultTcpipStack',
          'leave vmk2 (10.11.12.5) directly',
        ],
        ['vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)'],
      ),
    ],
    [
      'of nested connected subnets the longer one owns the address',
      () =>
        host([], {
          vmks: [
            { name: 'vmk0', address: '172.16.0.11/24' },
            { name: 'vmk1', address: '10.11.0.4/16' },
            { name: 'vmk2', address: '10.11.12.5/24' },
          ],
          routes: [],
        }),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk2',
        null,
        '10.11.12.5',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk2 owns it in defaultTcpipStack',
          'leave vmk2 (10.11.12.5) directly',
        ],
      ),
    ],
    [
      'a per-vmk gateway does not serve an unbound service',
      () => host([overrideOn]),
      DEFAULT_STACK,
      '10.13.5.5',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.13.5.5',
        ['default', 'default', DEFAULT_STACK],
        'vmk0',
        '172.16.0.1',
        '172.16.0.11',
        [
          UNUSABLE,
          'longest match /0 of 1 usable route(s)',
          "default route default via 172.16.0.1 in defaultTcpipStack; vmk0 owns the gateway's subnet",
          'leave vmk0 (172.16.0.11) via 172.16.0.1',
        ],
        [
          "the route to 10.13.0.0/16 via 192.168.99.1 is ignored: 192.168.99.1 is on no vmk's subnet in defaultTcpipStack",
          'no route in defaultTcpipStack matches 10.13.5.5 more closely than the default route via 172.16.0.1',
        ],
      ),
    ],
    [
      "a per-vmk gateway does not serve another stack's lookups",
      () => host([overrideOn]),
      'vrStack',
      '10.13.5.5',
      'vmk2',
      CORRECT,
      fail(
        'vrStack',
        '10.13.5.5',
        'no route to 10.13.5.5 in vrStack',
        [],
        ['no route in vrStack matches 10.13.5.5'],
      ),
    ],
    [
      'netstack-gateway-fallback: nothing to fall back to without a default gateway',
      () => host([], { netstacks: [{ name: 'vrStack' }] }),
      'vrStack',
      '10.12.12.20',
      null,
      variant('netstack-gateway-fallback'),
      fail(
        'vrStack',
        '10.12.12.20',
        'no route to 10.12.12.20 in vrStack',
        [],
        ['no route in vrStack matches 10.12.12.20'],
      ),
    ],
    [
      'a shared subnet goes to the first created vmk, not the lowest-numbered',
      () =>
        host([], {
          vmks: [
            { name: 'vmk0', address: '172.16.0.11/24' },
            { name: 'vmk5', address: '10.11.12.5/24' },
            { name: 'vmk1', address: '10.11.12.6/24' },
          ],
          routes: [],
        }),
      DEFAULT_STACK,
      '10.11.12.20',
      null,
      CORRECT,
      ok(
        DEFAULT_STACK,
        '10.11.12.20',
        ['connected', '10.11.12.0/24', DEFAULT_STACK],
        'vmk5',
        null,
        '10.11.12.5',
        [
          'longest match /24 of 3 usable route(s)',
          '10.11.12.0/24 is connected; vmk5 owns it in defaultTcpipStack',
          'leave vmk5 (10.11.12.5) directly',
        ],
        ['vmk5 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)'],
      ),
    ],
    [
      'a stack the host does not have',
      () => host(),
      'noStack',
      '10.12.12.20',
      null,
      CORRECT,
      fail(
        'noStack',
        '10.12.12.20',
        'no route to 10.12.12.20 in noStack',
        [],
        ['no route in noStack matches 10.12.12.20'],
      ),
    ],
    [
      'netstack-gateway-fallback finds the default stack by name, wherever it is listed',
      () => {
        const h = host();
        return { ...h, netstacks: [...h.netstacks].reverse() };
      },
      'vrStack',
      '10.12.12.20',
      null,
      FALLBACK,
      ok(
        'vrStack',
        '10.12.12.20',
        ['default', 'default', DEFAULT_STACK],
        'vmk0',
        '172.16.0.1',
        '172.16.0.11',
        [
          'longest match /0 of 1 usable route(s)',
          "default route default via 172.16.0.1 in defaultTcpipStack; vmk0 owns the gateway's subnet",
          'leave vmk0 (172.16.0.11) via 172.16.0.1',
        ],
        [
          'no route in defaultTcpipStack matches 10.12.12.20 more closely than the default route via 172.16.0.1',
        ],
      ),
    ],
    [
      'netstack-gateway-fallback on a host without a default stack',
      () => {
        const h = host();
        return { ...h, netstacks: h.netstacks.filter((n) => n.name !== DEFAULT_STACK) };
      },
      'vrStack',
      '10.12.12.20',
      null,
      FALLBACK,
      fail(
        'vrStack',
        '10.12.12.20',
        'no route to 10.12.12.20 in vrStack',
        [],
        ['no route in vrStack matches 10.12.12.20'],
      ),
    ],
    [
      "netstack-gateway-fallback: the gateway must be on the default stack's own subnets",
      () =>
        host([], {
          vmks: [
            { name: 'vmk0', address: '172.16.0.11/24' },
            { name: 'vmk2', address: '10.11.12.5/24', netstack: 'vrStack' },
          ],
          netstacks: [{ name: DEFAULT_STACK, gateway: '10.11.12.1' }],
          routes: [],
        }),
      'vrStack',
      '10.12.12.20',
      null,
      FALLBACK,
      fail(
        'vrStack',
        '10.12.12.20',
        'no route to 10.12.12.20 in vrStack',
        ['default via 10.11.12.1 unusable: gateway on no connected subnet'],
        [
          "the default route via 10.11.12.1 is ignored: 10.11.12.1 is on no vmk's subnet in defaultTcpipStack",
          'no route in vrStack matches 10.12.12.20',
        ],
      ),
    ],
    [
      "netstack-gateway-fallback: the gateway's owner is taken from the default stack's table",
      () =>
        host([], {
          vmks: [
            { name: 'vmk0', address: '172.16.0.11/24' },
            { name: 'vmk1', address: '10.11.12.6/24', netstack: 'vrStack' },
            { name: 'vmk2', address: '10.11.12.5/24' },
          ],
          netstacks: [{ name: DEFAULT_STACK, gateway: '10.11.12.1' }],
          routes: [],
        }),
      'vrStack',
      '10.12.12.20',
      null,
      FALLBACK,
      ok(
        'vrStack',
        '10.12.12.20',
        ['default', 'default', DEFAULT_STACK],
        'vmk2',
        '10.11.12.1',
        '10.11.12.5',
        [
          'longest match /0 of 1 usable route(s)',
          "default route default via 10.11.12.1 in defaultTcpipStack; vmk2 owns the gateway's subnet",
          'leave vmk2 (10.11.12.5) via 10.11.12.1',
        ],
        [
          'no route in defaultTcpipStack matches 10.12.12.20 more closely than the default route via 10.11.12.1',
          'vmk2 was created first on 10.11.12.0/24, so it sends for the whole subnet (KB 2010877)',
        ],
      ),
    ],
  ])('%s', (_name, h, netstack, dst, bound, v, expected) => {
    expect(lookup(h(), { netstack, dst: ip(dst), bound }, v)).toStrictEqual(expected);
  });
});

// ---- network: addresses and names ----

describe('netmasks and esxcli names', () => {
  test.each<[string, number]>([
    ['0.0.0.0', 0],
    ['128.0.0.0', 1],
    ['255.255.255.0', 24],
    ['255.255.255.254', 31],
    ['255.255.255.255', 32],
  ])('maskLength("%s") is %i', (mask, len) => {
    expect(maskLength(mask)).toBe(len);
  });

  test.each(['255.0.255.0', '255.255.255.1', '0.255.255.255'])(
    'maskLength("%s") rejects a non-contiguous mask',
    (mask) => {
      expect(() => maskLength(mask)).toThrow(`expected a contiguous netmask, got "${mask}"`);
    },
  );

  test('the esxcli tag spellings and the default stack name', () => {
    expect(TAGS).toStrictEqual([
      'Management',
      'VMotion',
      'vSphereReplication',
      'vSphereReplicationNFC',
      'faultToleranceLogging',
      'vSphereProvisioning',
      'VSAN',
    ]);
    expect(DEFAULT_STACK).toBe('defaultTcpipStack');
  });
});
