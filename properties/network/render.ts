// Network cases in words: hosts with their vmks, stacks and routes; config changes as esxcli
// would say them.
import { hostFromSetup, netStep } from '../../model/network/host.ts';
import { formatIp, formatPrefix } from '../../model/network/ipv4.ts';
import type { NetEvent, NetHost } from '../../model/network/types.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import type { AnyScenario, AreaRender } from '../registry-types.ts';
import type { NetCase } from './arbitraries.ts';

export function formatNetEvent(e: NetEvent): string {
  switch (e.type) {
    case 'RouteAdd':
      return `RouteAdd(${e.host}, ${e.netstack}: ${e.network} via ${e.gateway}${e.persist ? ', persisted' : ', not persisted'})`;
    case 'RouteRemove':
    case 'RoutePersist':
      return `${e.type}(${e.host}, ${e.netstack}: ${e.network})`;
    case 'Reboot':
      return `Reboot(${e.host})`;
    case 'TagAdd':
    case 'TagRemove':
      return `${e.type}(${e.host}/${e.vmk}, ${e.tag})`;
    case 'VmkAdd':
      return `VmkAdd(${e.host}/${e.vmk}, ${e.address} on ${e.netstack}${e.tags.length ? `, ${e.tags.join('+')}` : ''})`;
    case 'VmkRemove':
      return `VmkRemove(${e.host}/${e.vmk})`;
    case 'NetstackAdd':
      return `NetstackAdd(${e.host}, ${e.netstack})`;
    case 'GatewaySet':
      return `GatewaySet(${e.host}/${e.vmk}, ${e.gateway ?? 'none'})`;
  }
}

export function hostLines(h: NetHost): string[] {
  const lines = [
    `${h.name}: ESXi ${h.version}, routes persist in ${h.persistence}, routing refresh ${h.refresh}`,
  ];
  for (const v of [...h.vmks].sort((a, b) => a.order - b.order)) {
    lines.push(
      `  ${v.name} ${formatIp(v.ip)}/${v.len} on ${v.netstack}${v.tags.length ? ` [${v.tags.join(', ')}]` : ''}${v.gateway !== null ? ` gateway ${formatIp(v.gateway)}` : ''}`,
    );
  }
  for (const n of h.netstacks)
    if (n.gateway !== null) lines.push(`  ${n.name} default gateway ${formatIp(n.gateway)}`);
  for (const r of h.routes) {
    lines.push(
      `  route ${r.netstack}: ${formatPrefix(r.network)} via ${formatIp(r.gateway)}${r.persisted ? '' : ' (not persisted)'}`,
    );
  }
  return lines;
}

function formatCase(c: NetCase): string[] {
  const lines = c.setup.hosts.flatMap((s) => hostLines(hostFromSetup(s)));
  const t = c.setup.topology;
  if (t) {
    for (const s of t.subnets)
      lines.push(`subnet ${s.network} at ${s.site}: ${s.purpose}, gateway ${s.gateway ?? 'none'}`);
    for (const a of t.appliances) lines.push(`${a.role} ${a.ip} at ${a.site}`);
    for (const r of t.replication) lines.push(`replication ${r.from} -> ${r.to}`);
    if (t.fvp)
      lines.push(
        `FVP pinned: ${Object.entries(t.fvp)
          .map(([h, v]) => `${h}/${v}`)
          .join(', ')}`,
      );
  }
  for (const q of c.setup.queries)
    lines.push(`query ${q.dst} on ${q.netstack}${q.bound ? ` bound to ${q.bound}` : ''}`);
  return lines;
}

export const NETWORK_RENDER: AreaRender = {
  formatSetup: (s) => formatCase({ setup: s as NetCase['setup'], events: [] }),
  formatEvent: (e) => formatNetEvent(e as NetEvent),
  stateDiff: (variantName, setup, events, at) => {
    if (at < 1) return [];
    const variant = variantByName(variantName) ?? CORRECT;
    const c = setup as NetCase['setup'];
    let hosts: Record<string, NetHost> = Object.fromEntries(
      c.hosts.map((s) => [s.name, hostFromSetup(s)]),
    );
    for (let i = 0; i < at - 1; i++)
      hosts = { ...netStep(hosts, events[i] as NetEvent, variant).hosts };
    const e = events[at - 1] as NetEvent;
    const r = netStep(hosts, e, variant);
    if (r.error) return [`(refused: ${r.error})`];
    const before = hosts[e.host];
    const after = r.hosts[e.host];
    if (!before || !after) return [];
    const a = new Set(hostLines(before));
    const b = new Set(hostLines(after));
    return [
      ...[...a].filter((l) => !b.has(l)).map((l) => `- ${l.trim()}`),
      ...[...b].filter((l) => !a.has(l)).map((l) => `+ ${l.trim()}`),
    ];
  },
  eventFields: {
    RouteAdd: ['host', 'netstack', 'network', 'gateway', 'persist'],
    RouteRemove: ['host', 'netstack', 'network'],
    RoutePersist: ['host', 'netstack', 'network'],
    Reboot: ['host'],
    TagAdd: ['host', 'vmk', 'tag'],
    TagRemove: ['host', 'vmk', 'tag'],
    VmkAdd: ['host', 'vmk', 'address', 'netstack', 'tags'],
    VmkRemove: ['host', 'vmk'],
    NetstackAdd: ['host', 'netstack'],
    GatewaySet: ['host', 'vmk', 'gateway'],
  },
  reduce: (sc: AnyScenario) => {
    const c = sc as NetCase;
    const out: AnyScenario[] = [];
    if (c.setup.queries.length > 1) {
      c.setup.queries.forEach((_, i) => {
        out.push({
          ...c,
          setup: { ...c.setup, queries: c.setup.queries.filter((__, j) => j !== i) },
        });
      });
    }
    return out;
  },
};
