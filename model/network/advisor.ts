// The advisor: for every flow of every host, compare the decision with the intent, and say
// what goes wrong (N2-N5) with the concrete flow and a fix as esxcli commands.
import { has, type Variant } from '../variants.ts';
import { netStep } from './host.ts';
import { type Flow, flowsOf, subnetOf, type Topology, type TrafficClass } from './intent.ts';
import { formatIp, formatPrefix, type Ip, prefix, samePrefix } from './ipv4.ts';
import { type LookupResult, lookup } from './lookup.ts';
import { DEFAULT_STACK, type NetEvent, type NetHost, type Tag } from './types.ts';

export type NetInvariant = 'N2' | 'N3' | 'N4' | 'N5';

export interface Fix {
  /** What to type, in order. Empty when no esxcli change can fix it (the reason says why). */
  readonly commands: readonly string[];
  /** The same change as model events, so the fix can be checked by applying it. */
  readonly events: readonly NetEvent[];
  readonly note?: string;
}

export interface Finding {
  readonly invariant: NetInvariant;
  readonly host: string;
  readonly flow: Flow;
  readonly decision: LookupResult;
  readonly message: string;
  readonly fix: Fix;
}

const CLASS_TAG: Partial<Record<TrafficClass, Tag>> = {
  vmotion: 'VMotion',
  replication: 'vSphereReplication',
  nfc: 'vSphereReplicationNFC',
};

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

function sameDecision(a: LookupResult, b: LookupResult): boolean {
  if (a.ok !== b.ok) return false;
  if (!a.ok || !b.ok) return true;
  return a.egress === b.egress && a.nextHop === b.nextHop && a.route.netstack === b.route.netstack;
}

const ns = (n: string) => (n === DEFAULT_STACK ? '' : ` --netstack ${n}`);

function routeCommands(h: NetHost, netstack: string, network: string, gateway: string): string[] {
  const cmd = `esxcli network ip route ipv4 add${ns(netstack)} --gateway ${gateway} --network ${network}`;
  // Seed 000: on hosts that lose esxcli routes at reboot, the same line goes into local.sh.
  return h.persistence === 'local.sh'
    ? [cmd, `add before 'exit 0' in /etc/rc.local.d/local.sh: ${cmd}`]
    : [cmd];
}

/** A static route to the destination's subnet via the intended gateway, in the flow's stack. */
function routeFix(h: NetHost, f: Flow, t: Topology): Fix | null {
  const gw = f.intended.nextHop;
  if (gw === null) return null;
  const target = subnetOf(t, f.dst)?.network ?? prefix(f.dst, 32);
  const network = formatPrefix(target);
  const existing = h.routes.find((r) => r.netstack === f.netstack && samePrefix(r.network, target));
  if (existing && existing.gateway === gw) {
    if (existing.persisted) return null;
    return {
      commands: [
        `add before 'exit 0' in /etc/rc.local.d/local.sh: esxcli network ip route ipv4 add${ns(f.netstack)} --gateway ${formatIp(gw)} --network ${network}`,
      ],
      events: [{ type: 'RoutePersist', host: h.name, netstack: f.netstack, network }],
    };
  }
  const events: NetEvent[] = [];
  const commands: string[] = [];
  if (existing) {
    events.push({ type: 'RouteRemove', host: h.name, netstack: f.netstack, network });
    commands.push(
      `esxcli network ip route ipv4 remove${ns(f.netstack)} --gateway ${formatIp(existing.gateway)} --network ${network}`,
    );
  }
  events.push({
    type: 'RouteAdd',
    host: h.name,
    netstack: f.netstack,
    network,
    gateway: formatIp(gw),
    persist: true,
  });
  commands.push(...routeCommands(h, f.netstack, network, formatIp(gw)));
  return { commands, events };
}

/**
 * Seed 004's recommendation: give the service a stack of its own, so no other vmk shares its
 * subnet's table. The vmk is recreated on a new custom netstack (a vmk cannot move stacks).
 */
function netstackFix(h: NetHost, f: Flow, t: Topology): Fix | null {
  const v = h.vmks.find((x) => x.name === f.intended.vmk);
  if (!v) return null;
  const tag = CLASS_TAG[f.class];
  const bindable = f.bound !== null || (tag !== undefined && h.version !== '5.5');
  if (!bindable) return null;
  const stack = `${f.class}Stack`;
  if (v.netstack === stack) return null;
  const address = `${formatIp(v.ip)}/${v.len}`;
  const tags = tag && !v.tags.includes(tag) && f.bound === null ? [...v.tags, tag] : v.tags;
  const events: NetEvent[] = [];
  const commands: string[] = [];
  if (!h.netstacks.some((n) => n.name === stack)) {
    events.push({ type: 'NetstackAdd', host: h.name, netstack: stack });
    commands.push(`esxcli network ip netstack add -N ${stack}`);
  }
  events.push(
    { type: 'VmkRemove', host: h.name, vmk: v.name },
    { type: 'VmkAdd', host: h.name, vmk: v.name, address, netstack: stack, tags },
  );
  commands.push(
    `esxcli network ip interface remove -i ${v.name}`,
    `esxcli network ip interface add -i ${v.name} -p <portgroup of ${v.name}> -N ${stack}`,
    `esxcli network ip interface ipv4 set -i ${v.name} -t static -I ${formatIp(v.ip)} -N ${formatIp(prefix(0xffffffff, v.len).addr)}`,
    ...tags
      .filter((x) => !v.tags.includes(x))
      .map((x) => `esxcli network ip interface tag add -i ${v.name} -t ${x}`),
  );
  if (f.intended.nextHop !== null) {
    const target = subnetOf(t, f.dst)?.network ?? prefix(f.dst, 32);
    const network = formatPrefix(target);
    events.push({
      type: 'RouteAdd',
      host: h.name,
      netstack: stack,
      network,
      gateway: formatIp(f.intended.nextHop),
      persist: true,
    });
    commands.push(...routeCommands(h, stack, network, formatIp(f.intended.nextHop)));
  }
  if (h.refresh === 'restart') {
    // Seed 004: the routing interface may not change until the host restarts.
    events.push({ type: 'Reboot', host: h.name });
    commands.push('reboot (the routing interface follows vmk changes only after a restart)');
  }
  return { commands, events };
}

