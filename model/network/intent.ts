// Sites and intent: what each traffic class of each host should leave by (research-notes A1,
// B; seed 000 and 004). A flow pairs the query a host will route with what was intended.
import { contains, formatIp, type Ip, type Prefix, parseIp, parsePrefix, prefix } from './ipv4.ts';
import { DEFAULT_STACK, type NetHost, type Tag, type Vmk } from './types.ts';

export type Purpose = 'management' | 'vmotion' | 'replication' | 'nfc' | 'fvp' | 'appliance';

export interface SubnetSpec {
  readonly site: string;
  readonly network: string;
  /** The designated gateway, or null for a non-routable VLAN. */
  readonly gateway: string | null;
  readonly purpose: Purpose;
}

export interface Topology {
  readonly subnets: readonly SubnetSpec[];
  readonly hosts: readonly { readonly name: string; readonly site: string }[];
  readonly appliances: readonly {
    readonly role: 'vcenter' | 'vrs' | 'vr-appliance';
    readonly site: string;
    readonly ip: string;
  }[];
  /** Hosts at `from` replicate to the VRS at `to` (reversed by reprotect). */
  readonly replication: readonly { readonly from: string; readonly to: string }[];
  /** FVP peer traffic pinned to one vmk per host (seed 004). */
  readonly fvp?: Readonly<Record<string, string>>;
  /** To-the-cloud replication through the local VR appliance (seed 003). */
  readonly toCloud?: boolean;
}

export const TRAFFIC_CLASSES = [
  'management',
  'vmotion',
  'replication',
  'nfc',
  'fvp',
  'to-cloud',
  'vib-download',
] as const;
export type TrafficClass = (typeof TRAFFIC_CLASSES)[number];

export interface Flow {
  readonly class: TrafficClass;
  readonly host: string;
  readonly port: string;
  readonly dst: Ip;
  readonly dstName: string;
  readonly netstack: string;
  readonly bound: string | null;
  readonly intended: { readonly vmk: string; readonly nextHop: Ip | null };
}

/** The esxcli tag that binds a class to a vmk, where one exists (6.x; research-notes B). */
const CLASS_TAG: Partial<Record<TrafficClass, Tag>> = {
  vmotion: 'VMotion',
  replication: 'vSphereReplication',
  nfc: 'vSphereReplicationNFC',
};

interface Net {
  readonly spec: SubnetSpec;
  readonly prefix: Prefix;
  readonly gateway: Ip | null;
}

/** Parsed once per topology (topologies are immutable): the world asks for flows often. */
const parsed = new WeakMap<Topology, readonly Net[]>();

function nets(t: Topology): readonly Net[] {
  const known = parsed.get(t);
  if (known) return known;
  const made = t.subnets.map((spec) => ({
    spec,
    prefix: parsePrefix(spec.network),
    gateway: spec.gateway === null ? null : parseIp(spec.gateway),
  }));
  parsed.set(t, made);
  return made;
}

/** The subnet of the topology that holds an address. */
export function subnetOf(t: Topology, ip: Ip): { network: Prefix; gateway: Ip | null } | undefined {
  const hits = nets(t).filter((n) => contains(n.prefix, ip));
  hits.sort((a, b) => b.prefix.len - a.prefix.len);
  const n = hits[0];
  return n ? { network: n.prefix, gateway: n.gateway } : undefined;
}

function tagsBind(h: NetHost): boolean {
  return h.version !== '5.5';
}

/**
 * Every host's flows, class by class. `only` narrows the work to one host's flows of one class
 * (the world asks for a single host's replication flow every time the hosts change); the flows
 * it returns are the same as the matching ones of the whole list.
 */
