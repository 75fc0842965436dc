// Exhaustive exploration of the world with the cloud as its DR site (model/tunnel/world.ts):
// one VM replicating to the cloud through its host's firewall and the vCTA's tunnel, and
// reprotect from the cloud through the stitch. Stepped by cloudWorldStep, checked by the
// cloud-world properties' own predicates (E1-cloud, F4-cloud, C6-e2e), which read only the
// transition, so the explored state is the model's state and nothing more. It is encoded with
// the world explorer's encoder (encodeWorld) and the tunnel explorer's (encodeTunnel); one
// tenant and one VM leave nothing symmetric to rename.
import { TO_CLOUD_RULESET } from '../../model/firewall/firewall.ts';
import type { TunnelEventType } from '../../model/tunnel/types.ts';
import {
  type CloudWorldEvent,
  type CloudWorldSetup,
  type CloudWorldState,
  cloudWorldStep,
  initCloudWorld,
  TUNNEL_EVENTS,
} from '../../model/tunnel/world.ts';
import type { Variant } from '../../model/variants.ts';
import type { WorldEvent, WorldSetup } from '../../model/world/world.ts';
import { assertKnownFields, type Encoder } from '../explore/encoder.ts';
import { checksOf, goalsOf, selected } from '../explore/select.ts';
import type { Scope, StepModel, SteppedArea, Successor } from '../explore/types.ts';
import type { PropertyDef } from '../registry-types.ts';
import { Canon } from '../replication/canonical.ts';
import { encodeWorld } from '../world/explore.ts';
import { encodeTunnel } from './explore.ts';
import { CLOUD_WORLD_PROPERTIES, type CView } from './world.ts';

type Kind = WorldEvent['type'] | TunnelEventType | 'ReprotectFromCloud';

export interface CloudWorldScope {
  /** Wildcard certificate and overrides (healthy), or a TLS-terminating box on the path. */
  readonly tlsBox: boolean;
  readonly rpoMinutes: number;
  readonly ticks: readonly number[];
  /** The clock no state may pass (a constraint). */
  readonly maxClock: number;
  readonly events: readonly Kind[];
  readonly properties?: readonly string[];
}

/**
 * A recommended two-site layout of the network generators (properties/network/arbitraries.ts
 * recommendedWorld): site a replicates to the cloud through its VR appliance (seed 003).
 */
function layout(): Pick<WorldSetup, 'hosts' | 'topology'> {
  const host = (site: string, n: number) => ({
    name: `esx-${site}-01`,
    version: '5.5' as const,
    persistence: 'esx.conf' as const,
    vmks: [
      { name: 'vmk0', address: `172.${16 + n}.0.11/24`, tags: ['Management' as const] },
      { name: 'vmk1', address: `192.168.${10 + n}.11/24`, tags: ['VMotion' as const] },
      { name: 'vmk2', address: `10.${11 + n}.12.5/24` },
    ],
    netstacks: [{ name: 'defaultTcpipStack', gateway: `172.${16 + n}.0.1` }],
    routes: [{ network: `10.${12 - n}.12.0/24`, gateway: `10.${11 + n}.12.1`, persisted: true }],
  });
  const subnets = (site: string, n: number) => [
    {
      site,
      network: `172.${16 + n}.0.0/24`,
      gateway: `172.${16 + n}.0.1`,
      purpose: 'management' as const,
    },
    { site, network: `192.168.${10 + n}.0/24`, gateway: null, purpose: 'vmotion' as const },
    {
      site,
      network: `10.${11 + n}.12.0/24`,
      gateway: `10.${11 + n}.12.1`,
      purpose: 'replication' as const,
    },
  ];
  const appliances = (site: string, n: number) => [
    { role: 'vcenter' as const, site, ip: `172.${16 + n}.0.10` },
    { role: 'vrs' as const, site, ip: `10.${11 + n}.12.20` },
    { role: 'vr-appliance' as const, site, ip: `172.${16 + n}.0.20` },
  ];
  return {
    hosts: [host('a', 0), host('b', 1)],
    topology: {
      subnets: [...subnets('a', 0), ...subnets('b', 1)],
      hosts: [
        { name: 'esx-a-01', site: 'a' },
        { name: 'esx-b-01', site: 'b' },
      ],
      appliances: [...appliances('a', 0), ...appliances('b', 1)],
      replication: [{ from: 'a', to: 'b' }],
      toCloud: true,
    },
  };
}

