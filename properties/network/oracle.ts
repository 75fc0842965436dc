// An independent statement of ESXi route selection (research-notes B), written apart from
// model/network/lookup.ts so that N1 compares two readings of the sources, and the reboot
// rule N3 and the advisor checks (N7) are judged against it rather than against the model.
import type { NetHost, StaticRoute } from '../../model/network/types.ts';

export interface Expected {
  readonly egress: string;
  readonly nextHop: number | null;
  /** Whose table the chosen route belongs to. */
  readonly table: string;
}

const inNet = (addr: number, len: number, ip: number) =>
  len === 0 || addr >>> (32 - len) === ip >>> (32 - len);

const vmkNumber = (name: string) => Number.parseInt(name.slice(3), 10) || 0;

/** The vmk that sends to `ip` on `stack`: longest connected subnet, then first in the table as built, then lowest number. */
function sender(h: NetHost, stack: string, ip: number): { vmk: string; len: number } | null {
  let best: { vmk: string; len: number; order: number; num: number } | null = null;
  for (const [order, c] of h.connected.entries()) {
    if (c.netstack !== stack || !inNet(c.network.addr, c.network.len, ip)) continue;
    const cand = { vmk: c.vmk, len: c.network.len, order, num: vmkNumber(c.vmk) };
    if (
      !best ||
      cand.len > best.len ||
      (cand.len === best.len &&
        (cand.order < best.order || (cand.order === best.order && cand.num < best.num)))
    ) {
      best = cand;
    }
  }
  return best;
}

export function expectedDecision(
  h: NetHost,
  stack: string,
  dst: number,
  bound: string | null,
): Expected | null {
  if (bound) {
    const v = h.vmks.find((x) => x.name === bound);
    if (v && v.gateway !== null && v.netstack === stack && !inNet(v.ip, v.len, dst)) {
      return { egress: v.name, nextHop: v.gateway, table: stack };
    }
  }
  const direct = sender(h, stack, dst);
  let best: { len: number; gw: number } | null = null;
  const consider = (len: number, gw: number) => {
    const s = sender(h, stack, gw);
    if (s === null) return; // a gateway on no connected subnet is unusable
    // ... and so is its subnet's broadcast address (all host bits set), where it has one.
    if (s.len <= 30 && (gw | (0xffffffff >>> s.len)) >>> 0 === gw) return;
    if (!best || len > best.len) best = { len, gw };
  };
  for (const r of h.routes)
    if (r.netstack === stack && inNet(r.network.addr, r.network.len, dst))
      consider(r.network.len, r.gateway);
  const gw = h.netstacks.find((n) => n.name === stack)?.gateway;
  if (gw !== null && gw !== undefined) consider(0, gw);
  const b = best as { len: number; gw: number } | null;
  // A table that still names a removed vmk (restart pending, seed 004) cannot send through it.
  const alive = (e: Expected): Expected | null =>
    h.vmks.some((v) => v.name === e.egress) ? e : null;
  if (direct && (!b || direct.len >= b.len))
    return alive({ egress: direct.vmk, nextHop: null, table: stack });
  if (!b) return null;
  const out = sender(h, stack, b.gw);
  // A gateway that is the host's own address on that stack: the route is on-link.
  const local = h.vmks.some((v) => v.ip === b.gw && v.netstack === stack);
  return out ? alive({ egress: out.vmk, nextHop: local ? null : b.gw, table: stack }) : null;
}

/** The routes a host still has after a reboot, by its persistence rule (seed 000 vs KB 344105). */
export function routesAfterReboot(h: NetHost): readonly StaticRoute[] {
  return h.persistence === 'local.sh' ? h.routes.filter((r) => r.persisted) : h.routes;
}
