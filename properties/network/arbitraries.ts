// Generators for host network configs: random ones, with subnets from a small pool so that
// overlaps, ties and unusable routes happen, and recommended ones (a subnet per service, a
// static route or a custom netstack), as seeds 000 and 004 advise.
import fc from 'fast-check';
import type { Topology } from '../../model/network/intent.ts';
import { formatPrefix, parsePrefix } from '../../model/network/ipv4.ts';
import type { HostSetup, NetEvent, RouteSetup, Tag, VmkSetup } from '../../model/network/types.ts';
import { DEFAULT_STACK, TAGS } from '../../model/network/types.ts';
import { ESXI_VERSIONS, type EsxiVersion } from '../../model/variants.ts';

/** A query a host must route: a netstack, a destination, and the vmk a service is bound to. */
export interface Query {
  readonly netstack: string;
  readonly dst: string;
  readonly bound: string | null;
}

export interface NetCase {
  readonly setup: {
    readonly hosts: readonly HostSetup[];
    readonly topology: Topology | null;
    readonly queries: readonly Query[];
    /** Which way replication runs when judged (N6 judges the reversed direction). */
    readonly reversed?: boolean;
  };
  readonly events: readonly NetEvent[];
}

const POOL = ['10.0.0', '10.0.1', '10.1.0', '192.168.0'] as const;
const STACKS = [DEFAULT_STACK, DEFAULT_STACK, DEFAULT_STACK, 'vmotion', 'custom'] as const;
const LENS = [24, 24, 24, 16] as const;

const gatewayText = fc
  .tuple(fc.constantFrom(...POOL), fc.constantFrom(1, 254))
  .map(([p, n]) => `${p}.${n}`);

const vmkArb = (i: number, version: EsxiVersion): fc.Arbitrary<VmkSetup> =>
  fc
    .record({
      pool: fc.constantFrom(...POOL),
      len: fc.constantFrom(...LENS),
      netstack: fc.constantFrom(...STACKS),
      tags: fc.subarray([...TAGS], { maxLength: 2 }),
      override: fc.boolean(),
      gwN: fc.constantFrom(1, 254),
    })
    .map(({ pool, len, netstack, tags, override, gwN }) => ({
      name: `vmk${i}`,
      address: `${pool}.${5 + i}/${len}`,
      netstack,
      tags,
      // Per-vmk gateways exist from 6.5 (research-notes B).
      ...(override && version !== '5.5' && version !== '6.0' && len === 24
        ? { gateway: `${pool}.${gwN}` }
        : {}),
    }));

export const randomHost = (name: string): fc.Arbitrary<HostSetup> =>
  fc
    .record({
      version: fc.constantFrom(...ESXI_VERSIONS),
      persistence: fc.constantFrom('esx.conf' as const, 'local.sh' as const),
      refresh: fc.constantFrom('immediate' as const, 'immediate' as const, 'restart' as const),
      count: fc.integer({ min: 1, max: 4 }),
    })
    .chain(({ version, persistence, refresh, count }) =>
      fc
        .record({
          vmks: fc.tuple(...Array.from({ length: count }, (_, i) => vmkArb(i, version))),
          defaultGw: fc.option(gatewayText, { nil: undefined, freq: 4 }),
          stackGws: fc.record({ vmotion: fc.option(gatewayText), custom: fc.option(gatewayText) }),
          routes: fc.uniqueArray(
            fc.record({
              netstack: fc.constantFrom(...STACKS),
              network: fc.oneof(
                fc
                  .tuple(fc.constantFrom(...POOL), fc.constantFrom(16, 24))
                  .map(([p, l]) => `${p}.0/${l}`),
                fc
                  .tuple(fc.constantFrom(...POOL), fc.integer({ min: 1, max: 12 }))
                  .map(([p, n]) => `${p}.${n}/32`),
                fc.constant('172.20.0.0/16'),
              ),
              gateway: gatewayText,
              persisted: fc.boolean(),
            }),
            {
              maxLength: 4,
              // One route per normalised prefix and netstack: 10.0.1.0/16 is 10.0.0.0/16.
              selector: (r: RouteSetup) => `${r.netstack}|${formatPrefix(parsePrefix(r.network))}`,
            },
          ),
        })
        .map(({ vmks, defaultGw, stackGws, routes }) => ({
          name,
          version,
          persistence,
          refresh,
          vmks,
          netstacks: [
            { name: DEFAULT_STACK, ...(defaultGw ? { gateway: defaultGw } : {}) },
            { name: 'vmotion', ...(stackGws.vmotion ? { gateway: stackGws.vmotion } : {}) },
            { name: 'custom', ...(stackGws.custom ? { gateway: stackGws.custom } : {}) },
          ],
          routes,
        })),
    );

