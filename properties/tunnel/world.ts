// The world with the cloud as its DR site (model/tunnel/world.ts): to-the-cloud transfers go
// through the host's firewall and then the vCTA's tunnel; reprotect from the cloud goes
// through the stitch. E1, F4 and C6 end to end, each judged by an oracle that reads the
// tunnel's state its own way, with their twins, in the area `cloud-world`.
import fc from 'fast-check';
import { latestInstance } from '../../model/replication/step.ts';
import { directionHealthy } from '../../model/tunnel/status.ts';
import type { TunnelEmitted, TunnelSetup, TunnelState } from '../../model/tunnel/types.ts';
import {
  type CloudWorldEvent,
  type CloudWorldSetup,
  type CloudWorldState,
  cloudWorldStep,
  initCloudWorld,
  TUNNEL_EVENTS,
} from '../../model/tunnel/world.ts';
import { CORRECT, type Variant, variantByName } from '../../model/variants.ts';
import { type WorldEmitted, type WorldEvent, worldStatus } from '../../model/world/world.ts';
import { reachabilityTwin } from '../goals.ts';
import type { AreaRender, PropertyDef, Violation } from '../registry-types.ts';
import { faultyWorld, oraclePath } from '../world/properties.ts';
import { formatWorldEvent, WORLD_RENDER, worldFacts, worldLines } from '../world/render.ts';
import { caseArb, GENERAL } from './arbitraries.ts';
import {
  describeEmitted,
  formatTunnelEvent,
  formatTunnelSetup,
  TUNNEL_RENDER,
  tunnelFacts,
  tunnelFactsOf,
} from './render.ts';

export interface CloudWorldCase {
  readonly setup: CloudWorldSetup;
  readonly events: readonly CloudWorldEvent[];
}

// ---- generation ----

/** One tenant of a generated provider: the world's primary site. */
function oneTenant(t: TunnelSetup): TunnelSetup {
  return { ...t, tenants: t.tenants.slice(0, 1), hosts: [] };
}

type Interjection = { readonly at: number; readonly kind: number; readonly pick: number };

export const cloudWorldArb: fc.Arbitrary<CloudWorldCase> = fc
  .record({
    world: faultyWorld,
    tunnel: caseArb(GENERAL).map((c) => oneTenant(c.setup)),
    picks: fc.array(fc.nat(5), { minLength: 4, maxLength: 4 }),
    tunnelEvents: fc.array(fc.record({ at: fc.nat(40), kind: fc.nat(9), pick: fc.nat(5) }), {
      maxLength: 6,
    }),
  })
  .map(({ world, tunnel, picks, tunnelEvents }) => {
    const tenant = tunnel.tenants[0]?.name ?? 'tenant-a';
    const groups = tunnel.tenants[0]?.groups ?? ['g-a1'];
    const proxies = tunnel.provider.proxies.map((p) => p.name);
    const proxy = (n: number) => proxies[n % proxies.length] as string;
    const vms = world.setup.replication.vms.map((v) => v.name);
    const setup: CloudWorldSetup = {
      ...world.setup,
      toCloud: true,
      tunnel,
      tenant,
      groups: Object.fromEntries(vms.map((v, i) => [v, groups[i % groups.length] as string])),
    };
    // The world's own story, its reprotects going through the stitch.
    let k = 0;
    const base: CloudWorldEvent[] = [
      // The appliance pushes the vib to its hosts when it boots (notes D).
      { type: 'ApplianceBoot' },
      ...world.events.flatMap((e): CloudWorldEvent[] =>
        e.type === 'Reprotect'
          ? [
              {
                type: 'ReprotectFromCloud',
                vm: e.vm,
                pick: proxy(picks[2] ?? 0),
                reversePick: proxy(picks[3] ?? k++),
              },
            ]
          : e.type === 'ApplianceBoot'
            ? []
            : [e],
      ),
    ];
    const faults = (x: Interjection): CloudWorldEvent[] => {
      const p = proxy(x.pick);
      switch (x.kind) {
        case 0:
        case 1:
          // A link blip: the vCTA's connections drop; it reconnects (events, no timers).
          return [
            { type: 'LinkDrop', tenant },
            { type: 'Tick', minutes: 1 + x.pick * 7 },
            { type: 'ControlConnect', tenant, pick: p },
            { type: 'ToCloudConnect', tenant, pick: p },
          ];
        case 2:
          return [
            { type: 'ProxyRestart', proxy: p },
            { type: 'Tick', minutes: 5 + x.pick * 5 },
            { type: 'ToCloudConnect', tenant, pick: p },
          ];
        case 3:
          return [
            { type: 'VctaStop', tenant },
            { type: 'Tick', minutes: 10 + x.pick * 6 },
            { type: 'VctaStart', tenant },
          ];
        case 4:
          return [{ type: 'VctaStop', tenant }];
        case 5:
          return [
            { type: 'CertificateReplace', target: p },
            { type: 'LinkDrop', tenant },
            { type: 'ToCloudConnect', tenant, pick: p },
            { type: 'ControlConnect', tenant, pick: p },
          ];
        case 6:
          return [
            { type: 'RePair', tenant },
            { type: 'ControlConnect', tenant, pick: p },
            { type: 'ToCloudConnect', tenant, pick: p },
          ];
        default:
          return [{ type: 'LinkDrop', tenant }];
      }
    };
    const events = [...base];
    for (const x of [...tunnelEvents].sort((a, b) => b.at - a.at)) {
      // After the configuration, before any failover: where a fault can meet a transfer.
      const at = Math.min(1 + vms.length + x.at, events.length);
      events.splice(at, 0, ...faults(x));
    }
    return {
      setup,
      events: [
        ...events.slice(0, 1),
        { type: 'ControlConnect', tenant, pick: proxy(picks[0] ?? 0) } as const,
        { type: 'ToCloudConnect', tenant, pick: proxy(picks[1] ?? 0) } as const,
        ...events.slice(1),
      ],
    };
  });

