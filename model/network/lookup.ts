// Route lookup (N1): which vmk and next hop a flow leaves by, and why.
import { has, type Variant } from '../variants.ts';
import { contains, formatIp, formatPrefix, type Ip, maskOf, type Prefix, prefix } from './ipv4.ts';
import { type Connected, DEFAULT_STACK, type NetHost } from './types.ts';

export type RouteKind = 'connected' | 'static' | 'default' | 'vmk-gateway';

export interface Decision {
  readonly ok: true;
  readonly host: string;
  readonly netstack: string;
  readonly dst: Ip;
  /** The route that matched, and the netstack whose table it came from. */
  readonly route: { readonly kind: RouteKind; readonly network: Prefix; readonly netstack: string };
  readonly egress: string;
  /** null: the destination is on the egress vmk's subnet (delivered directly). */
  readonly nextHop: Ip | null;
  readonly source: Ip;
  readonly trace: readonly string[];
  /** Why, in an admin's words: the routes skipped and the rule that chose, one sentence each. */
  readonly why: readonly string[];
}

export interface NoRoute {
  readonly ok: false;
  readonly host: string;
  readonly netstack: string;
  readonly dst: Ip;
  readonly reason: string;
  readonly trace: readonly string[];
  readonly why: readonly string[];
}

export type LookupResult = Decision | NoRoute;

export interface FlowQuery {
  readonly netstack: string;
  readonly dst: Ip;
  /** The vmk a service is bound to (a tag, FVP's pinned network), if any. */
  readonly bound?: string | null;
}

interface Candidate {
  readonly kind: RouteKind;
  readonly network: Prefix;
  readonly netstack: string;
  readonly gateway: Ip | null;
  /** Connected candidates only: the owner in the stack's table. */
  readonly vmk?: string;
  /** Position in the stack's table, used only by the first-match defect. */
  readonly pos: number;
}

/** The subnet's broadcast address, or null where it has none (/31 and /32, RFC 3021). */
export function broadcastOf(p: Prefix): Ip | null {
  return p.len >= 31 ? null : (p.addr | (~maskOf(p.len) >>> 0)) >>> 0;
}

/** The connected subnets that hold `ip`, longest first, and how many tie at that length. */
function holders(table: readonly Connected[], ip: Ip): Connected[] {
  const matches = table.filter((c) => contains(c.network, ip));
  if (matches.length === 0) return [];
  const best = Math.max(...matches.map((c) => c.network.len));
  return matches.filter((c) => c.network.len === best);
}

/** The number in a vmk's name (vmk2 -> 2), 0 if none. */
function vmkNumber(name: string): number {
  return Number(name.replace(/\D/g, '')) || 0;
}

function owner(table: readonly Connected[], ip: Ip, variant: Variant): Connected | undefined {
  const tied = holders(table, ip);
  if (tied.length === 0) return undefined;
  // KB 2010877 / 429518: one vmk sends for a shared subnet, the first created; lowest number
  // breaks a tie (research-notes B). The table is kept in creation order, and a stale table
  // (seed 004) keeps the order it was built with, even for a vmk since removed.
  const sorted = [...tied].sort(
    (a, b) => table.indexOf(a) - table.indexOf(b) || vmkNumber(a.vmk) - vmkNumber(b.vmk),
  );
  return has(variant, 'tie-highest-vmk') ? sorted[sorted.length - 1] : sorted[0];
}

function routeName(c: Candidate): string {
  return c.kind === 'default' ? 'the default route' : `the route to ${formatPrefix(c.network)}`;
}

/** Says so when the owner shares its subnet with other vmks (the first created sends for it). */
function shared(table: readonly Connected[], subnet: Prefix, o: Connected, why: string[]): void {
  const tied = holders(table, subnet.addr).filter(
    (c) => c.network.len === subnet.len && c.vmk !== o.vmk,
  );
  if (tied.length > 0)
    why.push(
      `${o.vmk} was created first on ${formatPrefix(subnet)}, so it sends for the whole subnet (KB 2010877)`,
    );
}

