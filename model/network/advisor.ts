// The advisor: for every flow of every host, compare the decision with the intent, and say
// what goes wrong (N2-N5, N8) with the concrete flow, why in an admin's words, and a fix as
// esxcli commands that was applied to the model and seen to remove the finding and add none.
import { has, type Variant } from '../variants.ts';
import { netStep } from './host.ts';
import {
  CLASS_TAG,
  type Flow,
  intentOf,
  subnetOf,
  type Topology,
  tagBinds,
  tagTakesEffect,
} from './intent.ts';
import { contains, formatIp, formatPrefix, type Ip, maskOf, type Prefix, prefix } from './ipv4.ts';
import { type LookupResult, lookup } from './lookup.ts';
import { DEFAULT_STACK, type NetEvent, type NetHost, type Tag, type Vmk } from './types.ts';

export type NetInvariant = 'N2' | 'N3' | 'N4' | 'N5' | 'N8';

/** Catalogue order, for listing the invariants one flow breaks. */
const ORDER: readonly NetInvariant[] = ['N2', 'N3', 'N4', 'N5', 'N8'];

/** A step of a fix that is not an esxcli command: printed as a labelled note after them. */
export type FixStep =
  /** Seed 000: the line goes into /etc/rc.local.d/local.sh before `exit 0`. */
  | { readonly kind: 'local.sh'; readonly line: string }
  /** A line adding a route this fix removes, to take out of local.sh if it is there. */
  | { readonly kind: 'local.sh-remove'; readonly line: string }
  /** Seed 004: the routing interface follows vmk changes only after a restart. */
  | { readonly kind: 'reboot'; readonly why: string };

export interface Fix {
  /** The esxcli commands to paste, in order; empty when none was verified (see note). */
  readonly commands: readonly string[];
  readonly steps: readonly FixStep[];
  /** What the fix interrupts, when it removes a vmk or restarts the host. */
  readonly disruption?: string;
  /** The same change as model events: what was applied to the model to verify it. */
  readonly events: readonly NetEvent[];
  /** Why no fix is offered, and what to do instead. */
  readonly note?: string;
}

export interface Finding {
  readonly host: string;
  readonly flow: Flow;
  readonly decision: LookupResult;
  /** Every invariant this flow breaks, in catalogue order. */
  readonly invariants: readonly NetInvariant[];
  /** What goes wrong, as an admin would say it. */
  readonly sentence: string;
  /** Why, one sentence each, from the decision's trace and the intent. */
  readonly why: readonly string[];
  /** The sentence, the reasons, and the invariant IDs in brackets at the end. */
  readonly message: string;
  readonly fix: Fix;
}

export function decide(h: NetHost, f: Flow, variant: Variant): LookupResult {
  return lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
}

function via(nextHop: Ip | null): string {
  return nextHop === null ? 'directly' : `via ${formatIp(nextHop)}`;
}

export function describeDecision(d: LookupResult): string {
  return d.ok ? `leaves ${d.egress} ${via(d.nextHop)}` : `has no route (${d.reason})`;
}

export function describeFlow(h: NetHost, f: Flow): string {
  const v = h.vmks.find((x) => x.name === f.intended.vmk);
  return `${f.class} from ${h.name} (${f.intended.vmk} ${v ? formatIp(v.ip) : '?'}) to ${f.dstName}`;
}

/** A next hop in words: "via the management gateway 172.16.0.1" where the topology names it. */
function hopText(t: Topology, nextHop: Ip | null): string {
  if (nextHop === null) return 'directly';
  const ip = formatIp(nextHop);
  const s = t.subnets.find((x) => x.gateway === ip);
  return s ? `via the ${s.purpose} gateway ${ip}` : `via ${ip}`;
}

function takes(t: Topology, d: LookupResult): string {
  return d.ok ? `leaves ${d.egress} ${hopText(t, d.nextHop)}` : 'has no route';
}

function sameDecision(a: LookupResult, b: LookupResult): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return true;
  return a.egress === b.egress && a.nextHop === b.nextHop && a.route.netstack === b.route.netstack;
}