/** Re-tag the intended vmk so the service binds to it again (6.x; research-notes B). */
function tagFix(h: NetHost, f: Flow): Fix | null {
  const tag = CLASS_TAG[f.class];
  const v = h.vmks.find((x) => x.name === f.intended.vmk);
  if (!tag || !v || v.tags.includes(tag) || h.version === '5.5') return null;
  return {
    commands: [`esxcli network ip interface tag add -i ${v.name} -t ${tag}`],
    events: [{ type: 'TagAdd', host: h.name, vmk: v.name, tag }],
  };
}

function rebootFix(h: NetHost): Fix {
  return {
    commands: ['reboot (a vmk change has not reached the routing table yet)'],
    events: [{ type: 'Reboot', host: h.name }],
  };
}

const NO_FIX = (note: string): Fix => ({ commands: [], events: [], note });

interface Raw {
  readonly invariant: NetInvariant;
  readonly flow: Flow;
  readonly decision: LookupResult;
  readonly message: string;
  readonly candidates: readonly (Fix | null)[];
  readonly fallback: string;
}

const keyOf = (inv: string, f: Flow) => `${inv}|${f.host}|${f.class}|${f.dst}`;

function rawFindings(
  hosts: Readonly<Record<string, NetHost>>,
  t: Topology,
  variant: Variant,
): Raw[] {
  const out: Raw[] = [];
  for (const f of flowsOf(t, hosts)) {
    const h = hosts[f.host];
    if (!h) continue;
    const d = decide(h, f, variant);
    const what = describeFlow(h, f);
    const intended = `intended ${f.intended.vmk} ${via(f.intended.nextHop)}`;
    const push = (
      invariant: NetInvariant,
      message: string,
      candidates: (Fix | null)[],
      fallback: string,
    ) => out.push({ invariant, flow: f, decision: d, message, candidates, fallback });
    if (d.ok && d.route.netstack !== f.netstack) {
      push(
        'N5',
        `${what} uses the ${d.route.netstack} table though it runs on ${f.netstack}`,
        [routeFix(h, f, t)],
        'give the netstack its own route',
      );
    }
    if (f.bound && (!d.ok || d.egress !== f.bound)) {
      push(
        'N4',
        `${what} is pinned to ${f.bound} but ${describeDecision(d)}`,
        [netstackFix(h, f, t)],
        'give the service a dedicated subnet',
      );
    }
    if (!d.ok || d.egress !== f.intended.vmk || d.nextHop !== f.intended.nextHop) {
      push(
        'N2',
        `${what} ${describeDecision(d)}; ${intended}`,
        [tagFix(h, f), routeFix(h, f, t), netstackFix(h, f, t)],
        'give the service a dedicated subnet and vmk',
      );
      continue;
    }
    // N3: the decision must survive a reboot. The defect simulates it as if every route persisted.
    const sim: NetHost = has(variant, 'advisor-ignores-persistence')
      ? { ...h, persistence: 'esx.conf' }
      : h;
    const rebooted = netStep({ ...hosts, [h.name]: sim }, { type: 'Reboot', host: h.name }, variant)
      .hosts[h.name];
    if (!rebooted) continue;
    const after = decide(rebooted, f, variant);
    if (!sameDecision(d, after)) {
      const used = d.ok
        ? h.routes.find(
            (r) => r.netstack === d.route.netstack && samePrefix(r.network, d.route.network),
          )
        : undefined;
      push(
        'N3',
        `${what} ${describeDecision(d)} now but ${describeDecision(after)} after a reboot`,
        [used && !used.persisted ? routeFix(h, f, t) : null, rebootFix(h)],
        'persist the configuration',
      );
    }
  }
  return out;
}

/**
 * Every finding for every flow; empty means every flow goes where it is meant to. Each fix is
 * the first candidate that, applied to the model, removes its finding and adds none.
 */
export function advise(
  hosts: Readonly<Record<string, NetHost>>,
  t: Topology,
  variant: Variant,
): Finding[] {
  const raw = rawFindings(hosts, t, variant);
  const before = new Set(raw.map((r) => keyOf(r.invariant, r.flow)));
  return raw.map((r) => {
    let chosen: Fix | null = null;
    for (const c of r.candidates) {
      if (!c) continue;
      const applied = applyFix(hosts, c, variant);
      if (applied.error) continue;
      const after = rawFindings(applied.hosts, t, variant).map((x) => keyOf(x.invariant, x.flow));
      if (!after.includes(keyOf(r.invariant, r.flow)) && after.every((k) => before.has(k))) {
        chosen = c;
        break;
      }
    }
    return {
      invariant: r.invariant,
      host: r.flow.host,
      flow: r.flow,
      decision: r.decision,
      message: r.message,
      fix: chosen ?? NO_FIX(`no single esxcli change verified: ${r.fallback}`),
    };
  });
}

/** Applies a finding's fix to the hosts; errors in the fix are returned, not thrown. */
export function applyFix(
  hosts: Readonly<Record<string, NetHost>>,
  fix: Fix,
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
