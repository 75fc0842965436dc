// The model's rejection paths and rarely reached behaviours, table by table: every event that
// names an unknown VM, host, disk, vmk, netstack or route gets its one-line error and changes
// nothing; per-vmk gateways (6.5+), parsePrefix's edge cases, the advisor's remove-then-add,
// reboot and N5 fixes, a disabled firewall, 'Full Sync' after a crash, reprotect's refusals.
// Hand-made states built with the models' own init functions; no generators, no I/O.
import { describe, expect, test } from 'vitest';
import { imagesEqual, writtenBlocks } from '../model/disk.ts';
import {
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
} from '../model/firewall/firewall.ts';
import { mobilityFindings, passesToCloud } from '../model/firewall/mobility.ts';
import { advise, applyFix, describeFlow } from '../model/network/advisor.ts';
import { hostFromSetup, netStep } from '../model/network/host.ts';
import { flowsOf, subnetOf, type Topology } from '../model/network/intent.ts';
import { formatIp, formatPrefix, parseIp, parsePrefix } from '../model/network/ipv4.ts';
import { type LookupResult, lookup } from '../model/network/lookup.ts';
import {
  DEFAULT_STACK,
  type HostSetup,
  type NetEvent,
  type NetHost,
} from '../model/network/types.ts';
import { statusOf } from '../model/replication/status.ts';
import { init, run, step } from '../model/replication/step.ts';
import type { PsfOutcome, ReplicationEvent, ReplicationSetup } from '../model/replication/types.ts';
import { CORRECT, type EsxiVersion, type Variant } from '../model/variants.ts';
import {
  initWorld,
  pathOf,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStep,
} from '../model/world/world.ts';
import { variantNamed } from './harness.ts';
import { NET_SCENARIOS } from './network/scenarios.ts';
import { seed000World } from './world/properties.ts';

/** `Name: message` of what fn throws, or 'no error'. */
function thrown(fn: () => unknown): string {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
}

function scenario(name: string) {
  const s = NET_SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`${name} fixture missing`);
  return s;
}

const variant = variantNamed;

// ---- disk images ----

describe('sparse disk images', () => {
  test('writtenBlocks lists written indices in numeric order, not string order', () => {
    expect(writtenBlocks({ 10: 3, 2: 1, 9: 4 })).toEqual([2, 9, 10]);
    expect(writtenBlocks({})).toEqual([]);
  });

  test('writtenBlocks sorts indices past 2^32 - 2, which JS enumerates in insertion order', () => {
    // A 62 TB disk has about 2^37 blocks of 512 bytes; such keys are not array indices.
    expect(writtenBlocks({ 4294967296: 1, 4294967295: 2, 5: 3 })).toEqual([
      5, 4294967295, 4294967296,
    ]);
  });

  test('imagesEqual sees a block written only in the second image', () => {
    expect(imagesEqual({ 1: 5 }, { 1: 5, 2: 7 })).toBe(false);
    expect(imagesEqual({}, { 3: 9 })).toBe(false);
    expect(imagesEqual({ 1: 5 }, { 1: 5, 2: 0 })).toBe(true);
  });
});

// ---- replication ----

const TWO_VMS: ReplicationSetup = {
  version: '6.7',
  hosts: ['esx-01', 'esx-02'],
  vrs: 'vrs-dr',
  chunkBlocks: 2,
  vms: [
    {
      name: 'vm-1',
      host: 'esx-01',
      poweredOn: true,
      disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 8 }],
    },
    {
      name: 'vm-2',
      host: 'esx-02',
      poweredOn: true,
      disks: [{ id: 'disk-0', uuid: 'u-2', sizeBlocks: 4 }],
    },
  ],
};