// ---- the oracle and the fold ----

/** Whether the tunnel carries to-the-cloud data now, read from its state (seed 003). */
export function tunnelCarries(t: TunnelState, tenant: string): boolean {
  const s = t.tenants[tenant];
  return s !== undefined && s.vcta === 'up' && s.toCloud !== null;
}

export interface CView {
  readonly index: number;
  readonly event: CloudWorldEvent;
  readonly before: CloudWorldState;
  readonly after: CloudWorldState;
  readonly emitted: readonly WorldEmitted[];
  readonly tunnel: readonly TunnelEmitted[];
  readonly error?: string;
}

type CCheck = (v: CView) => string | null;

function fold(c: CloudWorldCase, variant: Variant, check: CCheck): Violation | null {
  let s = initCloudWorld(c.setup, variant);
  for (const [i, event] of c.events.entries()) {
    const r = cloudWorldStep(s, event);
    const m = check({
      index: i + 1,
      event,
      before: s,
      after: r.state,
      emitted: r.emitted,
      tunnel: r.tunnel,
      ...(r.error ? { error: r.error } : {}),
    });
    if (m) return { step: i + 1, invariant: '', message: m };
    s = r.state;
  }
  return null;
}

/** Both halves of the path, each judged without the world's pathOf. */
const through = (s: CloudWorldState, vm: string) =>
  oraclePath(s.world, vm) && tunnelCarries(s.tunnel, s.setup.tenant);

const checkE1: CCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  for (const e of v.emitted) {
    if (e.kind !== 'delivered' && e.kind !== 'blocked') continue;
    const host = oraclePath(v.before.world, e.vm);
    const tunnel = tunnelCarries(v.before.tunnel, v.before.setup.tenant);
    if (e.kind === 'delivered' && !(host && tunnel))
      return `${e.vm}: ${e.blocks} block(s) reached the cloud vRS at minute ${e.clock}, though ${host ? (v.before.tunnel.tenants[v.before.setup.tenant]?.vcta === 'down' ? 'the vCTA is stopped' : 'the vCTA has no to-the-cloud connection') : 'the host does not route it as intended or let it out'}`;
    if (e.kind === 'blocked' && host && tunnel)
      return `${e.vm}: the transfer was blocked at minute ${e.clock} (${e.reason}) though the host lets it out and the tunnel is up`;
  }
  return null;
};

