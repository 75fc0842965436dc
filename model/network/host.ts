// Host network configuration as a pure step function over configuration events.
import { has, type Variant } from '../variants.ts';
import {
  contains,
  formatIp,
  formatPrefix,
  type Ip,
  parseIp,
  parsePrefix,
  prefix,
  readOnce,
  samePrefix,
} from './ipv4.ts';
import {
  type Connected,
  DEFAULT_STACK,
  type HostSetup,
  type NetEvent,
  type NetHost,
  type NetStepResult,
  type StaticRoute,
  type Vmk,
} from './types.ts';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Addresses with a length already read (readOnce). */
const addresses = new Map<string, { readonly ip: Ip; readonly len: number }>();

function parseAddress(text: string): { readonly ip: Ip; readonly len: number } {
  return readOnce(addresses, text, readAddress);
}

function readAddress(text: string): { ip: Ip; len: number } {
  const [a, l] = text.split('/');
  const len = Number(l);
  if (l === undefined || !Number.isInteger(len) || len < 1 || len > 32) {
    throw new ConfigError(
      `expected an address with a prefix length such as 10.0.0.5/24, got "${text}"`,
    );
  }
  return { ip: parseIp(a ?? ''), len };
}

/** The connected subnets as a stack builds them: every vmk's subnet, owner by creation order. */
export function buildConnected(vmks: readonly Vmk[]): Connected[] {
  return [...vmks]
    .sort((a, b) => a.order - b.order)
    .map((v) => ({ netstack: v.netstack, network: prefix(v.ip, v.len), vmk: v.name }));
}

export function hostFromSetup(s: HostSetup): NetHost {
  const vmks: Vmk[] = s.vmks.map((v, i) => {
    const { ip, len } = parseAddress(v.address);
    return {
      name: v.name,
      order: i,
      ip,
      len,
      netstack: v.netstack ?? DEFAULT_STACK,
      tags: v.tags ?? [],
      gateway: v.gateway ? parseIp(v.gateway) : null,
      attach: v.attach ?? null,
    };
  });
  // Each netstack's default gateway, in the order the stacks are first named.
  const stacks: Stack[] = [{ name: DEFAULT_STACK, gateway: null }];
  for (const v of vmks)
    if (!stacks.some((x) => x.name === v.netstack)) setStack(stacks, v.netstack, null);
  for (const n of s.netstacks ?? [])
    setStack(stacks, n.name, n.gateway ? parseIp(n.gateway) : null);
  const routes = setupRoutes(s, stacks);
  return {
    name: s.name,
    version: s.version,
    persistence: s.persistence ?? 'esx.conf',
    refresh: s.refresh ?? 'immediate',
    vmks,
    netstacks: stacks,
    routes,
    connected: buildConnected(vmks),
    nextOrder: vmks.length,
  };
}

interface Stack {
  readonly name: string;
  gateway: Ip | null;
}

/** A stack's gateway set, or the stack added with it. */
function setStack(stacks: Stack[], name: string, gateway: Ip | null): void {
  const known = stacks.find((x) => x.name === name);
  if (known) known.gateway = gateway;
  else stacks.push({ name, gateway });
}

/**
 * The setup's static routes. Two routes to one normalised prefix in one netstack are refused, as
 * RouteAdd and the esxcli import refuse them: `10.0.1.0/16` and `10.0.0.0/16` are one route,
 * and which of the two a table kept would otherwise depend on the order they were listed in.
 * A 0.0.0.0/0 route is the netstack's default gateway: a stack has one default slot
 * (research-notes B; the Linux kernel refuses a second default route too), so a setup giving
 * both is refused. `stacks` is updated with the default gateways the routes give.
 */
function setupRoutes(s: HostSetup, stacks: Stack[]): StaticRoute[] {
  const out: StaticRoute[] = [];
  if (!s.routes || s.routes.length === 0) return out;
  for (const r of s.routes) {
    const route: StaticRoute = {
      netstack: r.netstack ?? DEFAULT_STACK,
      network: parsePrefix(r.network),
      gateway: parseIp(r.gateway),
      persisted: r.persisted ?? true,
    };
    if (route.network.len === 0) {
      const gw = stacks.find((x) => x.name === route.netstack)?.gateway;
      if (gw != null)
        throw new ConfigError(
          `a second default route in ${route.netstack} (${r.network} via ${r.gateway}, beside the default gateway ${formatIp(gw)}): a netstack has one default route`,
        );
      setStack(stacks, route.netstack, route.gateway);
      continue;
    }
    if (out.some((x) => x.netstack === route.netstack && samePrefix(x.network, route.network))) {
      throw new ConfigError(
        `a second route to ${formatPrefix(route.network)} in ${route.netstack} (${r.network})`,
      );
    }
    out.push(route);
  }
  return out;
}

function withVmks(h: NetHost, vmks: readonly Vmk[]): NetHost {
  // Seed 004: with refresh 'restart' the routing interface keeps its old owner until reboot.
  return { ...h, vmks, connected: h.refresh === 'immediate' ? buildConnected(vmks) : h.connected };
}

/** One configuration change on one host; a bad request leaves everything as it was. */
export function netStep(
  hosts: Readonly<Record<string, NetHost>>,
  e: NetEvent,
  variant: Variant,
): NetStepResult {
  const h = hosts[e.host];
  if (!h) return { hosts, error: `no host named ${e.host}` };
  try {
    return { hosts: { ...hosts, [e.host]: apply(h, e, variant) } };
  } catch (err) {
    if (err instanceof ConfigError || (err as Error).name === 'AddressError') {
      return { hosts, error: `${e.host}: ${(err as Error).message}` };
    }
    throw err;
  }
}

