// The path picture of a routing, firewall or world story: host, vmk, next hop, firewall and
// destination, as the flow is taken beside as it is intended, the hop that differs outlined
// red, and a drop drawn at the firewall that drops it (the hops after it greyed out). The
// picture replays the story and asks the model's lookup and firewall for their decisions; the
// intent is the topology's (routing), the independent oracle's (a lookup query), or the
// ruleset that ought to let the port out (firewall).
import {
  type FirewallWorld,
  firewallStep,
  decide as fwDecide,
  NFC_INBOUND_RULESET,
  nfcPacket,
  type Packet,
} from '../../../model/firewall/firewall.ts';
import { describeFlow } from '../../../model/network/advisor.ts';
import { hostFromSetup, netStep } from '../../../model/network/host.ts';
import { type Flow, flowsOf } from '../../../model/network/intent.ts';
import { formatIp, parseIp } from '../../../model/network/ipv4.ts';
import { type LookupResult, lookup } from '../../../model/network/lookup.ts';
import type { NetEvent, NetHost } from '../../../model/network/types.ts';
import { CORRECT, reads, type Variant, variantByName } from '../../../model/variants.ts';
import {
  initWorld,
  type WorldEvent,
  type WorldSetup,
  worldStep,
} from '../../../model/world/world.ts';
import { type FwCase, VR_APPLIANCE, VR_SERVER } from '../../firewall/properties.ts';
import { firewallsOf } from '../../firewall/render.ts';
import type { CounterexampleRecord } from '../../harness.ts';
import type { NetCase } from '../../network/arbitraries.ts';
import { expectedDecision } from '../../network/oracle.ts';
import { clip, h, type Markup, NOTHING, n } from '../markup.ts';

export type HopRole = 'source' | 'host' | 'vmk' | 'next hop' | 'firewall' | 'destination';

export interface Hop {
  readonly role: HopRole;
  readonly label: string;
  readonly detail: string;
  /** wrong: differs from the intended path; drop: the firewall drops here; unreached: after a drop. */
  readonly state: 'ok' | 'wrong' | 'drop' | 'unreached';
}

export interface PathView {
  /** The flow in words: class, host, source vmk and address, destination. */
  readonly flow: string;
  readonly taken: readonly Hop[];
  readonly intended: readonly Hop[];
  readonly caption: string;
}

const via = (ip: number | null) => (ip === null ? 'directly' : formatIp(ip));

/** Hops of a routing decision; `against` marks the ones that differ from it. */
function routeHops(
  host: string,
  d: { egress: string; nextHop: number | null } | null,
  dst: string,
  against?: { egress: string; nextHop: number | null } | null,
  why?: string,
): Hop[] {
  if (!d) {
    return [
      { role: 'host', label: host, detail: '', state: 'ok' },
      { role: 'vmk', label: 'no route', detail: why ?? '', state: 'wrong' },
      { role: 'destination', label: dst, detail: 'not reached', state: 'unreached' },
    ];
  }
  const mark = (same: boolean): Hop['state'] => (against === undefined || same ? 'ok' : 'wrong');
  return [
    { role: 'host', label: host, detail: '', state: 'ok' },
    {
      role: 'vmk',
      label: d.egress,
      detail: 'egress vmk',
      state: mark(against?.egress === d.egress),
    },
    {
      role: 'next hop',
      label: via(d.nextHop),
      detail: d.nextHop === null ? 'on the link' : 'gateway',
      state: mark(against?.nextHop === d.nextHop),
    },
    { role: 'destination', label: dst, detail: '', state: 'ok' },
  ];
}

const decisionOf = (d: LookupResult) => (d.ok ? { egress: d.egress, nextHop: d.nextHop } : null);

function realize(c: NetCase, upTo: number, variant: Variant): Readonly<Record<string, NetHost>> {
  let hosts: Readonly<Record<string, NetHost>> = Object.fromEntries(
    c.setup.hosts.map((s) => [s.name, hostFromSetup(s)]),
  );
  for (const e of c.events.slice(0, upTo)) hosts = netStep(hosts, e as NetEvent, variant).hosts;
  return hosts;
}

