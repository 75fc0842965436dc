// The two-site world with the cloud as its DR site: the tunnel's state beside the world's, and
// its verdict handed to the world where the to-the-cloud path is decided (world.ts pathOf and
// reprotect read `tunnel`). To the cloud: host -> vCTA through the host's firewall (the world
// as it is) -> the vCTA's to-the-cloud connection -> a proxy -> the cloud vRS (seed 003).
// Back from the cloud, after failover: the reverse stream is stitched (vCAT-SP 4.3.1).
// Failover itself needs no tunnel: seed 003's portal runs in the cloud when the tenant's site
// is gone.
import { has, type Variant } from '../variants.ts';
import {
  initWorld,
  type Path,
  type WorldEmitted,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStep,
} from '../world/world.ts';
import { init as initTunnel, step as tunnelStep } from './step.ts';
import type { TunnelEmitted, TunnelEvent, TunnelSetup, TunnelState } from './types.ts';

/** The world's setup (the tenant's site, the cloud as its DR site, `toCloud` set) and more. */
export interface CloudWorldSetup extends WorldSetup {
  readonly tunnel: TunnelSetup;
  /** Which of the tunnel's tenants the world's primary site is. */
  readonly tenant: string;
  /** The replication group of each VM, by VM name. */
  readonly groups: Readonly<Record<string, string>>;
}

/** The tunnel's events that the layer hands to the tunnel model (firewall ones go to the world). */
export const TUNNEL_EVENTS: ReadonlySet<string> = new Set<string>([
  'ControlConnect',
  'LinkDrop',
  'ProxyRestart',
  'VctaStop',
  'VctaStart',
  'ToCloudConnect',
  'CloudSessionStart',
  'RelayRequest',
  'ReverseConnect',
  'Stitch',
  'CertificateReplace',
  'RePair',
  'SessionExpire',
  'Login',
]);

type TunnelOnly = Exclude<TunnelEvent, { type: 'RulesetSet' | 'VibInstallManual' | 'ToCloudSend' }>;

export type CloudWorldEvent =
  | Exclude<WorldEvent, { type: 'Reprotect' }>
  | TunnelOnly
  /**
   * Reprotect from the cloud: the cloud host starts the reverse session for the VM's group (the
   * internal balancer hands it to `pick`), the request is relayed, the vCTA dials back
   * (`reversePick` if it lands on an L4 VIP) and the proxy stitches; then the world's Reprotect.
   */
  | {
      readonly type: 'ReprotectFromCloud';
      readonly vm: string;
      readonly pick: string;
      readonly reversePick: string;
    };

export interface CloudWorldState {
  readonly setup: CloudWorldSetup;
  readonly world: WorldState;
  readonly tunnel: TunnelState;
  /** Reverse sessions started so far, for their ids. */
  readonly reprotects: number;
}

export interface CloudWorldStep {
  readonly state: CloudWorldState;
  readonly emitted: readonly WorldEmitted[];
  readonly tunnel: readonly TunnelEmitted[];
  readonly error?: string;
}

/** The tunnel's verdict for the tenant: to the cloud through its open connection. */
export function toCloudVerdict(t: TunnelState, tenant: string): Path {
  const s = t.tenants[tenant];
  if (!s) return { ok: false, reason: `no tenant ${tenant} in the tunnel` };
  if (s.vcta === 'down') return { ok: false, reason: `the vCTA of ${tenant} is stopped` };
  // Defect: the vCTA accepts the host's stream locally and nothing notices it goes nowhere.
  if (s.toCloud === null && has(t.variant, 'vcta-accepts-without-tunnel'))
    return { ok: true, reason: `accepted by the vCTA of ${tenant}` };
  if (s.toCloud === null)
    return {
      ok: false,
      reason: `the vCTA of ${tenant} has no to-the-cloud connection${s.errors.toCloud ? ` (${s.errors.toCloud.message})` : ''}`,
    };
  return { ok: true, reason: `through the vCTA's tunnel to ${s.toCloud}` };
}

const NOT_YET: Path = { ok: false, reason: 'no reverse session stitched' };

function withTunnel(w: WorldState, t: TunnelState, tenant: string, fromCloud: Path): WorldState {
  return { ...w, tunnel: { toCloud: toCloudVerdict(t, tenant), fromCloud } };
}

export function initCloudWorld(setup: CloudWorldSetup, variant: Variant): CloudWorldState {
  const tunnel = initTunnel(setup.tunnel, variant);
  return {
    setup,
    world: withTunnel(initWorld(setup, variant), tunnel, setup.tenant, NOT_YET),
    tunnel,
    reprotects: 0,
  };
}

const isTunnelEvent = (e: CloudWorldEvent): e is TunnelOnly => TUNNEL_EVENTS.has(e.type);

export function cloudWorldStep(cw: CloudWorldState, e: CloudWorldEvent): CloudWorldStep {
  const tenant = cw.setup.tenant;
  if (isTunnelEvent(e)) {
    const r = tunnelStep(cw.tunnel, e);
    const fromCloud = cw.world.tunnel?.fromCloud ?? NOT_YET;
    return {
      state: { ...cw, tunnel: r.state, world: withTunnel(cw.world, r.state, tenant, fromCloud) },
      emitted: [],
      tunnel: r.emitted,
      ...(r.refused ? { error: r.refused } : {}),
    };
  }
  if (e.type === 'ReprotectFromCloud') {
    const group = cw.setup.groups[e.vm];
    if (!group)
      return { state: cw, emitted: [], tunnel: [], error: `${e.vm} has no replication group` };
    const id = `reprotect-${cw.reprotects + 1}`;
    let t = cw.tunnel;
    const emitted: TunnelEmitted[] = [];
    for (const x of [
      { type: 'CloudSessionStart', request: id, group, pick: e.pick },
      { type: 'RelayRequest', request: id },
      { type: 'ReverseConnect', request: id, pick: e.reversePick },
      { type: 'Stitch', request: id },
    ] as const) {
      const r = tunnelStep(t, x);
      t = r.state;
      emitted.push(...r.emitted);
    }
    const req = t.requests.find((x) => x.id === id);
    const fromCloud: Path =
      req?.phase === 'stitched' && req.joined === id
        ? { ok: true, reason: `stitched at ${req.landed}` }
        : {
            ok: false,
            reason: `the reverse stream was not stitched: ${req?.reason ?? `${id} is ${req?.phase}`}`,
          };
    const w = withTunnel(cw.world, t, tenant, fromCloud);
    const r = worldStep(w, { type: 'Reprotect', vm: e.vm });
    return {
      state: { ...cw, tunnel: t, world: r.state, reprotects: cw.reprotects + 1 },
      emitted: r.emitted,
      tunnel: emitted,
      ...(r.error ? { error: r.error } : {}),
    };
  }
  const r = worldStep(cw.world, e);
  return {
    state: { ...cw, world: r.state },
    emitted: r.emitted,
    tunnel: [],
    ...(r.error ? { error: r.error } : {}),
  };
}