function noRoute(
  h: NetHost,
  q: FlowQuery,
  reason: string,
  trace: string[],
  why: string[],
): NoRoute {
  return { ok: false, host: h.name, netstack: q.netstack, dst: q.dst, reason, trace, why };
}

/** The decision to leave by `egress` through `nextHop` (directly when null), by route `c`. */
function leave(
  h: NetHost,
  q: FlowQuery,
  c: Candidate,
  egress: string,
  nextHop: Ip | null,
  trace: string[],
  why: string[],
): LookupResult {
  const v = h.vmks.find((x) => x.name === egress);
  if (!v) {
    why.push(
      `the routing table still names ${egress}, which no longer exists: it follows vmk changes only after a restart (seed 004)`,
    );
    return noRoute(
      h,
      q,
      `the table still names ${egress}, which no longer exists (restart pending)`,
      trace,
      why,
    );
  }
  trace.push(
    `leave ${egress} (${formatIp(v.ip)}) ${nextHop === null ? 'directly' : `via ${formatIp(nextHop)}`}`,
  );
  return {
    ok: true,
    host: h.name,
    netstack: q.netstack,
    dst: q.dst,
    route: { kind: c.kind, network: c.network, netstack: c.netstack },
    egress,
    nextHop,
    source: v.ip,
    trace,
    why,
  };
}