/** The first flow (topology) or query whose decision is not the intended one. */
function networkPath(rec: CounterexampleRecord): PathView | null {
  const c = { setup: rec.setup, events: rec.events } as NetCase;
  const variant = variantByName(rec.variant) ?? CORRECT;
  const hosts = realize(c, rec.violation.step, variant);
  const t = c.setup.topology;
  const flowPath = (h: NetHost, f: Flow, d: LookupResult, label: string): PathView => {
    const want = { egress: f.bound ?? f.intended.vmk, nextHop: f.intended.nextHop };
    const dst = `${f.dstName}`;
    return {
      flow: `${describeFlow(h, f)}, ${f.port}${f.bound ? `, pinned to ${f.bound}` : ''}`,
      taken: routeHops(h.name, decisionOf(d), dst, want, d.ok ? undefined : d.reason),
      intended: routeHops(h.name, want, dst),
      caption: label,
    };
  };
  if (t) {
    const flows = flowsOf(t, hosts);
    for (const f of flows) {
      const h = hosts[f.host];
      if (!h) continue;
      const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
      const want = f.bound ?? f.intended.vmk;
      if (!d.ok || d.egress !== want || d.nextHop !== f.intended.nextHop) {
        return flowPath(
          h,
          f,
          d,
          'Taken: what the host does; intended: the vmk and next hop the topology assigns this traffic.',
        );
      }
    }
    // Nothing goes wrong now: a reboot (N3) is what changes a decision.
    for (const f of flows) {
      const h = hosts[f.host];
      if (!h) continue;
      const after = netStep(hosts, { type: 'Reboot', host: h.name }, variant).hosts[h.name];
      if (!after) continue;
      const q = { netstack: f.netstack, dst: f.dst, bound: f.bound };
      const now = lookup(h, q, variant);
      const later = lookup(after, q, variant);
      if (now.ok && (!later.ok || later.egress !== now.egress || later.nextHop !== now.nextHop)) {
        return {
          flow: `${describeFlow(h, f)}, ${f.port}`,
          taken: routeHops(
            h.name,
            decisionOf(later),
            f.dstName,
            decisionOf(now),
            later.ok ? undefined : later.reason,
          ),
          intended: routeHops(h.name, decisionOf(now), f.dstName),
          caption:
            'Taken: the decision after a reboot; intended: the decision before it, which the reboot should keep.',
        };
      }
    }
  }
  for (const h of Object.values(hosts)) {
    for (const q of c.setup.queries) {
      const dst = parseIp(q.dst);
      const d = lookup(h, { netstack: q.netstack, dst, bound: q.bound }, variant);
      const want = expectedDecision(h, q.netstack, dst, q.bound);
      const table = d.ok ? d.route.netstack : null;
      const same = d.ok
        ? want !== null &&
          d.egress === want.egress &&
          d.nextHop === want.nextHop &&
          table === want.table
        : want === null;
      if (same) continue;
      return {
        flow: `${h.name}: a flow to ${q.dst} on ${q.netstack}${q.bound ? ` bound to ${q.bound}` : ''}${d.ok && table !== q.netstack ? ` (taken from the ${table} table)` : ''}`,
        taken: routeHops(h.name, decisionOf(d), q.dst, want, d.ok ? undefined : d.reason),
        intended: routeHops(h.name, want, q.dst),
        caption:
          'Taken: what the model looks up; intended: longest prefix, first-created vmk and usable gateways, as the independent oracle reads the sources.',
      };
    }
  }
  return null;
}

/**
 * The ruleset that ought to let each replication packet through (research-notes D, A1): to the
 * cloud and to the VR server out, NFC in from the VR server on the target host (A1, corrected).
 */
const OWNER: Readonly<Record<number, string>> = {
  10000: 'Replication-to-CloudTraffic',
  31031: 'HBR',
  44046: 'HBR',
  902: NFC_INBOUND_RULESET,
};

/** The packet each port stands for, with the far end the firewall area's cases use. */
function packetOf(port: number, variant: Variant): Packet {
  if (port === 902) return nfcPacket(VR_SERVER, variant);
  const remote = port === 10000 ? VR_APPLIANCE : VR_SERVER;
  return { direction: 'outbound', protocol: 'tcp', port, remote };
}

const PORTS = [10000, 31031, 44046, 902] as const;

type Ruling = { action: 'allow' | 'drop'; ruleset: string; reason: string };