describe('replication: a bad event is rejected with one line and changes nothing', () => {
  const s0 = init(TWO_VMS, CORRECT);
  test.each<[string, ReplicationEvent, string]>([
    [
      'GuestWrite to an unknown VM',
      { type: 'GuestWrite', vm: 'vm-9', disk: 'disk-0', block: 0 },
      'no VM named vm-9; known VMs: vm-1, vm-2',
    ],
    [
      'Pause of an unknown VM',
      { type: 'Pause', vm: 'vm-9' },
      'no VM named vm-9; known VMs: vm-1, vm-2',
    ],
    [
      'vMotion to an unknown host',
      { type: 'VMotion', vm: 'vm-1', host: 'esx-09' },
      'no host named esx-09; known hosts: esx-01, esx-02',
    ],
    [
      'a crash of an unknown host',
      { type: 'HostCrash', host: 'esx-09', psf: 'intact' },
      'no host named esx-09; known hosts: esx-01, esx-02',
    ],
    [
      'a write to an unknown disk',
      { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-9', block: 0 },
      'vm-1 has no disk disk-9',
    ],
    [
      'a write one past the last block',
      { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 8 },
      'vm-1/disk-0: block 8 is outside 0..7',
    ],
    [
      'a write past the last block of a smaller disk',
      { type: 'GuestWrite', vm: 'vm-2', disk: 'disk-0', block: 4 },
      'vm-2/disk-0: block 4 is outside 0..3',
    ],
    [
      'a write to a negative block',
      { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: -1 },
      'vm-1/disk-0: block -1 is outside 0..7',
    ],
    [
      'a write to a fractional block',
      { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 2.5 },
      'vm-1/disk-0: block 2.5 is outside 0..7',
    ],
  ])('%s', (_name, event, error) => {
    const r = step(s0, event);
    expect(r.error).toBe(error);
    expect(r.refused).toBeUndefined();
    expect(r.emitted).toEqual([]);
    expect(r.state).toEqual({ ...s0, tick: s0.tick + 1 });
  });

  test('the first and last blocks are inside the disk', () => {
    let s = step(s0, { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 0 }).state;
    const r = step(s, { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 7 });
    s = r.state;
    expect(r.error).toBeUndefined();
    expect(s.vms['vm-1']?.disks['disk-0']?.blocks).toEqual({ 0: 1, 7: 2 });
  });
});

describe("replication status: 'Initial Full Sync' vs 'Full Sync' (research-notes A5)", () => {
  const ONE_VM: ReplicationSetup = { ...TWO_VMS, hosts: ['esx-01'], vms: TWO_VMS.vms.slice(0, 1) };
  const configure: ReplicationEvent = {
    type: 'ConfigureReplication',
    vm: 'vm-1',
    rpoMinutes: 15,
    perDay: 24,
    days: 1,
    seed: false,
  };
  const write = (block: number): ReplicationEvent => ({
    type: 'GuestWrite',
    vm: 'vm-1',
    disk: 'disk-0',
    block,
  });

  test('the first full sync is the initial one', () => {
    const s = run(ONE_VM, CORRECT, [configure, write(0), { type: 'CycleStart', vm: 'vm-1' }]);
    expect(statusOf(s, 'vm-1')).toBe('Initial Full Sync');
  });

  test.each<[PsfOutcome, string, string | null]>([
    ['intact', 'Sync', null],
    ['stale', 'Full Sync', 'psf of disk-0 is stale (generation 1, disk header 2)'],
    ['lost', 'Full Sync', 'psf of disk-0 is lost'],
  ])('after a committed instance, a crash with the psf %s restarts with %s', (psf, status, why) => {
    const seen: (string | null)[] = [];
    let s = init(ONE_VM, CORRECT);
    let reason: string | null = null;
    const events: ReplicationEvent[] = [
      configure,
      write(0),
      { type: 'CycleStart', vm: 'vm-1' },
      { type: 'ChunkDelivered', vm: 'vm-1' },
      { type: 'BundleCommit', vm: 'vm-1' },
      write(1),
      { type: 'HostCrash', host: 'esx-01', psf },
      { type: 'PowerOn', vm: 'vm-1' },
      { type: 'CycleStart', vm: 'vm-1' },
    ];
    for (const e of events) {
      const r = step(s, e);
      expect(r.error ?? r.refused).toBeUndefined();
      for (const x of r.emitted) if (x.kind === 'FullSyncRequired') reason = x.reason;
      s = r.state;
      seen.push(statusOf(s, 'vm-1'));
    }
    expect(seen).toEqual([
      'OK',
      'OK',
      'Initial Full Sync',
      'Initial Full Sync',
      'OK',
      'OK',
      'Not Active',
      'OK',
      status,
    ]);
    expect(reason).toBe(why);
  });
});

// ---- network: hosts ----

const ESX01: HostSetup = {
  name: 'esx-01',
  version: '6.7',
  vmks: [
    { name: 'vmk0', address: '172.16.0.11/24', tags: ['Management'] },
    { name: 'vmk2', address: '10.11.12.5/24', tags: ['vSphereReplication'] },
  ],
  netstacks: [{ name: DEFAULT_STACK, gateway: '172.16.0.1' }],
};

const hostsAt = (version: EsxiVersion): Record<string, NetHost> => ({
  'esx-01': hostFromSetup({ ...ESX01, version }),
});

const gatewaySet = (gateway: string | null, vmk = 'vmk2'): NetEvent => ({
  type: 'GatewaySet',
  host: 'esx-01',
  vmk,
  gateway,
});

describe('network: a bad configuration change is rejected with one line and changes nothing', () => {
  const routeAdd = (over: Partial<Extract<NetEvent, { type: 'RouteAdd' }>>): NetEvent => ({
    type: 'RouteAdd',
    host: 'esx-01',
    netstack: DEFAULT_STACK,
    network: '10.12.12.0/24',
    gateway: '10.11.12.1',
    persist: true,
    ...over,
  });
  const vmkAdd = (over: Partial<Extract<NetEvent, { type: 'VmkAdd' }>>): NetEvent => ({
    type: 'VmkAdd',
    host: 'esx-01',
    vmk: 'vmk3',
    address: '10.20.0.5/24',
    netstack: DEFAULT_STACK,
    tags: [],
    ...over,
  });
  test.each<[string, EsxiVersion, NetEvent, string]>([
    ['an unknown host', '6.7', { type: 'Reboot', host: 'esx-09' }, 'no host named esx-09'],
    [
      'a per-vmk gateway on ESXi 5.5',
      '5.5',
      gatewaySet('10.11.12.1'),
      'esx-01: per-vmk gateways need ESXi 6.5 or later; this host runs 5.5',
    ],
    [
      'a per-vmk gateway on ESXi 6.0',
      '6.0',
      gatewaySet('10.11.12.1'),
      'esx-01: per-vmk gateways need ESXi 6.5 or later; this host runs 6.0',
    ],
    [
      'clearing a per-vmk gateway on ESXi 6.0',
      '6.0',
      gatewaySet(null),
      'esx-01: per-vmk gateways need ESXi 6.5 or later; this host runs 6.0',
    ],
    [
      'a gateway for an unknown vmk',
      '6.7',
      gatewaySet('10.11.12.1', 'vmk9'),
      'esx-01: no vmk named vmk9',
    ],
    [
      'a gateway off the subnet',
      '6.7',
      gatewaySet('10.99.0.1'),
      "esx-01: gateway 10.99.0.1 is not on vmk2's subnet",
    ],
    [
      "a gateway on another vmk's subnet",
      '6.7',
      gatewaySet('172.16.0.1'),
      "esx-01: gateway 172.16.0.1 is not on vmk2's subnet",
    ],
    [
      'a gateway that is no address',
      '6.7',
      gatewaySet('gw'),
      'esx-01: expected a dotted IPv4 address, got "gw"',
    ],
    [
      'a route in an unknown netstack',
      '6.7',
      routeAdd({ netstack: 'vrStack' }),
      'esx-01: no netstack vrStack',
    ],
    [
      'a route with a /33 prefix',
      '6.7',
      routeAdd({ network: '10.12.12.0/33' }),
      'esx-01: expected a prefix length from 0 to 32 in "10.12.12.0/33"',
    ],
    [
      'a route via a three-part gateway',
      '6.7',
      routeAdd({ gateway: '10.11.12' }),
      'esx-01: expected a dotted IPv4 address, got "10.11.12"',
    ],
    [
      'persisting a route that does not exist',
      '6.7',
      { type: 'RoutePersist', host: 'esx-01', netstack: DEFAULT_STACK, network: '10.12.12.0/24' },
      'esx-01: no route to 10.12.12.0/24 in defaultTcpipStack',
    ],
    [
      'removing a route that does not exist',
      '6.7',
      { type: 'RouteRemove', host: 'esx-01', netstack: DEFAULT_STACK, network: '10.12.12.0/24' },
      'esx-01: no route to 10.12.12.0/24 in defaultTcpipStack',
    ],
    [
      'a vmk in an unknown netstack',
      '6.7',
      vmkAdd({ netstack: 'vrStack' }),
      'esx-01: no netstack vrStack',
    ],
    [
      'a vmk address without a prefix length',
      '6.7',
      vmkAdd({ address: '10.20.0.5' }),
      'esx-01: expected an address with a prefix length such as 10.0.0.5/24, got "10.20.0.5"',
    ],
    [
      'a vmk address with a /0 prefix',
      '6.7',
      vmkAdd({ address: '10.20.0.5/0' }),
      'esx-01: expected an address with a prefix length such as 10.0.0.5/24, got "10.20.0.5/0"',
    ],
    [
      'a vmk address with a /33 prefix',
      '6.7',
      vmkAdd({ address: '10.20.0.5/33' }),
      'esx-01: expected an address with a prefix length such as 10.0.0.5/24, got "10.20.0.5/33"',
    ],
    [
      'a vmk address with a fractional prefix',
      '6.7',
      vmkAdd({ address: '10.20.0.5/24.5' }),
      'esx-01: expected an address with a prefix length such as 10.0.0.5/24, got "10.20.0.5/24.5"',
    ],
    [
      'a vmk address with three parts',
      '6.7',
      vmkAdd({ address: '10.20.0/24' }),
      'esx-01: expected a dotted IPv4 address, got "10.20.0"',
    ],
  ])('%s', (_name, version, event, error) => {
    const hosts = hostsAt(version);
    const r = netStep(hosts, event, CORRECT);
    expect(r.error).toBe(error);
    expect(r.hosts).toBe(hosts);
  });

  test('a host setup with an address lacking its prefix length throws a ConfigError', () => {
    const bad: HostSetup = { ...ESX01, vmks: [{ name: 'vmk0', address: '172.16.0.11' }] };
    expect(thrown(() => hostFromSetup(bad))).toBe(
      'ConfigError: expected an address with a prefix length such as 10.0.0.5/24, got "172.16.0.11"',
    );
  });

  test('a /1 and a /32 vmk address are accepted', () => {
    for (const [address, len] of [
      ['10.20.0.5/1', 1],
      ['10.20.0.5/32', 32],
    ] as const) {
      const r = netStep(hostsAt('6.7'), vmkAdd({ address }), CORRECT);
      const v = r.hosts['esx-01']?.vmks.find((x) => x.name === 'vmk3');
      expect([r.error, v && formatIp(v.ip), v?.len]).toEqual([undefined, '10.20.0.5', len]);
    }
  });
});

describe('network: per-vmk gateways, 6.5 and later (research-notes B)', () => {
  const dst = parseIp('10.12.12.20');
  const decision = (h: NetHost | undefined, bound: string | null) => {
    if (!h) return 'no host';
    const d: LookupResult = lookup(h, { netstack: DEFAULT_STACK, dst, bound }, CORRECT);
    return d.ok
      ? `${d.route.kind} ${d.egress} ${d.nextHop === null ? 'directly' : formatIp(d.nextHop)}`
      : d.reason;
  };

  test.each<EsxiVersion>(['6.5', '6.5U1', '6.7', '7.0'])(
    'on %s the gateway serves only the vmk it is set on',
    (version) => {
      const r = netStep(hostsAt(version), gatewaySet('10.11.12.1'), CORRECT);
      expect(r.error).toBeUndefined();
      const h = r.hosts['esx-01'];
      expect(h?.vmks.map((v) => [v.name, v.gateway === null ? null : formatIp(v.gateway)])).toEqual(
        [
          ['vmk0', null],
          ['vmk2', '10.11.12.1'],
        ],
      );
      expect(decision(h, 'vmk2')).toBe('vmk-gateway vmk2 10.11.12.1');
      expect(decision(h, null)).toBe('default vmk0 172.16.0.1');
    },
  );

  test('a null gateway clears the override', () => {
    let hosts: Readonly<Record<string, NetHost>> = hostsAt('6.7');
    hosts = netStep(hosts, gatewaySet('10.11.12.1'), CORRECT).hosts;
    const r = netStep(hosts, gatewaySet(null), CORRECT);
    expect(r.error).toBeUndefined();
    expect(r.hosts['esx-01']?.vmks.map((v) => v.gateway)).toEqual([null, null]);
    expect(decision(r.hosts['esx-01'], 'vmk2')).toBe('default vmk0 172.16.0.1');
  });
});

describe('network: addresses and subnets', () => {
  test.each<[string, string]>([
    ['default', 'default 0.0.0.0/0'],
    ['0.0.0.0/0', 'default 0.0.0.0/0'],
    ['10.12.12.20', '10.12.12.20/32 10.12.12.20/32'],
    ['10.12.12.20/24', '10.12.12.0/24 10.12.12.0/24'],
    ['10.12.12.20/32', '10.12.12.20/32 10.12.12.20/32'],
  ])('parsePrefix("%s") is %s', (text, shown) => {
    const p = parsePrefix(text);
    expect(`${formatPrefix(p)} ${formatIp(p.addr)}/${p.len}`).toBe(shown);
  });

  test('"default" is the zero prefix itself', () => {
    expect(parsePrefix('default')).toEqual({ addr: 0, len: 0 });
  });

  test.each(['10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/', '10.0.0.0/x', '10.0.0.0/8.5'])(
    'parsePrefix("%s") rejects the length',
    (text) => {
      expect(thrown(() => parsePrefix(text))).toBe(
        `AddressError: expected a prefix length from 0 to 32 in "${text}"`,
      );
    },
  );

  test('parsePrefix of a bad address names the address', () => {
    expect(thrown(() => parsePrefix('10.0.0/24'))).toBe(
      'AddressError: expected a dotted IPv4 address, got "10.0.0"',
    );
  });

  const nested = (order: 'wide-first' | 'narrow-first'): Topology => {
    const wide = { site: 'a', network: '10.0.0.0/16', gateway: '10.0.0.1', purpose: 'management' };
    const narrow = {
      site: 'a',
      network: '10.0.5.0/24',
      gateway: '10.0.5.1',
      purpose: 'replication',
    };
    return {
      subnets: (order === 'wide-first' ? [wide, narrow] : [narrow, wide]) as Topology['subnets'],
      hosts: [],
      appliances: [],
      replication: [],
    };
  };
  const shown = (t: Topology, ip: string) => {
    const n = subnetOf(t, parseIp(ip));
    return n
      ? `${formatPrefix(n.network)} gw ${n.gateway === null ? '-' : formatIp(n.gateway)}`
      : '-';
  };

  test.each(['wide-first', 'narrow-first'] as const)(
    'subnetOf picks the longest of nested subnets (%s)',
    (order) => {
      const t = nested(order);
      expect(shown(t, '10.0.5.7')).toBe('10.0.5.0/24 gw 10.0.5.1');
      expect(shown(t, '10.0.6.7')).toBe('10.0.0.0/16 gw 10.0.0.1');
      expect(shown(t, '10.1.0.1')).toBe('-');
    },
  );
});

// ---- network: the advisor ----

/** esx-01 of seed 000 alone, with its default gateway and routes replaced. */
const seed000Host = (over: Partial<HostSetup>): Record<string, NetHost> => {
  const base = scenario('seed-000-before').hosts.find((h) => h.name === 'esx-01');
  if (!base) throw new Error('esx-01 missing from seed-000-before');
  return { 'esx-01': hostFromSetup({ ...base, ...over }) };
};
const SEED000 = scenario('seed-000-before').topology;
const summary = (hosts: Readonly<Record<string, NetHost>>, t: Topology, v: Variant) =>
  advise(hosts, t, v).map((f) => ({
    invariants: f.invariants,
    host: f.host,
    message: f.message,
    commands: f.fix.commands,
    steps: f.fix.steps,
  }));
const REPL = 'replication from esx-01 (vmk2 10.11.12.5) to VRS 10.12.12.20';

describe('network: advisor fixes', () => {
  test('a route to the right network via the wrong gateway: a /32 host route wins over it, and mends the flow', () => {
    const hosts = seed000Host({
      routes: [{ network: '10.12.12.0/24', gateway: '172.16.0.254' }],
    });
    const found = advise(hosts, SEED000, CORRECT);
    expect(found.map((f) => [f.invariants, f.message])).toEqual([
      [
        ['N2'],
        `${REPL} leaves vmk0 via 172.16.0.254, not vmk2 via the replication gateway 10.11.12.1: the route to 10.12.12.0/24 via 172.16.0.254 in defaultTcpipStack is the longest match for 10.12.12.20 [N2]`,
      ],
    ]);
    const fix = found[0]?.fix;
    expect(fix?.commands).toEqual([
      'esxcli network ip route ipv4 add --gateway 10.11.12.1 --network 10.12.12.20/32',
    ]);
    expect(fix?.events).toEqual([
      {
        type: 'RouteAdd',
        host: 'esx-01',
        netstack: DEFAULT_STACK,
        network: '10.12.12.20/32',
        gateway: '10.11.12.1',
        persist: true,
      },
    ]);
    const fixed = applyFix(hosts, fix ?? { events: [] }, CORRECT);
    expect(fixed.error).toBeUndefined();
    expect(advise(fixed.hosts, SEED000, CORRECT)).toEqual([]);
  });

  test('an unpersisted route that is the only way out: N3, no route after a reboot (seed 000)', () => {
    const hosts = seed000Host({
      persistence: 'local.sh',
      netstacks: [],
      routes: [{ network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: false }],
    });
    expect(summary(hosts, SEED000, CORRECT)).toEqual([
      {
        invariants: ['N3'],
        host: 'esx-01',
        message: `${REPL} leaves vmk2 via the replication gateway 10.11.12.1 now, but has no route after a reboot: the route to 10.12.12.0/24 via 10.11.12.1 is not in /etc/rc.local.d/local.sh, so a reboot drops it (seed 000); after a reboot no route in defaultTcpipStack matches 10.12.12.20 [N3]`,
        commands: [],
        steps: [
          {
            kind: 'local.sh',
            line: 'esxcli network ip route ipv4 add --gateway 10.11.12.1 --network 10.12.12.0/24',
          },
        ],
      },
    ]);
  });

  test.each<['immediate' | 'restart']>([['immediate'], ['restart']])(
    "seed 004 (refresh %s): FVP on the later vmk of a shared subnet has no esxcli fix; the note gives seed 004's advice",
    (refresh) => {
      const s = scenario('seed-004-pinned-higher');
      const hosts = Object.fromEntries(
        s.hosts.map((h) => [h.name, hostFromSetup({ ...h, refresh })]),
      );
      const found = advise(hosts, s.topology, CORRECT).filter((f) => f.host === 'esx01');
      expect(found.map((f) => [f.invariants, f.message, f.fix])).toEqual([
        [
          ['N2', 'N4'],
          'fvp from esx01 (vmk5 10.10.10.111) to esx02 vmk5 10.10.10.112 leaves vmk1 directly, not vmk5 directly: vmk1 was created first on 10.10.10.0/24, so it sends for the whole subnet (KB 2010877) [N2, N4]',
          {
            commands: [],
            steps: [],
            events: [],
            note: 'vmk1 sends for 10.10.10.0/24 because it was created first (KB 2010877), and no esxcli command changes that: give fvp a subnet of its own with one vmk per host, or use vmk1 for it (seed 004)',
          },
        ],
      ]);
    },
  );

  // FVP pinned to vmk5 on a netstack of its own, the peer's vmk5 on another subnet: the flow
  // runs on fvpStack, which has no gateway.
  const FVP_TOPOLOGY: Topology = {
    subnets: [
      { site: 'lab', network: '10.0.0.0/24', gateway: '10.0.0.1', purpose: 'management' },
      { site: 'lab', network: '10.20.20.0/24', gateway: '10.20.20.1', purpose: 'fvp' },
      { site: 'lab', network: '10.20.30.0/24', gateway: '10.20.30.1', purpose: 'fvp' },
    ],
    hosts: [
      { name: 'esx01', site: 'lab' },
      { name: 'esx02', site: 'lab' },
    ],
    appliances: [{ role: 'vcenter', site: 'lab', ip: '10.0.0.10' }],
    replication: [],
    fvp: { esx01: 'vmk5', esx02: 'vmk5' },
  };
  const fvpHost = (name: string, n: number, fvpNet: string): NetHost =>
    hostFromSetup({
      name,
      version: '6.7',
      vmks: [
        { name: 'vmk0', address: `10.0.0.${n}/24`, tags: ['Management'] },
        { name: 'vmk5', address: `${fvpNet}.${n}/24`, netstack: 'fvpStack' },
      ],
      netstacks: [{ name: DEFAULT_STACK, gateway: '10.0.0.1' }, { name: 'fvpStack' }],
    });
  const fvpHosts = () => ({
    esx01: fvpHost('esx01', 11, '10.20.20'),
    esx02: fvpHost('esx02', 12, '10.20.30'),
  });
  const FVP_ROUTE =
    'esxcli network ip route ipv4 add --netstack fvpStack --gateway 10.20.20.1 --network 10.20.30.12/32';

  test("N5: a flow on fvpStack that falls back to the default stack's gateway gets a route of its own stack", () => {
    const found = summary(fvpHosts(), FVP_TOPOLOGY, variant('netstack-gateway-fallback')).filter(
      (f) => f.host === 'esx01',
    );
    expect(found).toEqual([
      {
        invariants: ['N2', 'N4', 'N5'],
        host: 'esx01',
        message:
          'fvp from esx01 (vmk5 10.20.20.11) to esx02 vmk5 10.20.30.12 leaves vmk0 via the management gateway 10.0.0.1, not vmk5 via the fvp gateway 10.20.20.1: no route in defaultTcpipStack matches 10.20.30.12 more closely than the default route via 10.0.0.1 [N2, N4, N5]',
        commands: [FVP_ROUTE],
        steps: [],
      },
    ]);
  });

  test('the correct model has no fallback: the same flow has no route, so no N5, and the same fix', () => {
    const found = summary(fvpHosts(), FVP_TOPOLOGY, CORRECT).filter((f) => f.host === 'esx01');
    expect(found.map((f) => [f.invariants, f.message, f.commands])).toEqual([
      [
        ['N2', 'N4'],
        'fvp from esx01 (vmk5 10.20.20.11) to esx02 vmk5 10.20.30.12 has no route, not vmk5 via the fvp gateway 10.20.20.1: no route in fvpStack matches 10.20.30.12 [N2, N4]',
        [FVP_ROUTE],
      ],
    ]);
  });

  test("describeFlow shows '?' for a vmk the host no longer has", () => {
    const hosts = seed000Host({});
    const flow = flowsOf(SEED000, hosts).find((f) => f.class === 'replication');
    const after = netStep(hosts, { type: 'VmkRemove', host: 'esx-01', vmk: 'vmk2' }, CORRECT);
    const h = after.hosts['esx-01'];
    expect(flow && h ? describeFlow(h, flow) : 'missing').toBe(
      'replication from esx-01 (vmk2 ?) to VRS 10.12.12.20',
    );
  });
});

// ---- firewall ----

describe('firewall', () => {
  const out = (port: number) =>
    ({ direction: 'outbound', protocol: 'tcp', port, remote: '172.16.0.20' }) as const;

  test('a disabled firewall allows everything and says so', () => {
    const fw = { ...initFirewall('esx-01', '6.5U1', CORRECT), enabled: false };
    for (const p of [
      out(10005),
      { direction: 'inbound', protocol: 'udp', port: 9, remote: '192.168.7.5' } as const,
    ]) {
      expect(decide(fw, p, CORRECT)).toEqual({
        action: 'allow',
        ruleset: '(firewall disabled)',
        rule: '-',
        reason: 'the firewall is disabled',
      });
    }
    expect(passesToCloud(fw, CORRECT, '172.16.0.20')).toBe(true);
    expect(passesToCloud({ ...fw, enabled: true }, CORRECT, '172.16.0.20')).toBe(false);
  });

  const w0: FirewallWorld = { now: 0, hosts: { 'esx-01': initFirewall('esx-01', '6.7', CORRECT) } };
  test.each<FirewallEvent>([
    { type: 'HostConnect', host: 'esx-09' },
    { type: 'HostDisconnect', host: 'esx-09' },
    { type: 'VibInstallManual', host: 'esx-09' },
    { type: 'VibRemove', host: 'esx-09' },
    { type: 'RulesetSet', host: 'esx-09', ruleset: 'HBR', enabled: false },
    { type: 'RulesetAllowedAll', host: 'esx-09', ruleset: 'HBR', allowedAll: false },
    { type: 'AllowedIpAdd', host: 'esx-09', ruleset: 'HBR', address: '10.12.12.10' },
    { type: 'AllowedIpRemove', host: 'esx-09', ruleset: 'HBR', address: '10.12.12.10' },
  ])('$type on an unknown host is rejected', (e) => {
    const r = firewallStep(w0, e, CORRECT);
    expect(r.error).toBe('no host named esx-09');
    expect(r.world).toBe(w0);
  });

  test('F5 says whether the to-the-cloud ruleset is disabled or missing (seed 003)', () => {
    let w: FirewallWorld = {
      now: 0,
      hosts: {
        'esx-01': initFirewall('esx-01', '6.7', CORRECT),
        'esx-02': initFirewall('esx-02', '6.5U1', CORRECT),
      },
    };
    for (const e of [
      { type: 'ApplianceBoot' },
      {
        type: 'RulesetSet',
        host: 'esx-01',
        ruleset: 'Replication-to-CloudTraffic',
        enabled: false,
      },
    ] as const) {
      const r = firewallStep(w, e, CORRECT);
      expect(r.error).toBeUndefined();
      w = r.world;
    }
    const placement = { vm: 'vm-1', host: 'esx-01', toCloud: true, cluster: ['esx-01', 'esx-02'] };
    expect(
      mobilityFindings([placement], w.hosts, CORRECT, '172.16.0.20').map((f) => f.message),
    ).toEqual([
      'vm-1 runs on esx-01 (ESXi 6.7), which drops to-the-cloud replication: Replication-to-CloudTraffic is disabled',
      'vm-1 can move from esx-01 to esx-02 (ESXi 6.5U1), which drops to-the-cloud replication: Replication-to-CloudTraffic is missing',
    ]);
  });
});

// ---- the world ----

describe('world', () => {
  const after = scenario('seed-000-after');
  const setupWith = seed000World;
  const configure: WorldEvent = {
    type: 'ConfigureReplication',
    vm: 'vm-1',
    rpoMinutes: 15,
    perDay: 0,
    days: 0,
    seed: false,
  };
  const play = (w0: WorldState, events: readonly WorldEvent[]): WorldState => {
    let w = w0;
    for (const e of events) {
      const r = worldStep(w, e);
      expect(r.error, e.type).toBeUndefined();
      w = r.state;
    }
    return w;
  };

  test.each<[string, WorldEvent, string, number]>([
    [
      'removing a route the host lacks',
      { type: 'RouteRemove', host: 'esx-01', netstack: DEFAULT_STACK, network: '10.9.9.0/24' },
      'esx-01: no route to 10.9.9.0/24 in defaultTcpipStack',
      0,
    ],
    [
      'tagging an unknown vmk',
      { type: 'TagAdd', host: 'esx-01', vmk: 'vmk9', tag: 'vSphereReplication' },
      'esx-01: no vmk named vmk9',
      0,
    ],
    ['rebooting an unknown host', { type: 'Reboot', host: 'esx-09' }, 'no host named esx-09', 0],
    [
      'installing the vib on an unknown host',
      { type: 'VibInstallManual', host: 'esx-09' },
      'no host named esx-09',
      0,
    ],
    [
      'a write to an unknown VM',
      { type: 'GuestWrite', vm: 'vm-9', disk: 'disk-0', block: 0 },
      'no VM named vm-9; known VMs: vm-1',
      1,
    ],
    [
      'vMotion to an unknown host',
      { type: 'VMotion', vm: 'vm-1', host: 'esx-09' },
      'no host named esx-09; known hosts: esx-01',
      1,
    ],
  ])('%s is rejected with one line', (_name, event, error, ticks) => {
    const w = initWorld(setupWith({}), CORRECT);
    const r = worldStep(w, event);
    expect(r.error).toBe(error);
    expect(r.emitted).toEqual([]);
    expect(r.state).toEqual({ ...w, repl: { ...w.repl, tick: w.repl.tick + ticks } });
  });

  const seed000Before = scenario('seed-000-before');
  const noGateway: HostSetup[] = seed000Before.hosts.map((h) =>
    h.name === 'esx-01' ? { ...h, netstacks: [], routes: [] } : h,
  );
  test.each<[string, Partial<WorldSetup>, string]>([
    [
      'a to-the-cloud world whose topology has no VR appliance',
      { toCloud: true },
      'esx-01 has no to-cloud flow in the topology',
    ],
    [
      'a host the topology does not list',
      { topology: { ...after.topology, hosts: [] } },
      'esx-01 has no replication flow in the topology',
    ],
    [
      'a host with neither a gateway nor a route',
      { hosts: noGateway, topology: seed000Before.topology },
      'esx-01 has no route: no route to 10.12.12.20 in defaultTcpipStack',
    ],
  ])('a due transfer is blocked: %s', (_name, over, reason) => {
    const w = play(initWorld(setupWith(over), CORRECT), [configure]);
    const vm = w.repl.vms['vm-1'];
    expect(vm ? pathOf(w, vm) : 'no vm').toEqual({ ok: false, reason });
    const r = worldStep(w, { type: 'Tick', minutes: 1 });
    expect(r.emitted).toEqual([{ kind: 'blocked', clock: 1, vm: 'vm-1', reason }]);
    expect(r.state.repl.vms['vm-1']?.repl?.unreachable).toBe(reason);
    expect(r.state.repl.vms['vm-1']?.repl?.error).toBeNull();
  });

  const failedOver: WorldEvent[] = [
    configure,
    { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: 0 },
    { type: 'Tick', minutes: 3 },
    { type: 'Failover', vm: 'vm-1', pick: 0 },
  ];

  test('reprotect twice: the second is refused as already reprotected', () => {
    const w = play(initWorld(setupWith({}), CORRECT), [
      ...failedOver,
      { type: 'Reprotect', vm: 'vm-1' },
    ]);
    expect(Object.keys(w.reversed)).toEqual(['vm-1']);
    const r = worldStep(w, { type: 'Reprotect', vm: 'vm-1' });
    expect([r.error, r.emitted]).toEqual(['vm-1 is already reprotected', []]);
    expect(r.state).toBe(w);
  });

  test('reprotect with no host at the DR site has no host to replicate back from', () => {
    const topology = {
      ...after.topology,
      hosts: after.topology.hosts.filter((h) => h.site !== 'dr'),
    };
    // The replica needs its DR host to commit (NFC, research-notes A1): the host goes after.
    const synced = play(initWorld(setupWith({}), CORRECT), failedOver);
    const w = { ...synced, setup: { ...synced.setup, topology } };
    expect(w.recovered['vm-1']?.disks).toEqual({ 'disk-0': { 0: 1 } });
    const r = worldStep(w, { type: 'Reprotect', vm: 'vm-1' });
    expect([r.error, r.emitted]).toEqual(['vm-1: no DR host to replicate back from', []]);
    expect(r.state).toBe(w);
  });
});