const queryArb = (h: HostSetup): fc.Arbitrary<Query> =>
  fc.record({
    netstack: fc.constantFrom(...STACKS),
    dst: fc.oneof(
      fc
        .tuple(fc.constantFrom(...POOL), fc.integer({ min: 1, max: 12 }))
        .map(([p, n]) => `${p}.${n}`),
      fc.constantFrom('10.0.200.9', '172.20.3.4', '8.8.8.8'),
    ),
    bound: fc.option(fc.constantFrom(...h.vmks.map((v) => v.name)), { nil: null }),
  });

/** One random host, queries against it, and sometimes vmk changes and a reboot. */
export const randomCase: fc.Arbitrary<NetCase> = randomHost('esx-01').chain((h) =>
  fc
    .record({
      queries: fc.array(queryArb(h), { minLength: 1, maxLength: 8 }),
      changes: fc.array(
        fc.oneof(
          fc
            .record({
              vmk: fc.constantFrom(...h.vmks.map((v) => v.name)),
              tag: fc.constantFrom<Tag>(...TAGS),
            })
            .map(({ vmk, tag }): NetEvent => ({ type: 'TagRemove', host: h.name, vmk, tag })),
          fc.constantFrom<NetEvent>(
            {
              type: 'VmkAdd',
              host: h.name,
              vmk: 'vmk9',
              address: '10.0.0.4/24',
              netstack: DEFAULT_STACK,
              tags: [],
            },
            { type: 'VmkRemove', host: h.name, vmk: 'vmk0' },
          ),
        ),
        { maxLength: 2 },
      ),
      reboot: fc.boolean(),
    })
    .map(({ queries, changes, reboot }) => ({
      setup: { hosts: [h], topology: null, queries },
      events: [...changes, ...(reboot ? [{ type: 'Reboot', host: h.name } as NetEvent] : [])],
    })),
);

// ---- recommended two-site worlds (seed 000 done right) ----

/**
 * How a site sends replication through its replication gateway: a static route to the far
 * replication subnet (seed 000), a /32 host route to the far VRS (seed 000's readers), or, from
 * 6.5, the vmk tagged for replication with its own gateway (research-notes B). Replication
 * runs on the default netstack only (N8), so a custom netstack is never a recommended method.
 */
export type Method = 'static-route' | 'host-route' | 'tag-gateway';

interface SitePlan {
  readonly site: string;
  readonly n: number;
  readonly hosts: number;
  readonly version: EsxiVersion;
  readonly method: Method;
  readonly summary: boolean;
  readonly persistence: 'esx.conf' | 'local.sh';
}

const mgmtNet = (n: number) => `172.${16 + n}.0`;
const vmoNet = (n: number) => `192.168.${10 + n}`;
const replNet = (n: number) => `10.${11 + n}.12`;

/** Every real vmk sits on a portgroup (research-notes C1): what re-creating it needs. */
export const attachOf = (vmk: string, mgmt = false) => ({
  portgroup: mgmt ? 'Management Network' : `VMkernel ${vmk}`,
  dvs: null,
  dvport: null,
  mtu: 1500,
});

