// Sites and intent: what each traffic class of each host should leave by (research-notes A1,
// B; seed 000 and 004). A flow pairs the query a host will route with what was intended.
import { CORRECT, has, type Variant } from '../variants.ts';
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
  /** Why that vmk is the intended one, in words ("vmk2 is tagged vSphereReplication"). */
  readonly because: string;
  /** vMotion and FVP: the peer host whose vmk is the destination. */
  readonly peer?: string;
}

/** A flow whose intended path cannot exist, so it cannot be judged: the check reports it. */
export interface IntentGap {
  readonly host: string;
  readonly class: TrafficClass;
  readonly dstName: string;
  readonly reason: string;
}

/** The esxcli tag that binds a class to a vmk, where one exists (research-notes B). */
export const CLASS_TAG: Partial<Record<TrafficClass, Tag>> = {
  vmotion: 'VMotion',
  replication: 'vSphereReplication',
  nfc: 'vSphereReplicationNFC',
};

/**
 * True iff the tag binds its service to a vmk on this version: the VMotion tag on every
 * version modelled (seed 004 tags vMotion vmks on 5.5), the replication tags from 6.0 (seed
 * 000's readers: "your entire environment has to be on 6.x"; research-notes B).
 */
export function tagBinds(version: NetHost['version'], tag: Tag): boolean {
  return tag === 'VMotion' || version !== '5.5';
}

/**
 * True iff a tag on this vmk takes effect: it binds on the version, and, for service tags
 * other than VMotion and vSphereProvisioning, the vmk is on defaultTcpipStack. vSphere
 * Replication cannot be enabled on a custom TCP/IP stack (research-notes B, "Services live on
 * the default stack only"; invariant N8). The defect `replication-on-custom-stack` lifts that.
 */
export function tagTakesEffect(h: NetHost, v: Vmk, tag: Tag, variant: Variant = CORRECT): boolean {
  if (!v.tags.includes(tag) || !tagBinds(h.version, tag)) return false;
  if (tag === 'VMotion' || tag === 'vSphereProvisioning') return true;
  return v.netstack === DEFAULT_STACK || has(variant, 'replication-on-custom-stack');
}

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

const siteMaps = new WeakMap<Topology, ReadonlyMap<string, string>>();

/** Each host's site, by name (the last entry wins where a topology lists a host twice). */
function sitesOf(t: Topology): ReadonlyMap<string, string> {
  let m = siteMaps.get(t);
  if (!m) {
    m = new Map(t.hosts.map((h) => [h.name, h.site]));
    siteMaps.set(t, m);
  }
  return m;
}

/** The subnet of the topology that holds an address. */
export function subnetOf(t: Topology, ip: Ip): { network: Prefix; gateway: Ip | null } | undefined {
  const hits = nets(t).filter((n) => contains(n.prefix, ip));
  hits.sort((a, b) => b.prefix.len - a.prefix.len);
  const n = hits[0];
  return n ? { network: n.prefix, gateway: n.gateway } : undefined;
}

/** The vmks in creation order: the list itself when it is in that order already, as it usually is. */
function inOrder(vmks: readonly Vmk[]): readonly Vmk[] {
  for (let i = 1; i < vmks.length; i++)
    if ((vmks[i] as Vmk).order < (vmks[i - 1] as Vmk).order)
      return [...vmks].sort((a, b) => a.order - b.order);
  return vmks;
}

/** The intended vmk of a class on a host, and why; undefined when the host has none. */
interface Choice {
  readonly vmk: Vmk;
  readonly because: string;
}

/** Intended vmks already chosen, per topology and host state (both immutable). */
const chosenBy = new WeakMap<Topology, WeakMap<NetHost, Map<string, Choice | undefined>>>();

/**
 * What one intentOf call works with: the topology, its subnets, the choices kept for it, the
 * question asked, and the flows and gaps found so far. The helpers below take it instead of
 * being closures of intentOf, which a call would otherwise create anew.
 */
interface Intent {
  readonly t: Topology;
  readonly all: readonly Net[];
  readonly chosen: WeakMap<NetHost, Map<string, Choice | undefined>>;
  readonly only: IntentQuestion | undefined;
  /** One class of one host, not vMotion's or FVP's: each purpose is asked once. */
  readonly single: boolean;
  readonly variant: Variant;
  readonly flows: Flow[];
  readonly gaps: IntentGap[];
}

interface IntentQuestion {
  readonly host: string;
  readonly class?: TrafficClass;
  /** Only the vMotion and FVP flows toward this peer host. */
  readonly to?: string;
}

/** The subnet of the site and purpose that holds the vmk's address. */
function inPurpose(all: readonly Net[], site: string, purpose: Purpose, v: Vmk): Net | undefined {
  return all.find(
    (n) => n.spec.site === site && n.spec.purpose === purpose && contains(n.prefix, v.ip),
  );
}