/** Host, firewall, destination; `against` (the intended ruling) marks an allow that differs. */
function firewallHops(host: string, port: number, dst: string, v: Ruling, against?: Ruling): Hop[] {
  const drop = v.action === 'drop';
  const differs =
    against !== undefined && (against.action !== v.action || against.ruleset !== v.ruleset);
  const wall: Hop = {
    role: 'firewall',
    label: drop ? `TCP ${port} dropped` : `TCP ${port} allowed`,
    detail: drop ? v.ruleset : `by ${v.ruleset}`,
    state: drop ? 'drop' : differs ? 'wrong' : 'ok',
  };
  // NFC comes in: the VR server opens it, the target host's firewall judges it (notes A1).
  if (port === 902)
    return [
      { role: 'source', label: `VR server ${VR_SERVER}`, detail: 'TCP 902 in', state: 'ok' },
      wall,
      { role: 'destination', label: host, detail: dst, state: drop ? 'unreached' : 'ok' },
    ];
  return [
    { role: 'host', label: host, detail: `TCP ${port} out`, state: 'ok' },
    wall,
    { role: 'destination', label: dst, detail: '', state: drop ? 'unreached' : 'ok' },
  ];
}

const DEST: Readonly<Record<number, string>> = {
  10000: 'cloud (via the VR appliance)',
  31031: 'VRS (full sync)',
  44046: 'VRS (delta)',
  902: 'target host (NFC in)',
};

/**
 * The first host and port whose verdict on the story's variant differs from the correct
 * model's on the same events; on the correct model (a layout), the first dropped port.
 */
function firewallPath(rec: CounterexampleRecord): PathView | null {
  const c = { setup: rec.setup, events: rec.events } as FwCase;
  const fold = (variant: Variant): FirewallWorld => {
    let w = firewallsOf(c.setup.hosts, variant);
    for (const e of c.events.slice(0, rec.violation.step)) w = firewallStep(w, e, variant).world;
    return w;
  };
  const variant = variantByName(rec.variant) ?? CORRECT;
  const mine = fold(variant);
  const right = fold(CORRECT);
  const onCorrect = variant.name === CORRECT.name;
  const view = (name: string, port: number, differs: boolean): PathView | null => {
    const x = c.setup.hosts.find((y) => y.name === name);
    const fw = mine.hosts[name];
    const ok = right.hosts[name];
    if (!x || !fw || !ok) return null;
    const got = fwDecide(fw, packetOf(port, variant), variant);
    const want = fwDecide(ok, packetOf(port, CORRECT), CORRECT);
    const dst = DEST[port] ?? `TCP ${port}`;
    const intended: Ruling = differs
      ? want
      : { action: 'allow', ruleset: OWNER[port] ?? '?', reason: '' };
    return {
      flow: `${port === 10000 ? 'to-the-cloud' : 'host-to-host'} replication from ${x.name} (ESXi ${x.version}) on TCP ${port}`,
      taken: firewallHops(x.name, port, dst, got, intended),
      intended: firewallHops(x.name, port, dst, intended),
      caption: differs
        ? `Taken: the firewall's verdict on ${rec.variant}; intended: the correct model's verdict after the same events (${want.reason}).`
        : `Taken: the firewall's verdict (${got.reason}); intended: ${OWNER[port]} lets TCP ${port} ${port === 902 ? 'in' : 'out'}.`,
    };
  };
  // A variant's story: where its verdict differs from the correct model's.
  if (!onCorrect) {
    for (const x of c.setup.hosts) {
      const fw = mine.hosts[x.name];
      const ok = right.hosts[x.name];
      if (!fw || !ok) continue;
      for (const port of PORTS) {
        const got = fwDecide(fw, packetOf(port, variant), variant);
        const want = fwDecide(ok, packetOf(port, CORRECT), CORRECT);
        if (got.action !== want.action || got.ruleset !== want.ruleset)
          return view(x.name, port, true);
      }
    }
  }
  // A layout's story, or a variant that changes no verdict: the first port it drops of the
  // class its invariant speaks of (F1 and F5 to the cloud, F2 host to host), so a host-to-host layout
  // is not drawn as a to-the-cloud drop for want of the vib it never needed.
  const ports = PORTS.filter((p) =>
    rec.violation.invariant === 'F1' || rec.violation.invariant === 'F5'
      ? p === 10000
      : rec.violation.invariant === 'F2'
        ? p !== 10000
        : true,
  );
  for (const x of c.setup.hosts) {
    const fw = mine.hosts[x.name];
    if (!fw) continue;
    for (const port of ports)
      if (fwDecide(fw, packetOf(port, variant), variant).action === 'drop')
        return view(x.name, port, false);
  }
  return null;
}