export function cloudWorldSetupOf(p: CloudWorldScope): CloudWorldSetup {
  return {
    replication: {
      version: '5.5',
      hosts: ['esx-a-01'],
      vrs: 'vrs-b',
      vms: [
        {
          name: 'vm-1',
          host: 'esx-a-01',
          poweredOn: true,
          disks: [{ id: 'disk-0', uuid: 'u-1', sizeBlocks: 1 }],
        },
      ],
      chunkBlocks: 1,
    },
    ...layout(),
    bandwidth: 1,
    toCloud: true,
    tunnel: {
      provider: {
        balancer: 'L4',
        vip: 'cloud.example.com',
        balancerCertificate: null,
        proxies: [
          {
            name: 'cp-1',
            host: 'cp-1.provider.internal',
            reverseFqdn: 'cp-1.example.com',
            certificate: { thumbprint: 'tp-cp-1', cn: '*.example.com', sans: [] },
          },
        ],
        names: [
          { fqdn: 'cloud.example.com', proxy: null },
          { fqdn: 'cp-1.example.com', proxy: 'cp-1' },
        ],
        tlsBox: p.tlsBox,
      },
      tenants: [{ name: 'tenant-a', vctaPorts: [10000, 10010], groups: ['g-a1'] }],
      hosts: [],
    },
    tenant: 'tenant-a',
    groups: { 'vm-1': 'g-a1' },
  };
}

const TO_CLOUD: readonly Kind[] = [
  'ApplianceBoot',
  'ConfigureReplication',
  'GuestWrite',
  'Tick',
  'RulesetSet',
  'ToCloudConnect',
  'LinkDrop',
];

export const CLOUD_WORLD_SCOPES: readonly Scope<CloudWorldScope>[] = [
  {
    name: 'default',
    description:
      'one VM with a 1-block disk on an ESXi 5.5 host replicating to the cloud (RPO 15 min) through one L4 proxy with its override and a wildcard certificate; the appliance push, writes, ticks of 16 minutes up to minute 32, the to-cloud ruleset off and on, the vCTA connecting to the cloud and its link dropping',
    params: { tlsBox: false, rpoMinutes: 15, ticks: [16], maxClock: 32, events: TO_CLOUD },
    outOfScope: ['C6-e2e-reach: stitched and delivered', 'C6-e2e-reach: not stitched'],
  },
  {
    name: 'tiny',
    description: 'the default scope with one tick of 16 minutes',
    params: { tlsBox: false, rpoMinutes: 15, ticks: [16], maxClock: 16, events: TO_CLOUD },
    pinned: 166,
    outOfScope: ['C6-e2e-reach: stitched and delivered', 'C6-e2e-reach: not stitched'],
  },
  {
    name: 'reprotect',
    description:
      'the same VM and provider: the appliance push, writes, one tick of 16 minutes, the to-the-cloud and control connections opened and the link dropped, failover to the cloud and reprotect from the cloud through the stitch',
    params: {
      tlsBox: false,
      rpoMinutes: 15,
      ticks: [16],
      maxClock: 16,
      events: [
        'ApplianceBoot',
        'ConfigureReplication',
        'GuestWrite',
        'Tick',
        'ToCloudConnect',
        'ControlConnect',
        'LinkDrop',
        'Failover',
        'ReprotectFromCloud',
      ],
      properties: ['C6-e2e'],
    },
  },
];