const flowKey = (f: Flow) => `${f.host}|${f.class}|${f.dst}`;

// ---- esxcli text for each change: the one place the commands are spelt ----

const ns = (n: string) => (n === DEFAULT_STACK ? '' : ` --netstack ${n}`);
const maskText = (len: number) => formatIp(maskOf(len));

/** A value for the ESXi shell (busybox ash): quoted when it holds anything but safe characters. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(s) ? s : `"${s.replace(/(["\\$`])/g, '\\$1')}"`;
}

export const routeAddCommand = (netstack: string, network: string, gateway: string) =>
  `esxcli network ip route ipv4 add${ns(netstack)} --gateway ${gateway} --network ${network}`;

const routeRemoveCommand = (netstack: string, network: string, gateway: string) =>
  `esxcli network ip route ipv4 remove${ns(netstack)} --gateway ${gateway} --network ${network}`;

const tagAddCommand = (vmk: string, tag: Tag) =>
  `esxcli network ip interface tag add -i ${vmk} -t ${tag}`;

const ipv4SetCommand = (v: Vmk, gateway: Ip | null) =>
  `esxcli network ip interface ipv4 set -i ${v.name} -t static -I ${formatIp(v.ip)} -N ${maskText(v.len)}${gateway === null ? '' : ` -g ${formatIp(gateway)}`}`;

// ---- candidate fixes, least disruptive first ----

interface Builder {
  readonly commands: string[];
  readonly steps: FixStep[];
  readonly events: NetEvent[];
  disruption?: string;
}

const builder = (): Builder => ({ commands: [], steps: [], events: [] });

function routeChange(
  b: Builder,
  h: NetHost,
  netstack: string,
  target: Prefix,
  gateway: Ip,
): boolean {
  const network = formatPrefix(target);
  const existing = h.routes.find(
    (r) =>
      r.netstack === netstack && r.network.addr === target.addr && r.network.len === target.len,
  );
  if (existing?.gateway === gateway) return false;
  if (existing) {
    const old = routeRemoveCommand(netstack, network, formatIp(existing.gateway));
    b.events.push({ type: 'RouteRemove', host: h.name, netstack, network });
    b.commands.push(old);
    if (h.persistence === 'local.sh')
      b.steps.push({
        kind: 'local.sh-remove',
        line: routeAddCommand(netstack, network, formatIp(existing.gateway)),
      });
  }
  const add = routeAddCommand(netstack, network, formatIp(gateway));
  b.events.push({
    type: 'RouteAdd',
    host: h.name,
    netstack,
    network,
    gateway: formatIp(gateway),
    persist: true,
  });
  b.commands.push(add);
  // Seed 000: on hosts that lose esxcli routes at reboot, the same line goes into local.sh.
  if (h.persistence === 'local.sh') b.steps.push({ kind: 'local.sh', line: add });
  return true;
}

function done(b: Builder): Fix {
  return {
    commands: b.commands,
    steps: b.steps,
    ...(b.disruption ? { disruption: b.disruption } : {}),
    events: b.events,
  };
}

/** The tag the class needs on the intended vmk, if it lacks it and a tag would bind there. */
function missingTag(h: NetHost, f: Flow, v: Vmk, variant: Variant): Tag | null {
  const tag = CLASS_TAG[f.class];
  if (!tag || v.tags.includes(tag) || !tagBinds(h.version, tag)) return null;
  // A replication tag on another stack would take no effect (N8): never offered there.
  const on = { ...v, tags: [...v.tags, tag] };
  return tagTakesEffect(h, on, tag, variant) ? tag : null;
}

/** Re-tag the intended vmk so the service binds to it again (research-notes B). */
function tagFix(h: NetHost, f: Flow, v: Vmk, variant: Variant): Fix | null {
  const tag = missingTag(h, f, v, variant);
  if (!tag) return null;
  const b = builder();
  b.commands.push(tagAddCommand(v.name, tag));
  b.events.push({ type: 'TagAdd', host: h.name, vmk: v.name, tag });
  return done(b);
}