export function lookup(h: NetHost, q: FlowQuery, variant: Variant): LookupResult {
  const trace: string[] = [];
  const why: string[] = [];
  const table = h.connected.filter((c) => c.netstack === q.netstack);

  // A per-vmk gateway serves only the services bound to that vmk (research-notes B, 6.5+).
  const overrides = h.vmks.filter(
    (v) =>
      v.gateway !== null &&
      v.netstack === q.netstack &&
      (v.name === q.bound || has(variant, 'gateway-override-for-all')),
  );
  for (const v of overrides) {
    if (!contains(prefix(v.ip, v.len), q.dst) && v.gateway !== null) {
      trace.push(
        `${v.name} is bound to this service and has its own gateway ${formatIp(v.gateway)}`,
      );
      why.push(
        `${v.name} is bound to this service and has its own gateway ${formatIp(v.gateway)} (6.5+)`,
      );
      return leave(
        h,
        q,
        {
          kind: 'vmk-gateway',
          network: { addr: 0, len: 0 },
          netstack: q.netstack,
          gateway: v.gateway,
          pos: -1,
        },
        v.name,
        v.gateway,
        trace,
        why,
      );
    }
  }

  const candidates: Candidate[] = table.map((c, i) => ({
    kind: 'connected',
    network: c.network,
    netstack: c.netstack,
    gateway: null,
    vmk: c.vmk,
    pos: i,
  }));
  for (const [i, r] of h.routes.filter((x) => x.netstack === q.netstack).entries()) {
    candidates.push({
      kind: 'static',
      network: r.network,
      netstack: r.netstack,
      gateway: r.gateway,
      pos: 1000 + i,
    });
  }
  const stack = h.netstacks.find((n) => n.name === q.netstack);
  if (stack?.gateway != null) {
    candidates.push({
      kind: 'default',
      network: { addr: 0, len: 0 },
      netstack: q.netstack,
      gateway: stack.gateway,
      pos: 1e6,
    });
  } else if (q.netstack !== DEFAULT_STACK && has(variant, 'netstack-gateway-fallback')) {
    const def = h.netstacks.find((n) => n.name === DEFAULT_STACK);
    if (def?.gateway != null) {
      candidates.push({
        kind: 'default',
        network: { addr: 0, len: 0 },
        netstack: DEFAULT_STACK,
        gateway: def.gateway,
        pos: 1e6,
      });
    }
  }

  // A route is usable only when its gateway is on a connected subnet of the same stack (N1),
  // and is not that subnet's broadcast address: no host answers for it (RFC 1122 3.2.1.3;
  // the Linux kernel refuses such a route, see properties/fib-differential.spec.ts).
  const usable = candidates.filter((c) => {
    if (!contains(c.network, q.dst)) return false;
    if (c.gateway === null) return true;
    const tbl =
      c.netstack === q.netstack ? table : h.connected.filter((x) => x.netstack === c.netstack);
    const o = owner(tbl, c.gateway, variant);
    if (!o) {
      trace.push(
        `${formatPrefix(c.network)} via ${formatIp(c.gateway)} unusable: gateway on no connected subnet`,
      );
      why.push(
        `${routeName(c)} via ${formatIp(c.gateway)} is ignored: ${formatIp(c.gateway)} is on no vmk's subnet in ${c.netstack}`,
      );
      return false;
    }
    if (broadcastOf(o.network) === c.gateway) {
      trace.push(
        `${formatPrefix(c.network)} via ${formatIp(c.gateway)} unusable: gateway is the broadcast address of ${formatPrefix(o.network)}`,
      );
      why.push(
        `${routeName(c)} via ${formatIp(c.gateway)} is ignored: ${formatIp(c.gateway)} is the broadcast address of ${formatPrefix(o.network)}`,
      );
      return false;
    }
    return true;
  });
  if (usable.length === 0) {
    why.push(`no route in ${q.netstack} matches ${formatIp(q.dst)}`);
    return noRoute(h, q, `no route to ${formatIp(q.dst)} in ${q.netstack}`, trace, why);
  }

  let chosen: Candidate;
  if (has(variant, 'first-match-route')) {
    chosen = [...usable].sort((a, b) => a.pos - b.pos)[0] as Candidate;
  } else {
    const best = Math.max(...usable.map((c) => c.network.len));
    const longest = usable.filter((c) => c.network.len === best);
    // Longest prefix wins; a connected subnet beats a static route of the same length.
    chosen = longest.find((c) => c.kind === 'connected') ?? (longest[0] as Candidate);
    trace.push(`longest match /${best} of ${usable.length} usable route(s)`);
  }
  if (chosen.kind === 'connected') {
    const o = owner(table, q.dst, variant);
    if (!o) return noRoute(h, q, 'connected subnet without owner', trace, why);
    trace.push(`${formatPrefix(chosen.network)} is connected; ${o.vmk} owns it in ${q.netstack}`);
    shared(table, o.network, o, why);
    return leave(h, q, chosen, o.vmk, null, trace, why);
  }
  const gw = chosen.gateway as Ip;
  const tbl =
    chosen.netstack === q.netstack
      ? table
      : h.connected.filter((x) => x.netstack === chosen.netstack);
  const o = owner(tbl, gw, variant) as Connected;
  trace.push(
    `${chosen.kind} route ${formatPrefix(chosen.network)} via ${formatIp(gw)} in ${chosen.netstack}; ${o.vmk} owns the gateway's subnet`,
  );
  why.push(
    chosen.kind === 'default'
      ? `no route in ${chosen.netstack} matches ${formatIp(q.dst)} more closely than the default route via ${formatIp(gw)}`
      : `the route to ${formatPrefix(chosen.network)} via ${formatIp(gw)} in ${chosen.netstack} is the longest match for ${formatIp(q.dst)}`,
  );
  shared(table, o.network, o, why);
  // A gateway that is one of the stack's own vmk addresses makes the route on-link: the
  // destination itself is sent to directly. No ESXi source says so; both the Linux kernel (see
  // properties/fib-differential.spec.ts) and BSD's route(8) ("-interface") treat it this way.
  const local = h.vmks.find((v) => v.ip === gw && v.netstack === chosen.netstack);
  if (local) {
    trace.push(`${formatIp(gw)} is a local address: the route is on-link`);
    why.push(
      `${formatIp(gw)} is ${local.name}'s own address, so that route is on-link: ${formatIp(q.dst)} is sent to directly`,
    );
    return leave(h, q, chosen, o.vmk, null, trace, why);
  }
  return leave(h, q, chosen, o.vmk, gw, trace, why);
}