// The vmk meant for a purpose. A tag expresses the admin's intent wherever the version has
// it, even when the vmk's subnet has no declared purpose (and even on a netstack where the
// tag takes no effect: that is a finding, N8); a vmk where the tag takes effect comes first.
// Else the first created vmk in the purpose's subnet.
function vmkFor(
  x: Intent,
  h: NetHost,
  site: string,
  purpose: Purpose,
  tag?: Tag,
): Choice | undefined {
  // The same host state, site, purpose and variant always give the same vmk: kept, since a
  // site's vMotion mesh asks about every peer once per host. A question about one host's
  // flows of one other class asks each purpose once: nothing to keep.
  if (x.single) return choose(x, h, site, purpose, tag);
  const key = `${x.variant.name}|${site}|${purpose}|${tag ?? ''}`;
  let known = x.chosen.get(h);
  if (!known) {
    known = new Map();
    x.chosen.set(h, known);
  }
  if (known.has(key)) return known.get(key);
  const c = choose(x, h, site, purpose, tag);
  known.set(key, c);
  return c;
}

function choose(
  x: Intent,
  h: NetHost,
  site: string,
  purpose: Purpose,
  tag?: Tag,
): Choice | undefined {
  const byOrder = inOrder(h.vmks);
  if (tag !== undefined && tagBinds(h.version, tag)) {
    const tagged = byOrder.filter((v) => v.tags.includes(tag));
    const v =
      tagged.find((c) => tagTakesEffect(h, c, tag, x.variant)) ?? (tagged[0] as Vmk | undefined);
    if (v) return { vmk: v, because: `${v.name} is tagged ${tag}` };
  }
  for (const v of byOrder) {
    const net = inPurpose(x.all, site, purpose, v);
    if (net)
      return { vmk: v, because: `${v.name} is in the ${purpose} subnet ${net.spec.network}` };
  }
  return undefined;
}

function appliance(
  t: Topology,
  role: string,
  site: string,
): Topology['appliances'][number] | undefined {
  return t.appliances.find((a) => a.role === role && a.site === site);
}

/**
 * The gateway meant for a vmk: its own subnet's, as the topology declares it (the host's site
 * first, then any site).
 */
function gatewayOf(
  all: readonly Net[],
  site: string,
  v: Vmk,
): { known: boolean; gateway: Ip | null } {
  const hits = all
    .filter((n) => contains(n.prefix, v.ip))
    .sort(
      (a, b) =>
        Number(b.spec.site === site) - Number(a.spec.site === site) || b.prefix.len - a.prefix.len,
    );
  const n = hits[0];
  return n ? { known: true, gateway: n.gateway } : { known: false, gateway: null };
}

/** The flow of a class from host h at `site` through `via`, or the gap that stops it. */
function add(
  x: Intent,
  h: NetHost,
  site: string,
  cls: TrafficClass,
  port: string,
  dst: Ip,
  dstName: string,
  via: Choice | undefined,
  peer?: string,
): void {
  // A class left out by `only` is filtered out at the end anyway: no need to work it out.
  if (!via || (x.only?.class !== undefined && x.only.class !== cls)) return;
  const pinned = cls === 'fvp';
  const v = via.vmk;
  const tag = CLASS_TAG[cls];
  const bound = pinned || (tag !== undefined && tagTakesEffect(h, v, tag, x.variant));
  // An intended path always exists: a destination on the vmk's own subnet is reached
  // directly (whatever the topology's subnet says), anything else through the gateway of
  // the vmk's subnet, which must then be known.
  let nextHop: Ip | null = null;
  if (!contains(prefix(v.ip, v.len), dst)) {
    const g = gatewayOf(x.all, site, v);
    if (!g.known || g.gateway === null) {
      x.gaps.push({
        host: h.name,
        class: cls,
        dstName,
        reason: g.known
          ? `${dstName} is not on ${v.name}'s subnet ${formatIp(prefix(v.ip, v.len).addr)}/${v.len}, and topology.json gives that subnet no gateway (null): no path from ${v.name} can reach it`
          : `${dstName} is not on ${v.name}'s subnet ${formatIp(prefix(v.ip, v.len).addr)}/${v.len}, and no topology.json subnet holds ${formatIp(v.ip)}, so its gateway is unknown: add the subnet with its gateway`,
      });
      return;
    }
    nextHop = g.gateway;
  }
  x.flows.push({
    class: cls,
    host: h.name,
    port,
    dst,
    dstName,
    // Replication and NFC run on the default stack whatever vmk they are meant for (N8).
    netstack: bound ? v.netstack : DEFAULT_STACK,
    bound: bound ? v.name : null,
    intended: { vmk: v.name, nextHop },
    because: via.because,
    ...(peer ? { peer } : {}),
  });
}

/** A class with no vmk of its own uses another's, and says so. */
function fallback(c: Choice | undefined, what: string, instead: string): Choice | undefined {
  return (
    c && {
      vmk: c.vmk,
      because: `${what} has no vmk of its own, so it uses ${instead}'s: ${c.because}`,
    }
  );
}