/** A static route in the flow's stack to the destination (`len` 32) or its declared subnet. */
function routeFix(h: NetHost, f: Flow, t: Topology, len: 'host' | 'subnet'): Fix | null {
  const gw = f.intended.nextHop;
  if (gw === null) return null;
  const declared = subnetOf(t, f.dst)?.network;
  const target = len === 'host' ? prefix(f.dst, 32) : declared;
  if (!target || (len === 'subnet' && target.len === 32)) return null;
  const b = builder();
  if (!routeChange(b, h, f.netstack, target, gw)) return null;
  return done(b);
}

/** Persist the route the flow uses now (seed 000's local.sh line). */
function persistFix(h: NetHost, d: LookupResult): Fix | null {
  if (!d.ok || d.route.kind !== 'static') return null;
  const r = h.routes.find(
    (x) =>
      x.netstack === d.route.netstack &&
      x.network.addr === d.route.network.addr &&
      x.network.len === d.route.network.len,
  );
  if (!r || r.persisted || h.persistence !== 'local.sh') return null;
  const network = formatPrefix(r.network);
  return {
    commands: [],
    steps: [{ kind: 'local.sh', line: routeAddCommand(r.netstack, network, formatIp(r.gateway)) }],
    events: [{ type: 'RoutePersist', host: h.name, netstack: r.netstack, network }],
  };
}

/** From 6.5 a vmk's own gateway serves the services bound to it (research-notes B). */
function gatewayFix(h: NetHost, f: Flow, v: Vmk, variant: Variant): Fix | null {
  const gw = f.intended.nextHop;
  if (gw === null || h.version === '5.5' || h.version === '6.0') return null;
  if (v.gateway === gw) return null;
  const tag = missingTag(h, f, v, variant);
  if (f.bound === null && !tag) return null;
  if (v.netstack !== f.netstack && f.bound === null) return null;
  const b = builder();
  if (tag) {
    b.commands.push(tagAddCommand(v.name, tag));
    b.events.push({ type: 'TagAdd', host: h.name, vmk: v.name, tag });
  }
  b.commands.push(ipv4SetCommand(v, gw));
  b.events.push({ type: 'GatewaySet', host: h.name, vmk: v.name, gateway: formatIp(gw) });
  return done(b);
}

/**
 * Seed 004's restart: the routing table follows vmk changes only after the host restarts, and
 * the layout it will rebuild is the right one.
 */
function rebootFix(h: NetHost): Fix | null {
  if (h.refresh !== 'restart') return null;
  return {
    commands: [],
    steps: [
      {
        kind: 'reboot',
        why: 'the routing table follows vmk changes only after a restart (seed 004)',
      },
    ],
    disruption: `restarts ${h.name}: evacuate its VMs first`,
    events: [{ type: 'Reboot', host: h.name }],
  };
}

/**
 * A vmk on another netstack cannot carry replication or NFC (N8), and a vmk cannot move
 * between stacks: re-create it on defaultTcpipStack with every tag it had, on the same
 * portgroup or distributed port (from `interface list`) and MTU, then give it its gateway or a
 * route. Only where the attachment is known, so that no command holds a placeholder. The
 * `interface add` options (-p portgroup, -s/-v distributed switch and port, -m MTU) are the
 * vSphere CLI reference's; research-notes has no sample of them.
 */