function vmkOf(h: NetHost, name: string): Vmk {
  const v = h.vmks.find((x) => x.name === name);
  if (!v) throw new ConfigError(`no vmk named ${name}`);
  return v;
}

function apply(h: NetHost, e: NetEvent, variant: Variant): NetHost {
  switch (e.type) {
    case 'RouteAdd': {
      const network = parsePrefix(e.network);
      const gateway = parseIp(e.gateway);
      const stack = h.netstacks.find((n) => n.name === e.netstack);
      if (!stack) throw new ConfigError(`no netstack ${e.netstack}`);
      // One default slot per stack (research-notes B): `default` sets the stack's gateway.
      if (network.len === 0) {
        if (stack.gateway !== null)
          throw new ConfigError(`a default route already exists in ${e.netstack}`);
        return {
          ...h,
          netstacks: h.netstacks.map((n) => (n === stack ? { ...n, gateway } : n)),
        };
      }
      if (h.routes.some((r) => r.netstack === e.netstack && samePrefix(r.network, network))) {
        throw new ConfigError(
          `a route to ${formatPrefix(network)} already exists in ${e.netstack}`,
        );
      }
      return {
        ...h,
        routes: [...h.routes, { netstack: e.netstack, network, gateway, persisted: e.persist }],
      };
    }
    case 'RouteRemove': {
      const network = parsePrefix(e.network);
      if (network.len === 0) {
        const stack = h.netstacks.find((n) => n.name === e.netstack);
        if (!stack || stack.gateway === null)
          throw new ConfigError(`no default route in ${e.netstack}`);
        return {
          ...h,
          netstacks: h.netstacks.map((n) => (n === stack ? { ...n, gateway: null } : n)),
        };
      }
      const left = h.routes.filter(
        (r) => !(r.netstack === e.netstack && samePrefix(r.network, network)),
      );
      if (left.length === h.routes.length)
        throw new ConfigError(`no route to ${e.network} in ${e.netstack}`);
      return { ...h, routes: left };
    }
    case 'RoutePersist': {
      const network = parsePrefix(e.network);
      const i = h.routes.findIndex(
        (r) => r.netstack === e.netstack && samePrefix(r.network, network),
      );
      if (i < 0) throw new ConfigError(`no route to ${e.network} in ${e.netstack}`);
      return { ...h, routes: h.routes.map((r, j) => (j === i ? { ...r, persisted: true } : r)) };
    }
    case 'Reboot': {
      // Seed 000: under local.sh persistence only routes also written there come back.
      const keepAll =
        h.persistence === 'esx.conf' || has(variant, 'routes-survive-reboot-unpersisted');
      return {
        ...h,
        routes: keepAll ? h.routes : h.routes.filter((r) => r.persisted),
        connected: buildConnected(h.vmks),
      };
    }
    case 'TagAdd': {
      const v = vmkOf(h, e.vmk);
      if (v.tags.includes(e.tag)) return h;
      return withVmks(
        h,
        h.vmks.map((x) => (x.name === e.vmk ? { ...x, tags: [...x.tags, e.tag] } : x)),
      );
    }
    case 'TagRemove': {
      vmkOf(h, e.vmk);
      return withVmks(
        h,
        h.vmks.map((x) =>
          x.name === e.vmk ? { ...x, tags: x.tags.filter((t) => t !== e.tag) } : x,
        ),
      );
    }
    case 'VmkAdd': {
      if (h.vmks.some((v) => v.name === e.vmk)) throw new ConfigError(`${e.vmk} already exists`);
      if (!h.netstacks.some((n) => n.name === e.netstack))
        throw new ConfigError(`no netstack ${e.netstack}`);
      const { ip, len } = parseAddress(e.address);
      const vmk: Vmk = {
        name: e.vmk,
        order: h.nextOrder,
        ip,
        len,
        netstack: e.netstack,
        tags: e.tags,
        gateway: null,
        attach: e.attach ?? null,
      };
      return { ...withVmks(h, [...h.vmks, vmk]), nextOrder: h.nextOrder + 1 };
    }
    case 'VmkRemove': {
      vmkOf(h, e.vmk);
      return withVmks(
        h,
        h.vmks.filter((v) => v.name !== e.vmk),
      );
    }
    case 'NetstackAdd': {
      if (h.netstacks.some((n) => n.name === e.netstack))
        throw new ConfigError(`netstack ${e.netstack} already exists`);
      return { ...h, netstacks: [...h.netstacks, { name: e.netstack, gateway: null }] };
    }
    case 'GatewaySet': {
      // Per-vmk gateways exist from 6.5 (research-notes B).
      if (h.version === '5.5' || h.version === '6.0') {
        throw new ConfigError(
          `per-vmk gateways need ESXi 6.5 or later; this host runs ${h.version}`,
        );
      }
      const v = vmkOf(h, e.vmk);
      const gw = e.gateway === null ? null : parseIp(e.gateway);
      if (gw !== null && !contains(prefix(v.ip, v.len), gw)) {
        throw new ConfigError(`gateway ${e.gateway} is not on ${e.vmk}'s subnet`);
      }
      return withVmks(
        h,
        h.vmks.map((x) => (x.name === e.vmk ? { ...x, gateway: gw } : x)),
      );
    }
  }
}
