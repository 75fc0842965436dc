// Exhaustive enumeration of host routing configurations: every host of at most N vmks over a
// pool of subnets, each vmk with a tag set and a netstack from the scope's menus, in every
// creation order, with up to M static routes from a pool, and the scope's persistence and
// version choices. Configuration i is a NetCase like the properties generate; the registered
// N1, N5 and N7 checks judge every one (N7: the advisor is sound and precise), and the twins
// count the configurations that reach their goals. N8 and N8-fixes judge every configuration
// too: replication and NFC stay on the default netstack, and every fix the check prints, read
// back from its text and applied, mends its flow and breaks no other.
import type { Topology } from '../../model/network/intent.ts';
import type { HostSetup, RoutePersistence, RouteSetup, Tag } from '../../model/network/types.ts';
import { DEFAULT_STACK } from '../../model/network/types.ts';
import type { EsxiVersion } from '../../model/variants.ts';
import type { ConfigSpace, EnumeratedArea, Scope } from '../explore/types.ts';
import type { NetCase, Query } from './arbitraries.ts';

/** A subnet of the pool: where a vmk's address comes from. */
interface PoolSubnet {
  readonly prefix: string;
  readonly purpose: 'management' | 'replication' | 'vmotion' | 'nfc';
  readonly gateway: string | null;
}

export interface NetworkScope {
  readonly versions: readonly EsxiVersion[];
  readonly persistence: readonly RoutePersistence[];
  readonly maxVmks: number;
  readonly subnets: readonly PoolSubnet[];
  readonly netstacks: readonly string[];
  readonly tagSets: readonly (readonly Tag[])[];
  /** Whether a vmk on a routed subnet may also carry its subnet's gateway (6.5+). */
  readonly vmkGateways: boolean;
  /** Route pool; a configuration takes an ordered choice of at most maxRoutes of them. */
  readonly routes: readonly RouteSetup[];
  readonly maxRoutes: number;
  /** Gateways of the custom netstack to try (null: none). */
  readonly customGateways: readonly (string | null)[];
  /** Destinations every configuration is asked to route, on every netstack. */
  readonly destinations: readonly string[];
  /**
   * The VRS on the host's own site, on an appliance subnet of its own (replication within one
   * site, as the properties' competing layouts have it): replication and NFC then go to one
   * address, each by the vmk of its own subnet. Default: the VRS at the DR site.
   */
  readonly localVrs?: boolean;
}

const POOL: readonly PoolSubnet[] = [
  { prefix: '172.16.0', purpose: 'management', gateway: '172.16.0.1' },
  { prefix: '10.11.12', purpose: 'replication', gateway: '10.11.12.1' },
  { prefix: '192.168.10', purpose: 'vmotion', gateway: null },
];

const CUSTOM = 'replication';

/** The standard-switch portgroup each subnet's vmks are attached to. */
const PORTGROUPS: Readonly<Record<PoolSubnet['purpose'], string>> = {
  management: 'Management Network',
  replication: 'VR Replication',
  vmotion: 'vMotion',
  nfc: 'VR NFC',
};

const ROUTES: readonly RouteSetup[] = [
  // Seed 000's fix: the DR replication subnet via the replication gateway.
  { network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: true },
  // A summary route via the management gateway: longest prefix must still win.
  { network: '10.0.0.0/8', gateway: '172.16.0.1', persisted: true },
  // The host route to the DR VRS, typed but not persisted (seed 000's pitfall).
  { network: '10.12.12.20/32', gateway: '10.11.12.1', persisted: false },
  // The DR subnet on the custom netstack.
  { netstack: CUSTOM, network: '10.12.12.0/24', gateway: '10.11.12.1', persisted: true },
];

const DESTINATIONS = ['172.16.0.30', '10.11.12.30', '192.168.10.30', '10.12.12.20', '8.8.8.8'];

/** A subnet for NFC of its own, and the local VRS's appliance subnet (localVrs scopes). */
const NFC_SUBNET: PoolSubnet = { prefix: '10.11.13', purpose: 'nfc', gateway: '10.11.13.1' };
const LOCAL_VRS = '10.30.0.20';