function recreateFix(h: NetHost, f: Flow, v: Vmk, variant: Variant): Fix | null {
  if (v.netstack === DEFAULT_STACK || f.netstack !== DEFAULT_STACK || !v.attach) return null;
  const a = v.attach;
  const where =
    a.portgroup !== null
      ? `-p ${shellWord(a.portgroup)}`
      : a.dvs !== null && a.dvport !== null
        ? `-s ${shellWord(a.dvs)} -v ${shellWord(a.dvport)}`
        : null;
  if (where === null) return null;
  const moved: Vmk = { ...v, netstack: DEFAULT_STACK };
  const tag = missingTag(h, f, moved, variant);
  const tags = tag ? [...v.tags, tag] : [...v.tags];
  const gw = f.intended.nextHop;
  const ownGateway = gw !== null && h.version !== '5.5' && h.version !== '6.0';
  const b = builder();
  b.events.push(
    { type: 'VmkRemove', host: h.name, vmk: v.name },
    {
      type: 'VmkAdd',
      host: h.name,
      vmk: v.name,
      address: `${formatIp(v.ip)}/${v.len}`,
      netstack: DEFAULT_STACK,
      tags,
      attach: a,
    },
  );
  b.commands.push(
    `esxcli network ip interface remove -i ${v.name}`,
    `esxcli network ip interface add -i ${v.name} ${where} -m ${a.mtu}`,
    ipv4SetCommand(v, ownGateway ? gw : null),
    ...tags.map((x) => tagAddCommand(v.name, x)),
  );
  if (ownGateway && gw !== null)
    b.events.push({ type: 'GatewaySet', host: h.name, vmk: v.name, gateway: formatIp(gw) });
  else if (gw !== null) routeChange(b, h, DEFAULT_STACK, prefix(f.dst, 32), gw);
  b.disruption = `removes ${v.name} from netstack ${v.netstack}: its traffic stops until it is added again`;
  if (h.refresh === 'restart') {
    b.steps.push({
      kind: 'reboot',
      why: 'the routing table follows vmk changes only after a restart (seed 004)',
    });
    b.events.push({ type: 'Reboot', host: h.name });
    b.disruption += `, and restarts ${h.name}: evacuate its VMs first`;
  }
  return done(b);
}

// ---- findings ----

interface Raw {
  readonly flow: Flow;
  readonly decision: LookupResult;
  readonly invariants: readonly NetInvariant[];
  readonly sentence: string;
  readonly why: readonly string[];
  readonly candidates: readonly (Fix | null)[];
  readonly note: string;
}

/** Why the intended vmk is not what the decision took, beyond the lookup's own reasons. */
function intentReasons(h: NetHost, f: Flow, v: Vmk | undefined, variant: Variant): string[] {
  const out: string[] = [];
  if (!v) return out;
  const tag = CLASS_TAG[f.class];
  if (
    tag &&
    v.tags.includes(tag) &&
    tagBinds(h.version, tag) &&
    !tagTakesEffect(h, v, tag, variant)
  ) {
    out.push(
      `${v.name} is on netstack ${v.netstack}, and ${tag} takes effect only on ${DEFAULT_STACK} vmks, so ${v.name} carries no ${f.class} (research-notes B)`,
    );
  } else if (v.netstack !== f.netstack) {
    out.push(
      `${v.name} is on netstack ${v.netstack}, and ${f.class} runs on ${f.netstack}, whose table cannot send through it`,
    );
  }
  if (v.gateway !== null && f.bound !== v.name && v.netstack === f.netstack) {
    out.push(
      `${v.name}'s own gateway ${formatIp(v.gateway)} serves only services bound to ${v.name}, and ${f.class} is not${tag ? `: ${v.name} has no ${tag} tag that takes effect` : ''}`,
    );
  }
  for (const r of h.routes) {
    if (r.netstack !== f.netstack && contains(r.network, f.dst))
      out.push(
        `the route to ${formatPrefix(r.network)} via ${formatIp(r.gateway)} is in the ${r.netstack} netstack; ${f.class} uses the ${f.netstack} one`,
      );
  }
  return out;
}

function noFixNote(h: NetHost, f: Flow, d: LookupResult): string {
  if (d.ok && d.nextHop === null && f.intended.nextHop === null && d.egress !== f.intended.vmk) {
    const v = h.vmks.find((x) => x.name === d.egress);
    const subnet = v ? formatPrefix(prefix(v.ip, v.len)) : 'that subnet';
    return `${d.egress} sends for ${subnet} because it was created first (KB 2010877), and no esxcli command changes that: give ${f.class} a subnet of its own with one vmk per host, or use ${d.egress} for it (seed 004)`;
  }
  return 'a tag, a static route and a per-vmk gateway were tried (research-notes B): none mends this flow without breaking another';
}

/** Each host state after a reboot, per variant: hosts are immutable, so it never changes. */
const rebootedOf = new WeakMap<NetHost, Map<string, NetHost>>();