function eventsOf(p: CloudWorldScope): CloudWorldEvent[] {
  const out: CloudWorldEvent[] = [];
  for (const type of p.events) {
    switch (type) {
      case 'ApplianceBoot':
        out.push({ type });
        break;
      case 'ConfigureReplication':
        out.push({
          type,
          vm: 'vm-1',
          rpoMinutes: p.rpoMinutes,
          perDay: 0,
          days: 0,
          seed: false,
        });
        break;
      case 'GuestWrite':
        out.push({ type, vm: 'vm-1', disk: 'disk-0', block: 0 });
        break;
      case 'Tick':
        for (const minutes of p.ticks) out.push({ type, minutes });
        break;
      case 'RulesetSet':
        for (const enabled of [false, true])
          out.push({ type, host: 'esx-a-01', ruleset: TO_CLOUD_RULESET, enabled });
        break;
      case 'ToCloudConnect':
      case 'ControlConnect':
        out.push({ type, tenant: 'tenant-a', pick: 'cp-1' });
        break;
      case 'LinkDrop':
        out.push({ type, tenant: 'tenant-a' });
        break;
      case 'Failover':
        out.push({ type, vm: 'vm-1', pick: 0 });
        break;
      case 'ReprotectFromCloud':
        out.push({ type, vm: 'vm-1', pick: 'cp-1', reversePick: 'cp-1' });
        break;
      default:
        throw new Error(`explore: the cloud world scope offers no ${type} events`);
    }
  }
  return out;
}

const FILE = 'properties/tunnel/world-explore.ts';
const STATE_FIELDS = new Set(['setup', 'world', 'tunnel', 'reprotects']);

export function cloudWorldModel(
  scope: Scope<CloudWorldScope>,
  variant: Variant,
): StepModel<CloudWorldState, CloudWorldEvent, CView> {
  const p = scope.params;
  const setup = cloudWorldSetupOf(p);
  const all = eventsOf(p);
  // A failover ends the story, as in the world scopes: then only reprotect from the cloud.
  const afterFailover = all.filter((e) => e.type === 'ReprotectFromCloud');
  const beforeFailover = all.filter((e) => e.type !== 'ReprotectFromCloud');
  const { checks, twins } = selected(
    CLOUD_WORLD_PROPERTIES as readonly PropertyDef[],
    p.properties,
  );
  const canon = new Canon(null, true);
  const names = setup.replication.vms.map((v) => v.name);
  const hostNames = setup.hosts.map((h) => h.name);
  const start = initCloudWorld(setup, variant);
  let encoded = 0;
  return {
    setup,
    init: () => start,
    events: (x) => {
      if (Object.keys(x.world.recovered).length === 0) return beforeFailover;
      return x.reprotects === 0 ? afterFailover : [];
    },
    kind: (e) => e.type,
    kinds: [...new Set(all.map((e) => e.type))],
    next(x, e): Successor<CloudWorldState, CView> {
      const r = cloudWorldStep(x, e);
      const view: CView = {
        index: x.world.repl.tick + 1,
        event: e,
        before: x,
        after: r.state,
        emitted: r.emitted,
        tunnel: r.tunnel,
        ...(r.error ? { error: r.error } : {}),
      };
      // A refused tunnel event changes only the tunnel's event count; a refused world event
      // leaves the world as it was (the layer still makes a new state object).
      const stutter =
        (r.error !== undefined && TUNNEL_EVENTS.has(e.type)) ||
        (r.state.world === x.world &&
          r.state.tunnel === x.tunnel &&
          r.state.reprotects === x.reprotects);
      return { state: stutter ? x : r.state, view, stutter };
    },
    checks: checksOf<CView>(checks),
    goals: goalsOf<CView>(twins),
    within: (x) => x.world.repl.clock <= p.maxClock,
    encode(x, enc: Encoder): number {
      encoded++;
      const audit = encoded < 4096 || encoded % 997 === 0;
      if (audit) assertKnownFields('CloudWorldState', x, STATE_FIELDS, FILE);
      enc.reset();
      encodeWorld(enc, canon, x.world, names, hostNames, audit);
      encodeTunnel(enc, x.tunnel, audit);
      enc.push(x.reprotects);
      return 1;
    },
  };
}

export const CLOUD_WORLD_EXPLORE: SteppedArea<CloudWorldScope> = {
  kind: 'stepped',
  area: 'cloud-world',
  scopes: CLOUD_WORLD_SCOPES,
  model: (scope, variant) =>
    cloudWorldModel(scope, variant) as unknown as StepModel<unknown, unknown, unknown>,
};