function siteHosts(p: SitePlan, peer: SitePlan): HostSetup[] {
  const tagged = p.method === 'tag-gateway';
  const routes: RouteSetup[] = [];
  // A summary route via the management gateway, added first: longest prefix must still win.
  if (p.summary)
    routes.push({ network: '10.0.0.0/8', gateway: `${mgmtNet(p.n)}.1`, persisted: true });
  if (p.method === 'static-route')
    routes.push({ network: `${replNet(peer.n)}.0/24`, gateway: `${replNet(p.n)}.1` });
  if (p.method === 'host-route')
    routes.push({ network: `${replNet(peer.n)}.20/32`, gateway: `${replNet(p.n)}.1` });
  return Array.from({ length: p.hosts }, (_, i) => ({
    name: `esx-${p.site}-0${i + 1}`,
    version: p.version,
    persistence: p.persistence,
    vmks: [
      {
        name: 'vmk0',
        address: `${mgmtNet(p.n)}.${11 + i}/24`,
        tags: ['Management'],
        attach: attachOf('vmk0', true),
      },
      {
        name: 'vmk1',
        address: `${vmoNet(p.n)}.${11 + i}/24`,
        tags: ['VMotion'],
        attach: attachOf('vmk1'),
      },
      {
        name: 'vmk2',
        address: `${replNet(p.n)}.${5 + i}/24`,
        attach: attachOf('vmk2'),
        ...(tagged
          ? {
              tags: ['vSphereReplication', 'vSphereReplicationNFC'] as Tag[],
              gateway: `${replNet(p.n)}.1`,
            }
          : {}),
      },
    ],
    netstacks: [{ name: DEFAULT_STACK, gateway: `${mgmtNet(p.n)}.1` }],
    routes: routes.map((r) => ({ ...r, persisted: true })),
  }));
}

function topologyOf(a: SitePlan, b: SitePlan, reversed: boolean): Topology {
  const site = (p: SitePlan) => [
    {
      site: p.site,
      network: `${mgmtNet(p.n)}.0/24`,
      gateway: `${mgmtNet(p.n)}.1`,
      purpose: 'management' as const,
    },
    { site: p.site, network: `${vmoNet(p.n)}.0/24`, gateway: null, purpose: 'vmotion' as const },
    {
      site: p.site,
      network: `${replNet(p.n)}.0/24`,
      gateway: `${replNet(p.n)}.1`,
      purpose: 'replication' as const,
    },
  ];
  const hosts = (p: SitePlan) =>
    Array.from({ length: p.hosts }, (_, i) => ({ name: `esx-${p.site}-0${i + 1}`, site: p.site }));
  const apps = (p: SitePlan) => [
    { role: 'vcenter' as const, site: p.site, ip: `${mgmtNet(p.n)}.10` },
    { role: 'vrs' as const, site: p.site, ip: `${replNet(p.n)}.20` },
    { role: 'vr-appliance' as const, site: p.site, ip: `${mgmtNet(p.n)}.20` },
  ];
  return {
    subnets: [...site(a), ...site(b)],
    hosts: [...hosts(a), ...hosts(b)],
    appliances: [...apps(a), ...apps(b)],
    replication: [reversed ? { from: b.site, to: a.site } : { from: a.site, to: b.site }],
    toCloud: true,
  };
}

const planArb = (site: string, n: number, mirrorOf?: SitePlan): fc.Arbitrary<SitePlan> =>
  fc
    .record({
      hosts: fc.integer({ min: 1, max: 2 }),
      version: fc.constantFrom(...ESXI_VERSIONS),
      method: fc.constantFrom<Method>('static-route', 'host-route', 'tag-gateway'),
      summary: fc.boolean(),
      persistence: fc.constantFrom('esx.conf' as const, 'local.sh' as const),
    })
    .map((p) => {
      const base = mirrorOf ? { ...p, method: mirrorOf.method, summary: mirrorOf.summary } : p;
      // Per-vmk gateways need 6.5 (research-notes B).
      const method: Method =
        base.method === 'tag-gateway' && (base.version === '5.5' || base.version === '6.0')
          ? 'static-route'
          : base.method;
      return { site, n, ...base, method };
    });