/** The findings of the given flows, with their candidate fixes, least disruptive first. */
function rawOf(
  flows: readonly Flow[],
  hosts: Readonly<Record<string, NetHost>>,
  t: Topology,
  variant: Variant,
): Raw[] {
  const out: Raw[] = [];
  const afterReboot = (h: NetHost) => {
    const key = variant.name;
    const known = rebootedOf.get(h)?.get(key);
    if (known) return known;
    // N3: the decision must survive a reboot. The defect simulates it as if every route persisted.
    const sim: NetHost = has(variant, 'advisor-ignores-persistence')
      ? { ...h, persistence: 'esx.conf' }
      : h;
    const r = netStep({ [h.name]: sim }, { type: 'Reboot', host: h.name }, variant).hosts[h.name];
    if (r) rebootedOf.set(h, new Map([...(rebootedOf.get(h) ?? []), [key, r]]));
    return r;
  };
  for (const f of flows) {
    const h = hosts[f.host];
    if (!h) continue;
    const v = h.vmks.find((x) => x.name === f.intended.vmk);
    const d = decide(h, f, variant);
    const what = describeFlow(h, f);
    const inv: NetInvariant[] = [];
    const n2 = !d.ok || d.egress !== f.intended.vmk || d.nextHop !== f.intended.nextHop;
    if (n2) inv.push('N2');
    if (f.bound && (!d.ok || d.egress !== f.bound)) inv.push('N4');
    if (d.ok && d.route.netstack !== f.netstack) inv.push('N5');
    // N8: replication or NFC meant for a vmk whose tag takes no effect on its netstack.
    const tag = CLASS_TAG[f.class];
    if (
      (f.class === 'replication' || f.class === 'nfc') &&
      v &&
      tag &&
      v.tags.includes(tag) &&
      tagBinds(h.version, tag) &&
      !tagTakesEffect(h, v, tag, variant)
    )
      inv.push('N8');
    const intended = `${f.intended.vmk} ${hopText(t, f.intended.nextHop)}`;
    if (inv.length > 0) {
      const sentence = n2
        ? `${what} ${takes(t, d)}, not ${intended}`
        : `${what} ${takes(t, d)} using the ${d.ok ? d.route.netstack : '?'} table, though it runs on ${f.netstack}`;
      out.push({
        flow: f,
        decision: d,
        invariants: ORDER.filter((x) => inv.includes(x)),
        sentence,
        why: [...d.why, ...intentReasons(h, f, v, variant)],
        candidates: v
          ? [
              tagFix(h, f, v, variant),
              routeFix(h, f, t, 'host'),
              routeFix(h, f, t, 'subnet'),
              gatewayFix(h, f, v, variant),
              recreateFix(h, f, v, variant),
              rebootFix(h),
            ]
          : [],
        note: noFixNote(h, f, d),
      });
      continue;
    }
    // A host whose routes all come back and whose table follows vmk changes at once routes
    // the same after a reboot: nothing to simulate (every host read from esxcli output).
    const kept =
      h.persistence === 'esx.conf' ||
      has(variant, 'advisor-ignores-persistence') ||
      h.routes.every((x) => x.persisted);
    if (h.refresh === 'immediate' && kept) continue;
    const r = afterReboot(h);
    if (!r) continue;
    const after = decide(r, f, variant);
    if (!sameDecision(d, after)) {
      const used = d.ok
        ? h.routes.find(
            (x) =>
              x.netstack === d.route.netstack &&
              x.network.addr === d.route.network.addr &&
              x.network.len === d.route.network.len,
          )
        : undefined;
      const why =
        used && !used.persisted && h.persistence === 'local.sh'
          ? [
              `the route to ${formatPrefix(used.network)} via ${formatIp(used.gateway)} is not in /etc/rc.local.d/local.sh, so a reboot drops it (seed 000)`,
            ]
          : h.refresh === 'restart'
            ? [
                'the routing table follows vmk changes only after a restart (seed 004), and a restart changes it',
              ]
            : [];
      out.push({
        flow: f,
        decision: d,
        invariants: ['N3'],
        sentence: `${what} ${takes(t, d)} now, but ${takes(t, after)} after a reboot`,
        why: [...why, ...after.why.map((x) => `after a reboot ${x}`)],
        candidates: v
          ? [
              persistFix(h, d),
              routeFix(h, f, t, 'host'),
              gatewayFix(h, f, v, variant),
              rebootFix(h),
            ]
          : [persistFix(h, d), rebootFix(h)],
        note: 'persisting a route, a /32 host route, a per-vmk gateway and a restart were tried: none keeps this path after a reboot',
      });
    }
  }
  return out;
}