/** Every host's flows, class by class, and the flows whose intended path cannot exist. */
export function intentOf(
  t: Topology,
  hosts: Readonly<Record<string, NetHost>>,
  only?: IntentQuestion,
  variant: Variant = CORRECT,
): { flows: Flow[]; gaps: IntentGap[] } {
  let chosen = chosenBy.get(t);
  if (!chosen) {
    chosen = new WeakMap();
    chosenBy.set(t, chosen);
  }
  const x: Intent = {
    t,
    all: nets(t),
    chosen,
    only,
    single:
      only?.class !== undefined && only.class !== 'vmotion' && only.class !== 'fvp' && !only.to,
    variant,
    flows: [],
    gaps: [],
  };
  const which = only ? t.hosts.filter((th) => th.name === only.host) : t.hosts;
  for (const th of which) {
    const h = hosts[th.name];
    if (!h) continue;
    const site = th.site;
    const mgmt = vmkFor(x, h, site, 'management');
    const vc = appliance(t, 'vcenter', site);
    if (vc && !only?.to) {
      add(x, h, site, 'management', 'TCP 443, 902', parseIp(vc.ip), `vCenter ${vc.ip}`, mgmt);
      // The vib download goes host -> vCenter:80 reverse proxy (research-notes A1, D).
      add(x, h, site, 'vib-download', 'TCP 80', parseIp(vc.ip), `vCenter ${vc.ip}`, mgmt);
    }
    // Replication leaves the replication vmk if the site has one, else management (seed 001).
    const repl =
      vmkFor(x, h, site, 'replication', 'vSphereReplication') ??
      fallback(mgmt, 'replication', 'management');
    for (const r of t.replication.filter((d) => d.from === site && !only?.to)) {
      const vrs = appliance(t, 'vrs', r.to);
      if (vrs)
        add(x, h, site, 'replication', 'TCP 31031, 44046', parseIp(vrs.ip), `VRS ${vrs.ip}`, repl);
    }
    for (const r of t.replication.filter((d) => d.to === site && !only?.to)) {
      const vrs = appliance(t, 'vrs', r.to);
      const nfc =
        vmkFor(x, h, site, 'nfc', 'vSphereReplicationNFC') ?? fallback(repl, 'NFC', 'replication');
      if (vrs) add(x, h, site, 'nfc', 'TCP 902', parseIp(vrs.ip), `VRS ${vrs.ip}`, nfc);
    }
    const app = appliance(t, 'vr-appliance', site);
    if (t.toCloud && app && !only?.to)
      add(
        x,
        h,
        site,
        'to-cloud',
        'TCP 10000-10010',
        parseIp(app.ip),
        `VR appliance ${app.ip}`,
        mgmt,
      );
    if (only?.class && only.class !== 'vmotion' && only.class !== 'fvp') continue;
    const peers = t.hosts.filter(
      (p) => p.site === site && p.name !== h.name && (!only?.to || p.name === only.to),
    );
    const own = peers.length > 0 ? vmkFor(x, h, site, 'vmotion', 'VMotion') : undefined;
    for (const peer of peers) {
      const ph = hosts[peer.name];
      if (!ph) continue;
      const theirs = vmkFor(x, ph, sitesOf(t).get(peer.name) ?? site, 'vmotion', 'VMotion');
      if (own && theirs)
        add(
          x,
          h,
          site,
          'vmotion',
          'TCP 8000',
          theirs.vmk.ip,
          `${peer.name} ${theirs.vmk.name} ${formatIp(theirs.vmk.ip)}`,
          own,
          peer.name,
        );
      const pin = t.fvp?.[h.name];
      const peerPin = t.fvp?.[peer.name];
      const pv = pin ? h.vmks.find((v) => v.name === pin) : undefined;
      const ppv = peerPin ? ph.vmks.find((v) => v.name === peerPin) : undefined;
      if (pv && ppv) {
        add(
          x,
          h,
          site,
          'fvp',
          'FVP peer',
          ppv.ip,
          `${peer.name} ${ppv.name} ${formatIp(ppv.ip)}`,
          { vmk: pv, because: `FVP is pinned to ${pv.name} (topology.json fvp)` },
          peer.name,
        );
      }
    }
  }
  const cls = only?.class;
  if (!cls) return { flows: x.flows, gaps: x.gaps };
  return {
    flows: x.flows.filter((f) => f.class === cls),
    gaps: x.gaps.filter((g) => g.class === cls),
  };
}

/**
 * Every host's flows, class by class. `only` narrows the work to one host's flows of one class
 * (the world asks for a single host's replication flow every time the hosts change); the flows
 * it returns are the same as the matching ones of the whole list.
 */
export function flowsOf(
  t: Topology,
  hosts: Readonly<Record<string, NetHost>>,
  only?: { readonly host: string; readonly class?: TrafficClass; readonly to?: string },
  variant: Variant = CORRECT,
): Flow[] {
  return intentOf(t, hosts, only, variant).flows;
}