const checkF4: CCheck = (v) => {
  if (v.event.type !== 'Tick') return null;
  const w = v.after.world;
  for (const vm of Object.values(w.repl.vms)) {
    const r = vm.repl;
    if (!r || vm.power === 'off' || r.paused) continue;
    const last = latestInstance(r)?.pitClock ?? r.configuredAt;
    const age = w.repl.clock - last;
    if (!through(v.after, vm.name) && age > r.rpoMinutes) {
      const st = worldStatus(w, vm.name);
      if (st === 'OK' || !w.violated[vm.name])
        return `${vm.name}: the tunnel or the host cannot carry its to-the-cloud replication and its data is ${age} min old (RPO ${r.rpoMinutes} min), yet it shows ${st}${w.violated[vm.name] ? '' : ' with no RPO violation raised'}`;
    }
  }
  return null;
};

const checkC6: CCheck = (v) => {
  if (v.event.type !== 'ReprotectFromCloud' || v.error) return null;
  const e = v.emitted.find((x) => x.kind === 'reprotect');
  const joined = v.tunnel.some((x) => x.kind === 'stitched' && x.request === x.session);
  if (e?.kind === 'reprotect' && e.delivered !== joined)
    return `${v.event.vm}: reprotect from the cloud ${e.delivered ? 'delivered' : 'was not delivered'} though its reverse stream was ${joined ? '' : 'not '}stitched`;
  const t = v.after.tunnel.tenants[v.after.setup.tenant];
  if (!joined && t && directionHealthy(t, 'fromCloud'))
    return `${v.event.vm}: the reverse stream from the cloud was not stitched, yet the site shows Connected with no from-the-cloud error`;
  return null;
};

const withId = (id: string, x: Violation | null): Violation | null =>
  x ? { ...x, invariant: id } : null;

const always = (
  id: string,
  inv: string,
  title: string,
  check: CCheck,
  numRuns = 150,
): PropertyDef<CloudWorldCase> => ({
  id,
  area: 'cloud-world',
  kind: 'always',
  invariants: [inv],
  title: `${inv} ${title}`,
  numRuns,
  arbitrary: () => cloudWorldArb,
  check: (c, variant) => withId(inv, fold(c, variant, check)),
  // The explorer asks the same predicate of every transition (properties/tunnel/world-explore.ts).
  perStep: { check: (view) => check(view as CView) },
});

const sometimes = (
  id: string,
  inv: string,
  title: string,
  goals: Record<string, (v: CView) => boolean>,
): PropertyDef<CloudWorldCase> =>
  reachabilityTwin({
    id,
    area: 'cloud-world',
    invariant: inv,
    title,
    numRuns: 150,
    arbitrary: cloudWorldArb,
    goals,
    walk: (c, variant, see) =>
      fold(c, variant, (v) => {
        see(v);
        return null;
      }),
  });

const blockedBy = (v: CView, what: RegExp) =>
  v.emitted.some((e) => e.kind === 'blocked' && what.test(e.reason));

export const CLOUD_WORLD_PROPERTIES: readonly PropertyDef<CloudWorldCase>[] = [
  always(
    'E1-cloud',
    'E1',
    "(cloud) a to-the-cloud cycle's data reaches the cloud vRS iff the host lets it out to the vCTA and the vCTA's tunnel is up",
    checkE1,
  ),
  sometimes(
    'E1-cloud',
    'E1',
    'some to-the-cloud transfers are delivered and some blocked by the tunnel',
    {
      delivered: (v) => v.emitted.some((e) => e.kind === 'delivered'),
      'blocked by the tunnel': (v) => blockedBy(v, /vCTA/),
      'blocked by the host firewall': (v) => blockedBy(v, /firewall/),
    },
  ),
  always(
    'F4-cloud',
    'F4',
    '(cloud) to-the-cloud replication the tunnel cannot carry never shows OK past one RPO: it raises an RPO violation',
    checkF4,
  ),
  sometimes('F4-cloud', 'F4', 'some to-the-cloud replication waits on the tunnel past its RPO', {
    'tunnel down past the RPO': (v) =>
      v.event.type === 'Tick' &&
      !tunnelCarries(v.after.tunnel, v.after.setup.tenant) &&
      v.emitted.some((e) => e.kind === 'rpoViolated'),
  }),
  always(
    'C6-e2e',
    'C6',
    'end to end: a reprotect from the cloud delivers exactly when its reverse stream is stitched, and an unstitched one shows on the site',
    checkC6,
  ),
  sometimes(
    'C6-e2e',
    'C6',
    'some reprotects from the cloud are stitched and delivered, and some are not',
    {
      'stitched and delivered': (v) => v.emitted.some((e) => e.kind === 'reprotect' && e.delivered),
      'not stitched': (v) =>
        v.event.type === 'ReprotectFromCloud' &&
        !v.error &&
        v.emitted.some((e) => e.kind === 'reprotect' && !e.delivered),
    },
  ),
];

