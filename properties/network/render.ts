// Network cases in words: hosts with their vmks, stacks and routes; config changes as esxcli
// would say them.
import { advise, describeDecision } from '../../model/network/advisor.ts';
import { hostFromSetup, netStep } from '../../model/network/host.ts';
import { flowsOf } from '../../model/network/intent.ts';
import { formatIp, formatPrefix, parseIp } from '../../model/network/ipv4.ts';
import { lookup } from '../../model/network/lookup.ts';
import type { NetEvent, NetHost } from '../../model/network/types.ts';
import { CORRECT, type Variant, variantByName } from '../../model/variants.ts';
import type { AnyScenario, AreaRender, Fact } from '../registry-types.ts';
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

/** Each host's configuration, then every flow's and query's decision: what a variant changes. */
function netFacts(
  c: NetCase['setup'],
  hosts: Readonly<Record<string, NetHost>>,
  variant: Variant,
  error?: string,
): Fact[] {
  const out: Fact[] = [];
  for (const h of Object.values(hosts)) {
    const [head, ...rest] = hostLines(h);
    out.push([h.name, head ?? '']);
    rest.forEach((l, i) => {
      out.push([`${h.name} [${i + 1}]`, l.trim()]);
    });
    // What a reboot would keep (N3): the routes a variant may persist or lose differently.
    const after = netStep(hosts, { type: 'Reboot', host: h.name }, variant).hosts[h.name];
    out.push([
      `${h.name} routes after a reboot`,
      (after?.routes ?? [])
        .map((r) => `${r.netstack}: ${formatPrefix(r.network)} via ${formatIp(r.gateway)}`)
        .join('; ') || 'none',
    ]);
  }
  if (c.topology) {
    for (const f of flowsOf(c.topology, hosts)) {
      const h = hosts[f.host];
      if (!h) continue;
      const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
      out.push([`${f.host} ${f.class} to ${f.dstName}`, describeDecision(d)]);
    }
  }
  for (const h of Object.values(hosts)) {
    for (const q of c.queries) {
      const d = lookup(h, { netstack: q.netstack, dst: parseIp(q.dst), bound: q.bound }, variant);
      out.push([
        `${h.name} to ${q.dst} on ${q.netstack}${q.bound ? ` bound to ${q.bound}` : ''}`,
        `${describeDecision(d)}${d.ok ? ` (${d.route.netstack} table)` : ''}`,
      ]);
    }
  }
  // What the advisor (N7) says of the layout: a defect may live there rather than in routing.
  if (c.topology) {
    const findings = advise(hosts, c.topology, variant);
    out.push(['advisor findings', findings.map((f) => f.message).join('; ') || 'none']);
    // The fix it offers for each: a defect may live in how fixes are chosen (N8-fixes).
    out.push([
      'advisor fixes',
      findings
        .map(
          (f) =>
            `${f.host} ${f.flow.class}: ${f.fix.commands.join(' && ') || f.fix.note || 'none'}`,
        )
        .join('; ') || 'none',
    ]);
  }
  if (error !== undefined) out.push(['step outcome', `refused: ${error}`]);
  return out;
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
  facts: (variantName, setup, events) => {
    const variant = variantByName(variantName) ?? CORRECT;
    const c = setup as NetCase['setup'];
    let hosts: Readonly<Record<string, NetHost>> = Object.fromEntries(
      c.hosts.map((s) => [s.name, hostFromSetup(s)]),
    );
    const out = [netFacts(c, hosts, variant)];
    for (const e of events as NetEvent[]) {
      const r = netStep(hosts, e, variant);
      hosts = r.hosts;
      out.push(netFacts(c, hosts, variant, r.error));
    }
    return out;
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