/** A primary site and a DR site built as its mirror, both following the recommendations. */
export const recommendedWorld = (reversed: boolean): fc.Arbitrary<NetCase> =>
  planArb('a', 0).chain((a) =>
    planArb('b', 1, a).map((b) => ({
      setup: {
        hosts: [...siteHosts(a, b), ...siteHosts(b, a)],
        topology: topologyOf(a, b, reversed),
        queries: [],
        reversed,
      },
      events: [],
    })),
  );

/** Multi-NIC vMotion hosts with FVP pinned the way seed 004 recommends. */
export const pinnedWorld: fc.Arbitrary<NetCase> = fc
  .record({
    hosts: fc.integer({ min: 2, max: 3 }),
    dedicated: fc.boolean(),
    vmk5First: fc.boolean(),
    version: fc.constantFrom(...ESXI_VERSIONS),
  })
  .map(({ hosts, dedicated, vmk5First, version }) => {
    const names = Array.from({ length: hosts }, (_, i) => `esx0${i + 1}`);
    const vmo = (i: number): VmkSetup => ({
      name: 'vmk1',
      address: `10.10.10.${11 + i}/24`,
      tags: ['VMotion'],
    });
    // Multi-NIC vMotion tags both vmks of the shared subnet (seed 004).
    const fvp = (i: number): VmkSetup => ({
      name: 'vmk5',
      address: dedicated ? `10.20.20.${11 + i}/24` : `10.10.10.${111 + i}/24`,
      ...(dedicated ? {} : { tags: ['VMotion'] as Tag[] }),
    });
    // Pin to the vmk that owns the shared subnet (the first created), or to a dedicated one.
    const pin = dedicated ? 'vmk5' : vmk5First ? 'vmk5' : 'vmk1';
    return {
      setup: {
        hosts: names.map((name, i) => ({
          name,
          version,
          vmks: [
            { name: 'vmk0', address: `10.0.0.${11 + i}/24`, tags: ['Management'] as Tag[] },
            ...(vmk5First ? [fvp(i), vmo(i)] : [vmo(i), fvp(i)]),
          ],
          netstacks: [{ name: DEFAULT_STACK, gateway: '10.0.0.1' }],
        })),
        topology: {
          subnets: [
            {
              site: 'lab',
              network: '10.0.0.0/24',
              gateway: '10.0.0.1',
              purpose: 'management' as const,
            },
            { site: 'lab', network: '10.10.10.0/24', gateway: null, purpose: 'vmotion' as const },
            { site: 'lab', network: '10.20.20.0/24', gateway: null, purpose: 'fvp' as const },
          ],
          hosts: names.map((name) => ({ name, site: 'lab' })),
          appliances: [{ role: 'vcenter' as const, site: 'lab', ip: '10.0.0.10' }],
          replication: [],
          fvp: Object.fromEntries(names.map((n) => [n, pin])),
        },
        queries: [],
      },
      events: [],
    };
  });