export const NETWORK_SCOPES: readonly Scope<NetworkScope>[] = [
  {
    name: 'default',
    description:
      'one ESXi 6.7 host of 1 to 3 vmks over 3 subnets (management, replication, vMotion), each vmk on the default or a custom netstack (which has no gateway), tagged vSphereReplication or not, in every creation order; 0 to 2 of 3 default-netstack static routes (to the DR subnet, a summary via management, an unpersisted host route) in either order; routes persisted in esx.conf or local.sh',
    params: {
      versions: ['6.7'],
      persistence: ['esx.conf', 'local.sh'],
      maxVmks: 3,
      subnets: POOL,
      netstacks: [DEFAULT_STACK, CUSTOM],
      // The Management tag binds no flow in the model (intent places management by subnet):
      // the wide scope still tries it.
      tagSets: [[], ['vSphereReplication']],
      vmkGateways: false,
      routes: ROUTES.slice(0, 3),
      maxRoutes: 2,
      customGateways: [null],
      destinations: DESTINATIONS,
    },
    outOfScope: [
      'N1-reach: per-vmk gateway used',
      'N8-fixes-reach: two flows of one host to one address by different vmks',
    ],
    nightly: true,
  },
  {
    name: 'tiny',
    description:
      'one ESXi 6.7 host of 1 or 2 vmks over 3 subnets, default netstack, no tag or vSphereReplication, 0 or 1 of 2 static routes, routes in local.sh',
    params: {
      versions: ['6.7'],
      persistence: ['local.sh'],
      maxVmks: 2,
      subnets: POOL,
      netstacks: [DEFAULT_STACK],
      tagSets: [[], ['vSphereReplication']],
      vmkGateways: false,
      routes: ROUTES.slice(0, 3).filter((_, i) => i !== 1),
      maxRoutes: 1,
      customGateways: [null],
      destinations: DESTINATIONS,
    },
    pinned: 126,
    outOfScope: [
      'N1-reach: per-vmk gateway used',
      'N5-reach: custom stack without gateway',
      'N8-reach: replication tagged on a custom-stack vmk',
      'N8-reach: a printed fix re-creates the vmk on the default stack',
      'N8-fixes-reach: two flows of one host to one address by different vmks',
    ],
  },
  {
    name: 'wide',
    description:
      'one host of 1 or 2 vmks on ESXi 5.5 or 6.7, with per-vmk gateways (6.5+), the Management tag and vSphereReplication with vSphereReplicationNFC, a fourth route (the DR subnet on the custom netstack) and the custom netstack with or without a gateway',
    params: {
      versions: ['5.5', '6.7'],
      persistence: ['esx.conf', 'local.sh'],
      maxVmks: 2,
      subnets: POOL,
      netstacks: [DEFAULT_STACK, CUSTOM],
      tagSets: [
        [],
        ['Management'],
        ['vSphereReplication'],
        ['vSphereReplication', 'vSphereReplicationNFC'],
      ],
      vmkGateways: true,
      routes: ROUTES,
      maxRoutes: 2,
      customGateways: [null, '10.11.12.1'],
      destinations: DESTINATIONS,
    },
    outOfScope: ['N8-fixes-reach: two flows of one host to one address by different vmks'],
    nightly: true,
  },
  {
    name: 'competing',
    description:
      "one ESXi 6.7 host of 1 or 2 vmks over 4 subnets (management, replication, vMotion, NFC) with the VRS on the same site, default netstack, tagged for replication, for NFC, both or neither, with or without its subnet's gateway, and 0 or 1 host route to the VRS (via the replication or the NFC gateway): replication and NFC competing for one address",
    params: {
      versions: ['6.7'],
      persistence: ['local.sh'],
      maxVmks: 2,
      subnets: [...POOL, NFC_SUBNET],
      netstacks: [DEFAULT_STACK],
      tagSets: [
        [],
        ['vSphereReplication'],
        ['vSphereReplicationNFC'],
        ['vSphereReplication', 'vSphereReplicationNFC'],
      ],
      vmkGateways: true,
      routes: [
        { network: `${LOCAL_VRS}/32`, gateway: '10.11.12.1', persisted: true },
        { network: `${LOCAL_VRS}/32`, gateway: '10.11.13.1', persisted: true },
      ],
      maxRoutes: 1,
      customGateways: [null],
      destinations: [...DESTINATIONS, LOCAL_VRS],
      localVrs: true,
    },
    outOfScope: [
      'N5-reach: custom stack without gateway',
      'N7-reach: N3 finding',
      'N8-reach: replication tagged on a custom-stack vmk',
      'N8-reach: a printed fix re-creates the vmk on the default stack',
    ],
  },
  {
    name: 'fixes',
    description:
      "one ESXi 6.7 host of 1 or 2 vmks over 3 subnets, each on the default or the custom netstack (with or without its gateway), tagged for replication, for NFC, both or neither, with or without its subnet's gateway, and 0 or 1 of 4 static routes kept in local.sh: replication and NFC competing for one address, and every kind of printed fix",
    params: {
      versions: ['6.7'],
      persistence: ['local.sh'],
      maxVmks: 2,
      subnets: POOL,
      netstacks: [DEFAULT_STACK, CUSTOM],
      tagSets: [
        [],
        ['vSphereReplication'],
        ['vSphereReplicationNFC'],
        ['vSphereReplication', 'vSphereReplicationNFC'],
      ],
      vmkGateways: true,
      routes: ROUTES,
      maxRoutes: 1,
      customGateways: [null, '10.11.12.1'],
      destinations: DESTINATIONS,
    },
    outOfScope: ['N8-fixes-reach: two flows of one host to one address by different vmks'],
  },
];