// ---- in words ----

export function formatCloudWorldEvent(e: CloudWorldEvent): string {
  if (e.type === 'ReprotectFromCloud')
    return `ReprotectFromCloud(${e.vm}: cloud host -> ${e.pick}, an L4 VIP would pick ${e.reversePick})`;
  if (TUNNEL_EVENTS.has(e.type)) return formatTunnelEvent(e as never);
  return formatWorldEvent(e as WorldEvent);
}

/** The world's and the tunnel's facts after each step: what --against compares. */
function cloudWorldFacts(variantName: string, setup: unknown, events: readonly unknown[]) {
  let s = initCloudWorld(setup as CloudWorldSetup, variantByName(variantName) ?? CORRECT);
  const out = [[...worldFacts(s.world), ...tunnelFactsOf(s.tunnel)]];
  for (const e of events as CloudWorldEvent[]) {
    const r = cloudWorldStep(s, e);
    s = r.state;
    out.push([
      ...worldFacts(s.world, { state: s.world, emitted: r.emitted }),
      ...tunnelFactsOf(s.tunnel, { emitted: r.tunnel }),
    ]);
  }
  return out;
}

export const CLOUD_WORLD_RENDER: AreaRender = {
  facts: cloudWorldFacts,
  formatSetup: (s) => {
    const c = s as CloudWorldSetup;
    return [
      ...WORLD_RENDER.formatSetup(c),
      ...formatTunnelSetup(c.tunnel),
      `the primary site is tenant ${c.tenant}; groups ${Object.entries(c.groups)
        .map(([vm, g]) => `${vm} ${g}`)
        .join(', ')}`,
    ];
  },
  formatEvent: (e) => formatCloudWorldEvent(e as CloudWorldEvent),
  stateDiff: (variantName, setup, events, at) => {
    if (at < 1) return [];
    const variant = variantByName(variantName) ?? CORRECT;
    let s = initCloudWorld(setup as CloudWorldSetup, variant);
    for (let i = 0; i < at - 1; i++) s = cloudWorldStep(s, events[i] as CloudWorldEvent).state;
    const r = cloudWorldStep(s, events[at - 1] as CloudWorldEvent);
    const out: string[] = r.tunnel.map((x) => `happened: ${describeEmitted(x)}`);
    const a = new Set(worldLines(s.world));
    out.push(
      ...worldLines(r.state.world)
        .filter((l) => !a.has(l))
        .map((l) => `now ${l}`),
    );
    for (const e of r.emitted) {
      if (e.kind === 'rpoViolated')
        out.push(`minute ${e.clock}: rpoViolatedEvent ${e.vm}, by ${e.minutes} minute(s)`);
      if (e.kind === 'rpoRestored') out.push(`minute ${e.clock}: rpoRestoredEvent ${e.vm}`);
      if (e.kind === 'reprotect')
        out.push(
          `${e.vm} reprotect sends ${e.sent} block(s); ${e.delivered ? 'delivered' : `not delivered: ${e.reason}`}`,
        );
    }
    const blocked = r.emitted.filter((e) => e.kind === 'blocked');
    if (blocked[0]?.kind === 'blocked')
      out.push(
        `minutes ${blocked[0].clock}-${blocked[blocked.length - 1]?.clock}: blocked: ${blocked[0].reason}`,
      );
    const ta = tunnelFacts(s.tunnel);
    const tb = tunnelFacts(r.state.tunnel);
    for (const k of Object.keys(tb))
      if (ta[k] !== tb[k]) out.push(`${k}: ${ta[k] ?? '-'} -> ${tb[k]}`);
    if (r.error) out.push(`(refused: ${r.error})`);
    return out.slice(0, 40);
  },
  eventFields: {
    ...WORLD_RENDER.eventFields,
    ...Object.fromEntries(
      Object.entries(TUNNEL_RENDER.eventFields).filter(([type]) => TUNNEL_EVENTS.has(type)),
    ),
    ReprotectFromCloud: ['vm', 'pick', 'reversePick'],
  },
  // A VM fewer, as for any world: the setup is a world's setup with the tunnel beside it.
  ...(WORLD_RENDER.reduce ? { reduce: WORLD_RENDER.reduce } : {}),
};