/** Recommended worlds broken in the ways real ones drift: what the advisor must judge. */
export const perturbedWorld: fc.Arbitrary<NetCase> = fc
  .oneof(recommendedWorld(false), recommendedWorld(true), pinnedWorld)
  .chain((c) => {
    const hosts = c.setup.hosts;
    const one = fc.constantFrom(...hosts).chain((h): fc.Arbitrary<NetEvent[]> => {
      const replVmk = h.vmks[2];
      const menu: NetEvent[][] = [
        [{ type: 'Reboot', host: h.name }],
        [{ type: 'TagRemove', host: h.name, vmk: 'vmk2', tag: 'vSphereReplication' }],
        [{ type: 'TagAdd', host: h.name, vmk: 'vmk5', tag: 'VMotion' }],
        [{ type: 'GatewaySet', host: h.name, vmk: 'vmk2', gateway: null }],
      ];
      // The old advice followed (N8): the replication vmk moved onto a stack of its own.
      if (h.version !== '5.5' && h.vmks[2]) menu.push(toCustomStack(h));
      if (replVmk) {
        // A second vmk in the replication subnet, created later or on another stack.
        menu.push([
          {
            type: 'VmkAdd',
            host: h.name,
            vmk: 'vmk7',
            address: replVmk.address.replace(/\.(\d+)\//, '.99/'),
            netstack: DEFAULT_STACK,
            tags: [],
          },
        ]);
      }
      for (const r of h.routes ?? []) {
        const netstack = r.netstack ?? DEFAULT_STACK;
        // The route forgotten, re-added without persistence, or shadowed by a wrong one.
        menu.push([{ type: 'RouteRemove', host: h.name, netstack, network: r.network }]);
        const readded: NetEvent[] = [
          { type: 'RouteRemove', host: h.name, netstack, network: r.network },
          {
            type: 'RouteAdd',
            host: h.name,
            netstack,
            network: r.network,
            gateway: r.gateway,
            persist: false,
          },
        ];
        // The most common drift of all (seed 000): the route typed again, but not into local.sh.
        menu.push(readded, readded, readded);
        menu.push([
          {
            type: 'RouteAdd',
            host: h.name,
            netstack,
            network: r.network.replace(/\/\d+$/, '/25'),
            gateway: h.vmks[0]?.address.replace(/\.\d+\/\d+$/, '.1') ?? r.gateway,
            persist: true,
          },
        ]);
      }
      return fc.constantFrom(...menu);
    });
    return fc.array(one, { maxLength: 3 }).map((events) => ({ ...c, events: events.flat() }));
  });

/**
 * The drift N8 is about: a host's replication vmk re-created on a TCP/IP stack of its own, as
 * seed 000's readers suggested for 6.x, tagged for replication and NFC, with the stack's own
 * gateway. vSphere Replication runs on the default stack only (research-notes B), so the tags
 * take no effect there.
 */
export function toCustomStack(h: HostSetup, stack = 'replication'): NetEvent[] {
  const v = h.vmks[2];
  if (!v) return [];
  return [
    { type: 'NetstackAdd', host: h.name, netstack: stack },
    { type: 'VmkRemove', host: h.name, vmk: v.name },
    {
      type: 'VmkAdd',
      host: h.name,
      vmk: v.name,
      address: v.address,
      netstack: stack,
      tags: ['vSphereReplication', 'vSphereReplicationNFC'],
      attach: attachOf(v.name),
    },
    {
      type: 'RouteAdd',
      host: h.name,
      netstack: stack,
      network: 'default',
      gateway: v.address.replace(/\.\d+\/\d+$/, '.1'),
      persist: true,
    },
  ];
}

/** Recommended worlds where some 6.x hosts have their replication vmk on a custom stack. */
export const customStackWorld: fc.Arbitrary<NetCase> = fc
  .oneof(recommendedWorld(false), recommendedWorld(true))
  .chain((c) => {
    const candidates = c.setup.hosts.filter((h) => h.version !== '5.5');
    if (candidates.length === 0) return fc.constant(c);
    return fc
      .subarray(candidates, { minLength: 1 })
      .map((hs) => ({ ...c, events: [...c.events, ...hs.flatMap((h) => toCustomStack(h))] }));
  });

// ---- local replication: two flows to one VRS, meant for two vmks (blind spot 4) ----

/**
 * A site that replicates to itself (vSphere Replication between clusters of one site): its
 * hosts send replication to the site's VRS from vmk2 (the replication subnet, gateway .1) and
 * take NFC from vmk3 (the NFC subnet, its own gateway .1), and the VRS sits on an appliance
 * subnet that neither vmk is on. Both flows go to one address by two paths, so they compete
 * for the same route: a /32 host route can serve only one of them, and the other needs its vmk
 * tagged with a per-vmk gateway (6.5+). Each flow is served one way or the other, and then the
 * layout drifts.
 */
export const competingWorld: fc.Arbitrary<NetCase> = fc
  .record({
    hosts: fc.integer({ min: 1, max: 2 }),
    version: fc.constantFrom<EsxiVersion>('6.5', '6.7', '7.0', '8.0', '6.0'),
    nfcByRoute: fc.boolean(),
    persistence: fc.constantFrom('esx.conf' as const, 'local.sh' as const),
  })
  .chain(({ hosts, version, nfcByRoute, persistence }) => {
    const ownGateways = version !== '6.0';
    // On 6.0 only routes exist: one flow by route, the other left to the advisor.
    const replByRoute = !ownGateways ? !nfcByRoute : false;
    const setups: HostSetup[] = Array.from({ length: hosts }, (_, i) => ({
      name: `esx-l-0${i + 1}`,
      version,
      persistence,
      vmks: [
        {
          name: 'vmk0',
          address: `172.16.0.${11 + i}/24`,
          tags: ['Management'] as Tag[],
          attach: attachOf('vmk0', true),
        },
        {
          name: 'vmk1',
          address: `192.168.10.${11 + i}/24`,
          tags: ['VMotion'] as Tag[],
          attach: attachOf('vmk1'),
        },
        {
          name: 'vmk2',
          address: `10.11.12.${5 + i}/24`,
          attach: attachOf('vmk2'),
          ...(replByRoute ? {} : { tags: ['vSphereReplication'] as Tag[], gateway: '10.11.12.1' }),
        },
        {
          name: 'vmk3',
          address: `10.11.13.${5 + i}/24`,
          attach: attachOf('vmk3'),
          ...(nfcByRoute || !ownGateways
            ? {}
            : { tags: ['vSphereReplicationNFC'] as Tag[], gateway: '10.11.13.1' }),
        },
      ],
      netstacks: [{ name: DEFAULT_STACK, gateway: '172.16.0.1' }],
      routes: [
        ...(nfcByRoute ? [{ network: '10.30.0.20/32', gateway: '10.11.13.1' }] : []),
        ...(replByRoute ? [{ network: '10.30.0.20/32', gateway: '10.11.12.1' }] : []),
      ].map((r) => ({ ...r, persisted: true })),
    }));
    const topology: Topology = {
      subnets: [
        { site: 'l', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
        { site: 'l', network: '192.168.10.0/24', gateway: null, purpose: 'vmotion' },
        { site: 'l', network: '10.11.12.0/24', gateway: '10.11.12.1', purpose: 'replication' },
        { site: 'l', network: '10.11.13.0/24', gateway: '10.11.13.1', purpose: 'nfc' },
        { site: 'l', network: '10.30.0.0/24', gateway: '10.30.0.1', purpose: 'appliance' },
      ],
      hosts: setups.map((h) => ({ name: h.name, site: 'l' })),
      appliances: [
        { role: 'vcenter', site: 'l', ip: '172.16.0.10' },
        { role: 'vrs', site: 'l', ip: '10.30.0.20' },
      ],
      replication: [{ from: 'l', to: 'l' }],
    };
    const drift = fc.constantFrom(...setups).chain((h): fc.Arbitrary<NetEvent[]> => {
      const menu: NetEvent[][] = [
        [{ type: 'GatewaySet', host: h.name, vmk: 'vmk2', gateway: null }],
        [{ type: 'GatewaySet', host: h.name, vmk: 'vmk3', gateway: null }],
        [{ type: 'TagRemove', host: h.name, vmk: 'vmk2', tag: 'vSphereReplication' }],
        [{ type: 'TagRemove', host: h.name, vmk: 'vmk3', tag: 'vSphereReplicationNFC' }],
        [{ type: 'RouteRemove', host: h.name, netstack: DEFAULT_STACK, network: '10.30.0.20/32' }],
        [{ type: 'Reboot', host: h.name }],
      ];
      return fc.constantFrom(...menu);
    });
    return fc.array(drift, { minLength: 1, maxLength: 2 }).map((events) => ({
      setup: { hosts: setups, topology, queries: [] },
      events: events.flat(),
    }));
  });