interface VmkChoice {
  readonly subnet: PoolSubnet;
  readonly netstack: string;
  readonly tags: readonly Tag[];
  readonly gateway: boolean;
}

/** Every ordered choice of at most k distinct items (no two routes to one prefix and stack). */
function orderedChoices<T>(items: readonly T[], k: number, clash: (a: T, b: T) => boolean): T[][] {
  const out: T[][] = [[]];
  const grow = (prefix: T[]) => {
    if (prefix.length === k) return;
    for (const it of items) {
      if (prefix.includes(it) || prefix.some((p) => clash(p, it))) continue;
      const next = [...prefix, it];
      out.push(next);
      grow(next);
    }
  };
  grow([]);
  return out;
}

/** The topology every configuration is judged in: the pool at site a, the DR VRS at site b. */
function topologyOf(p: NetworkScope): Topology {
  const pool = p.subnets.map((s) => ({
    site: 'a',
    network: `${s.prefix}.0/24`,
    gateway: s.gateway,
    purpose: s.purpose,
  }));
  if (p.localVrs)
    return {
      subnets: [
        ...pool,
        { site: 'a', network: '10.30.0.0/24', gateway: '10.30.0.1', purpose: 'appliance' },
      ],
      hosts: [{ name: 'esx-a-01', site: 'a' }],
      appliances: [
        { role: 'vcenter', site: 'a', ip: '172.16.0.10' },
        { role: 'vrs', site: 'a', ip: LOCAL_VRS },
      ],
      replication: [{ from: 'a', to: 'a' }],
    };
  return {
    subnets: [
      ...pool,
      { site: 'b', network: '10.12.12.0/24', gateway: '10.12.12.1', purpose: 'replication' },
    ],
    hosts: [{ name: 'esx-a-01', site: 'a' }],
    appliances: [
      { role: 'vcenter', site: 'a', ip: '172.16.0.10' },
      { role: 'vr-appliance', site: 'a', ip: '172.16.0.20' },
      { role: 'vrs', site: 'b', ip: '10.12.12.20' },
    ],
    replication: [{ from: 'a', to: 'b' }],
    toCloud: true,
  };
}