export function flowsOf(
  t: Topology,
  hosts: Readonly<Record<string, NetHost>>,
  only?: { readonly host: string; readonly class: TrafficClass },
): Flow[] {
  const all = nets(t);
  const out: Flow[] = [];
  const siteOf = new Map(t.hosts.map((h) => [h.name, h.site]));
  // The vmk meant for a purpose: the one tagged for it where tags bind (6.x), else the first
  // created in the purpose's subnet.
  const vmkFor = (
    h: NetHost,
    site: string,
    purpose: Purpose,
    tag?: Tag,
  ): { vmk: Vmk; net: Net } | undefined => {
    const tagged = (v: Vmk) => (tag !== undefined && tagsBind(h) && v.tags.includes(tag) ? 0 : 1);
    for (const v of [...h.vmks].sort((a, b) => tagged(a) - tagged(b) || a.order - b.order)) {
      const net = all.find(
        (n) => n.spec.site === site && n.spec.purpose === purpose && contains(n.prefix, v.ip),
      );
      if (net) return { vmk: v, net };
    }
    return undefined;
  };
  const appliance = (role: string, site: string) =>
    t.appliances.find((a) => a.role === role && a.site === site);
  for (const th of t.hosts) {
    const h = hosts[th.name];
    if (!h || (only && th.name !== only.host)) continue;
    const site = th.site;
    const add = (
      cls: TrafficClass,
      port: string,
      dst: Ip,
      dstName: string,
      via: { vmk: Vmk; net: Net } | undefined,
      pinned?: boolean,
    ) => {
      if (!via) return;
      const tag = CLASS_TAG[cls];
      const bound =
        pinned || (tag !== undefined && tagsBind(h) && via.vmk.tags.includes(tag))
          ? via.vmk.name
          : null;
      out.push({
        class: cls,
        host: h.name,
        port,
        dst,
        dstName,
        netstack: bound ? via.vmk.netstack : DEFAULT_STACK,
        bound,
        intended: {
          vmk: via.vmk.name,
          nextHop: contains(via.net.prefix, dst) ? null : via.net.gateway,
        },
      });
    };
    const mgmt = vmkFor(h, site, 'management');
    const vc = appliance('vcenter', site);
    if (vc) {
      add('management', 'TCP 443, 902', parseIp(vc.ip), `vCenter ${vc.ip}`, mgmt);
      // The vib download goes host -> vCenter:80 reverse proxy (research-notes A1, D).
      add('vib-download', 'TCP 80', parseIp(vc.ip), `vCenter ${vc.ip}`, mgmt);
    }
    // Replication leaves the replication vmk if the site has one, else management (seed 001).
    const repl = vmkFor(h, site, 'replication', 'vSphereReplication') ?? mgmt;
    for (const r of t.replication.filter((x) => x.from === site)) {
      const vrs = appliance('vrs', r.to);
      if (vrs) add('replication', 'TCP 31031, 44046', parseIp(vrs.ip), `VRS ${vrs.ip}`, repl);
    }
    for (const r of t.replication.filter((x) => x.to === site)) {
      const vrs = appliance('vrs', r.to);
      const nfc = vmkFor(h, site, 'nfc', 'vSphereReplicationNFC') ?? repl;
      if (vrs) add('nfc', 'TCP 902', parseIp(vrs.ip), `VRS ${vrs.ip}`, nfc);
    }
    const app = appliance('vr-appliance', site);
    if (t.toCloud && app)
      add('to-cloud', 'TCP 10000-10010', parseIp(app.ip), `VR appliance ${app.ip}`, mgmt);
    if (only && only.class !== 'vmotion' && only.class !== 'fvp') continue;
    for (const peer of t.hosts.filter((p) => p.site === site && p.name !== h.name)) {
      const ph = hosts[peer.name];
      if (!ph) continue;
      const own = vmkFor(h, site, 'vmotion', 'VMotion');
      const theirs = vmkFor(ph, siteOf.get(peer.name) ?? site, 'vmotion', 'VMotion');
      if (own && theirs)
        add(
          'vmotion',
          'TCP 8000',
          theirs.vmk.ip,
          `${peer.name} ${theirs.vmk.name} ${formatIp(theirs.vmk.ip)}`,
          own,
        );
      const pin = t.fvp?.[h.name];
      const peerPin = t.fvp?.[peer.name];
      const pv = pin ? h.vmks.find((v) => v.name === pin) : undefined;
      const ppv = peerPin ? ph.vmks.find((v) => v.name === peerPin) : undefined;
      if (pv && ppv) {
        const net = {
          spec: { site, network: '', gateway: null, purpose: 'fvp' as const },
          prefix: prefix(pv.ip, pv.len),
          gateway: null,
        };
        add(
          'fvp',
          'FVP peer',
          ppv.ip,
          `${peer.name} ${ppv.name} ${formatIp(ppv.ip)}`,
          { vmk: pv, net },
          true,
        );
      }
    }
  }
  return only ? out.filter((f) => f.class === only.class) : out;
}