/** A world story whose transfer is blocked at the failing step: routing, then the firewall. */
function worldPath(rec: CounterexampleRecord): PathView | null {
  const setup = rec.setup as WorldSetup;
  const variant = variantByName(rec.variant) ?? CORRECT;
  let w = initWorld(setup, variant);
  let blocked: { vm: string; reason: string; full: boolean } | undefined;
  // Minute by minute (as the RPO chart does), to see the transfer's kind when it was blocked.
  const minutes = (e: WorldEvent): WorldEvent[] =>
    e.type === 'Tick'
      ? Array.from({ length: e.minutes }, () => ({ type: 'Tick', minutes: 1 }))
      : [e];
  for (const e of (rec.events.slice(0, rec.violation.step) as WorldEvent[]).flatMap(minutes)) {
    const before = w;
    const r = worldStep(w, e);
    w = r.state;
    const b = r.emitted.find((x) => x.kind === 'blocked');
    if (b?.kind !== 'blocked') continue;
    const was = before.repl.vms[b.vm]?.repl;
    const now = w.repl.vms[b.vm]?.repl;
    const cycle = now?.cycle ?? was?.cycle;
    // A cycle started and ended within the minute (ok-while-dropped) leaves no trace: the first
    // transfer of a VM is its initial full sync.
    const full = cycle
      ? cycle.kind === 'full'
      : !was || was.instances.length === 0 || was.needsFullSync;
    blocked = { vm: b.vm, reason: b.reason, full };
  }
  if (!blocked) return null;
  const vm = w.repl.vms[blocked.vm];
  const h = vm ? w.net[vm.host] : undefined;
  if (!vm || !h) return null;
  const cls = setup.toCloud ? 'to-cloud' : 'replication';
  const [f] = flowsOf(setup.topology, { [h.name]: h }, { host: h.name, class: cls });
  if (!f) return null;
  const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
  const want = { egress: f.intended.vmk, nextHop: f.intended.nextHop };
  // Full sync on 31031, deltas on 44046, to the cloud on 10000 (research-notes A1, seed 003).
  const port = setup.toCloud
    ? 10000
    : blocked.full || reads(variant, 'ongoing-on-31031')
      ? 31031
      : 44046;
  const fw = w.fw.hosts[h.name];
  const verdict = fw
    ? fwDecide(
        fw,
        { direction: 'outbound', protocol: 'tcp', port, remote: formatIp(f.dst) },
        variant,
      )
    : undefined;
  const routed = routeHops(h.name, decisionOf(d), f.dstName, want, d.ok ? undefined : d.reason);
  const fwHop = (v: typeof verdict, intended: boolean): Hop =>
    intended || !v
      ? {
          role: 'firewall',
          label: `TCP ${port} allowed`,
          detail: `by ${OWNER[port] ?? '?'}`,
          state: 'ok',
        }
      : v.action === 'drop'
        ? { role: 'firewall', label: `TCP ${port} dropped`, detail: v.ruleset, state: 'drop' }
        : {
            role: 'firewall',
            label: `TCP ${port} allowed`,
            detail: `by ${v.ruleset}`,
            state: 'ok',
          };
  const taken: Hop[] = [
    ...routed.slice(0, -1),
    fwHop(verdict, false),
    routed[routed.length - 1] as Hop,
  ];
  const dropAt = taken.findIndex((x) => x.state === 'drop');
  const shown = taken.map((x, i) =>
    dropAt >= 0 && i > dropAt ? { ...x, state: 'unreached' as const } : x,
  );
  const intended = routeHops(h.name, want, f.dstName);
  return {
    flow: `${vm.name}'s ${describeFlow(h, f)}, TCP ${port}, at step ${rec.violation.step}`,
    taken: shown,
    intended: [
      ...intended.slice(0, -1),
      fwHop(undefined, true),
      intended[intended.length - 1] as Hop,
    ],
    caption: `The transfer is blocked: ${blocked.reason}.`,
  };
}