const pairs = (raws: readonly Raw[]) =>
  new Set(raws.flatMap((r) => r.invariants.map((i) => `${flowKey(r.flow)}|${i}`)));

/**
 * The flows a change on host `name` can alter: its own, and its peers' vMotion and FVP flows
 * whose destination is one of its vmks. Other flows do not read this host.
 */
function touching(
  t: Topology,
  hosts: Readonly<Record<string, NetHost>>,
  name: string,
  variant: Variant,
): Flow[] {
  const own = intentOf(t, hosts, { host: name }, variant).flows;
  const site = t.hosts.find((x) => x.name === name)?.site;
  const peers = t.hosts.filter((x) => x.site === site && x.name !== name);
  const theirs = peers.flatMap(
    (p) => intentOf(t, hosts, { host: p.name, to: name }, variant).flows,
  );
  return [...own, ...theirs];
}

/**
 * Every broken flow, once, with every invariant it breaks; empty means every flow goes where it
 * is meant to. Each fix is the first candidate, least disruptive first, that applied to the
 * model removes its finding and adds no other anywhere (a fix changes one host: the flows that
 * read that host are judged again).
 */
export function advise(
  hosts: Readonly<Record<string, NetHost>>,
  t: Topology,
  variant: Variant,
  /** The topology's flows on these hosts, where the caller has them already. */
  flows: readonly Flow[] = intentOf(t, hosts, undefined, variant).flows,
): Finding[] {
  const raw = rawOf(flows, hosts, t, variant);
  // What a change on a host can reach was judged above already: its flows, and its peers'
  // flows toward it.
  const beforeByHost = new Map<string, Set<string>>();
  const before = (name: string) => {
    let s = beforeByHost.get(name);
    if (!s) {
      s = pairs(raw.filter((r) => r.flow.host === name || r.flow.peer === name));
      beforeByHost.set(name, s);
    }
    return s;
  };
  return raw.map((r) => {
    let chosen: Fix | null = null;
    const own = flowKey(r.flow);
    for (const c of r.candidates) {
      if (!c) continue;
      const applied = applyFix(hosts, c, variant);
      if (applied.error) continue;
      const after = rawOf(
        touching(t, applied.hosts, r.flow.host, variant),
        applied.hosts,
        t,
        variant,
      );
      if (after.some((x) => flowKey(x.flow) === own)) continue;
      const was = before(r.flow.host);
      if (
        !has(variant, 'advisor-verifies-own-finding-only') &&
        [...pairs(after)].some((k) => !was.has(k))
      )
        continue;
      chosen = c;
      break;
    }
    const ids = r.invariants.join(', ');
    return {
      host: r.flow.host,
      flow: r.flow,
      decision: r.decision,
      invariants: r.invariants,
      sentence: r.sentence,
      why: r.why,
      message: `${r.sentence}${r.why.length ? `: ${r.why.join('; ')}` : ''} [${ids}]`,
      fix: chosen ?? { commands: [], steps: [], events: [], note: r.note },
    };
  });
}

/** Applies a finding's fix to the hosts; errors in the fix are returned, not thrown. */
export function applyFix(
  hosts: Readonly<Record<string, NetHost>>,
  fix: Pick<Fix, 'events'>,
  variant: Variant,
): { hosts: Readonly<Record<string, NetHost>>; error?: string } {
  let cur = hosts;
  for (const e of fix.events) {
    const r = netStep(cur, e, variant);
    if (r.error) return { hosts: cur, error: r.error };
    cur = r.hosts;
  }
  return { hosts: cur };
}