export function networkSpace(scope: Scope<NetworkScope>): ConfigSpace {
  const p = scope.params;
  const menu: VmkChoice[] = [];
  for (const subnet of p.subnets)
    for (const netstack of p.netstacks)
      for (const tags of p.tagSets)
        for (const gateway of p.vmkGateways && subnet.gateway ? [false, true] : [false])
          menu.push({ subnet, netstack, tags, gateway });
  const routeSets = orderedChoices(
    p.routes,
    p.maxRoutes,
    (a, b) =>
      (a.netstack ?? DEFAULT_STACK) === (b.netstack ?? DEFAULT_STACK) && a.network === b.network,
  );
  // Vmk lists by length: 1 vmk first, so the first failure found is among the smallest.
  const perLength = Array.from({ length: p.maxVmks }, (_, i) => menu.length ** (i + 1));
  const vmkLists = perLength.reduce((a, b) => a + b, 0);
  const rest =
    routeSets.length * p.persistence.length * p.versions.length * p.customGateways.length;
  const topology = topologyOf(p);
  const size = vmkLists * rest;
  const vmksAt = (i0: number): VmkChoice[] => {
    let i = i0;
    for (let len = 1; len <= p.maxVmks; len++) {
      const n = perLength[len - 1] as number;
      if (i < n) {
        const out: VmkChoice[] = [];
        for (let j = 0; j < len; j++) {
          out.push(menu[i % menu.length] as VmkChoice);
          i = Math.floor(i / menu.length);
        }
        return out;
      }
      i -= n;
    }
    throw new RangeError(`vmk list ${i0} is outside the scope`);
  };
  return {
    size,
    dimensions: `${vmkLists} vmk lists (${menu.length} choices of subnet, netstack, tags${p.vmkGateways ? ' and gateway' : ''} per vmk, 1 to ${p.maxVmks} vmks in creation order) x ${routeSets.length} route lists x ${p.persistence.length} persistence x ${p.versions.length} version(s) x ${p.customGateways.length} custom-netstack gateway(s)`,
    checks: ['N1', 'N5', 'N7', 'N8', 'N8-fixes'],
    goals: ['N1-reach', 'N5-reach', 'N7-reach', 'N8-reach', 'N8-fixes-reach'],
    config(i: number): NetCase {
      if (!Number.isInteger(i) || i < 0 || i >= size)
        throw new RangeError(`configuration ${i} is outside 0..${size - 1}`);
      let r = i % rest;
      const vmks = vmksAt(Math.floor(i / rest));
      const pick = <T>(xs: readonly T[]): T => {
        const x = xs[r % xs.length] as T;
        r = Math.floor(r / xs.length);
        return x;
      };
      const routes = pick(routeSets);
      const persistence = pick(p.persistence);
      const version = pick(p.versions);
      const customGateway = pick(p.customGateways);
      const host: HostSetup = {
        name: 'esx-a-01',
        version,
        persistence,
        vmks: vmks.map((v, k) => ({
          name: `vmk${k}`,
          address: `${v.subnet.prefix}.${11 + k}/24`,
          netstack: v.netstack,
          tags: v.tags,
          // Where the vmk is attached (interface list): what a fix that re-creates it on the
          // default netstack needs to print its `interface add` (N8).
          attach: { portgroup: PORTGROUPS[v.subnet.purpose], dvs: null, dvport: null, mtu: 1500 },
          ...(v.gateway && v.subnet.gateway ? { gateway: v.subnet.gateway } : {}),
        })),
        netstacks: [
          { name: DEFAULT_STACK, gateway: '172.16.0.1' },
          { name: CUSTOM, ...(customGateway ? { gateway: customGateway } : {}) },
        ],
        routes,
      };
      // A service bound to a vmk routes differently only through that vmk's own gateway, so
      // bound queries are asked only where vmks may have one.
      const bounds = p.vmkGateways ? [null, ...host.vmks.map((v) => v.name)] : [null];
      const queries: Query[] = [];
      for (const netstack of p.netstacks)
        for (const dst of p.destinations)
          for (const bound of bounds) queries.push({ netstack, dst, bound });
      return { setup: { hosts: [host], topology, queries }, events: [] };
    },
  };
}

export const NETWORK_EXPLORE: EnumeratedArea<NetworkScope> = {
  kind: 'enumerated',
  area: 'network',
  scopes: NETWORK_SCOPES,
  space: networkSpace,
};