export function pathView(rec: CounterexampleRecord): PathView | null {
  if (rec.area === 'network') return networkPath(rec);
  if (rec.area === 'firewall') return firewallPath(rec);
  if (rec.area === 'world') return worldPath(rec);
  return null;
}

const BOX_H = 52;
const GAP = 34;
const ROW_H = 66;
const LEFT = 76;

const STYLE: Readonly<Record<Hop['state'], { fill: string; stroke: string; text: string }>> = {
  ok: { fill: '#ddf4ff', stroke: '#0969da', text: '#1f2328' },
  wrong: { fill: '#ffebe9', stroke: '#cf222e', text: '#a40e26' },
  drop: { fill: '#ffebe9', stroke: '#cf222e', text: '#a40e26' },
  unreached: { fill: '#f6f8fa', stroke: '#d0d7de', text: '#8c959f' },
};

function row(hops: readonly Hop[], y: number, name: 'taken' | 'intended', BOX_W: number): Markup {
  const chars = Math.floor((BOX_W - 40) / 7.6);
  const small = Math.floor((BOX_W - 16) / 5.9);
  const boxes = hops.map((hop, i) => {
    const x = LEFT + i * (BOX_W + GAP);
    const s = STYLE[hop.state];
    const next = hops[i + 1];
    const arrow = next
      ? h`<line x1="${n(x + BOX_W)}" y1="${n(y + BOX_H / 2)}" x2="${n(x + BOX_W + GAP - 6)}" y2="${n(y + BOX_H / 2)}" stroke="${next.state === 'unreached' ? '#d0d7de' : '#59636e'}" stroke-width="2"${next.state === 'unreached' ? h` stroke-dasharray="4 3"` : NOTHING} marker-end="url(#path-arrow)"/>`
      : NOTHING;
    const cross =
      hop.state === 'drop'
        ? h`<g class="drop-mark"><line x1="${n(x + BOX_W - 22)}" y1="${n(y + 6)}" x2="${n(x + BOX_W - 8)}" y2="${n(y + 20)}" stroke="#cf222e" stroke-width="3"/><line x1="${n(x + BOX_W - 8)}" y1="${n(y + 6)}" x2="${n(x + BOX_W - 22)}" y2="${n(y + 20)}" stroke="#cf222e" stroke-width="3"/></g>`
        : NOTHING;
    return h`<g class="hop ${hop.state}" data-row="${name}" data-role="${hop.role}"><rect x="${n(x)}" y="${n(y)}" width="${BOX_W}" height="${BOX_H}" rx="6" fill="${s.fill}" stroke="${s.stroke}" stroke-width="${hop.state === 'ok' || hop.state === 'unreached' ? 1 : 3}"><title>${hop.role}: ${hop.label}${hop.detail ? ` (${hop.detail})` : ''}</title></rect><text class="lbl" x="${n(x + 8)}" y="${n(y + 14)}" font-size="10">${hop.role}</text><text x="${n(x + 8)}" y="${n(y + 31)}" fill="${s.text}" font-weight="${hop.state === 'wrong' || hop.state === 'drop' ? 700 : 400}">${clip(hop.label, chars)}</text><text class="lbl" x="${n(x + 8)}" y="${n(y + 45)}" font-size="10">${clip(hop.detail, small)}</text>${cross}</g>${arrow}`;
  });
  return h`<text x="4" y="${n(y + BOX_H / 2 + 4)}" font-weight="600">${name}</text>${boxes}`;
}

export function pathSvg(v: PathView): Markup {
  const cols = Math.max(v.taken.length, v.intended.length);
  const longest = Math.max(
    ...[...v.taken, ...v.intended].map((x) => Math.max(x.label.length, x.detail.length * 0.85)),
  );
  // Room for a bold label (about 7.6 px a character at 12 px) and the drop's cross.
  const BOX_W = Math.min(260, Math.max(130, Math.ceil(longest * 7.6) + 40));
  const W = LEFT + cols * BOX_W + (cols - 1) * GAP + 8;
  const H = 10 + ROW_H + BOX_H + 8;
  return h`<svg class="path" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="path taken beside path intended: ${v.flow}"><defs><marker id="path-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#59636e"/></marker></defs>${row(v.taken, 10, 'taken', BOX_W)}${row(v.intended, 10 + ROW_H, 'intended', BOX_W)}</svg>`;
}
