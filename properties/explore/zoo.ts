// The defect zoo hunted by exhaustive exploration: each variant explored in a scope of its
// area until the first violation, which breadth-first search makes a shortest trace of that
// scope; its length is compared with the shortest fast-check has found (zoo-shortest.json).
import { DEFECT_INFO, type Defect, type Variant } from '../../model/variants.ts';
import type { CounterexampleRecord } from '../harness.ts';
import { loadShortest } from '../zoo.ts';
import { exploreArea, runScope, scopeOf } from './areas.ts';
import type { Scope } from './types.ts';

/**
 * The scope each variant is hunted in, when it is not its area's default: a named scope kept
 * beside the area's properties. Tiny scopes are enough for most: the defects show within a few
 * events, and a smaller scope reaches that depth sooner.
 */
export const ZOO_SCOPES: Readonly<Partial<Record<Defect, string>>> = {
  'commit-as-arrives': 'tiny',
  'bitmap-lost-on-cut': 'tiny',
  'stale-psf-trusted': 'tiny',
  'live-read-transfer': 'tiny',
  'fullsync-misses-concurrent-writes': 'tiny',
  'fullsync-sends-all': 'tiny',
  'mpit-prunes-newest': 'tiny',
  'syncnow-without-lock': 'tiny',
  'rpo-range-ignores-version': 'config',
  'rpo-violation-off-by-one': 'to-cloud',
  'ok-while-dropped': 'to-cloud',
  'failover-to-partial': 'failover',
  // Allowed-IP events are offered only by the firewall's allowed-ips scope.
  'allowed-ips-ignored': 'allowed-ips',
  // The world's default layout routes replication: a layout blocked from the start (seed 000
  // before its fix) shows a blocked transfer's status within two events, as fast-check does.
  'blocked-shows-error': 'blocked',
  // Pace needs two VMs sharing the link; 4-minute ticks reach the late start in 8 events.
  'scheduler-latest-start': 'pace',
  // A custom netstack that can route (its own gateway or a route on it) is in the fixes scope.
  'replication-on-custom-stack': 'fixes',
  // Per-vmk gateways: the competing scope (1 or 2 vmks) has them and is the smallest that does.
  'gateway-override-for-all': 'competing',
  // Two-vmk hosts without the custom netstack: the tiny routing scope is enough.
  'tie-highest-vmk': 'tiny',
  'routes-survive-reboot-unpersisted': 'tiny',
  'advisor-ignores-persistence': 'tiny',
  'reprotect-without-checksums': 'failover',
  // The tunnel's: each in the smallest scope of properties/tunnel/explore.ts whose provider
  // has the mistake the defect needs (a SAN, a VIP one label deep, a stale pin, no override);
  // the cloud world's (properties/tunnel/world-explore.ts) in its tiny scope.
  'cloud-dials-tenant': 'tiny',
  'stitch-any-pending': 'tiny',
  'second-control-connection': 'tiny',
  'reverse-fqdn-defaults-to-vip': 'l4-no-override',
  'reverse-failure-silent': 'l4-no-override',
  'cert-checks-cn-only': 'certificates',
  'wildcard-matches-any-depth': 'deep-vip',
  'thumbprint-not-pinned': 'stale-pin',
  'vcta-accepts-without-tunnel': 'tiny',
};

export interface ExploreZooRow {
  readonly variant: string;
  readonly area: string;
  readonly scope: string;
  readonly found: boolean;
  readonly property?: string;
  readonly invariant?: string;
  /** Distinct states (configurations) stored when the violation was found. */
  readonly statesUntilFound?: number;
  /** Events in the trace (0: the configuration or the start state as given). */
  readonly length?: number;
  /** Events in the shortest counterexample fast-check has found (zoo-shortest.json). */
  readonly shortestKnown?: number;
  readonly ms: number;
  readonly record?: CounterexampleRecord;
}

/** Explores the variant's scope until it breaks (or the scope is exhausted). */
export function huntByExplore(variant: Variant, opts: { maxStates?: number } = {}): ExploreZooRow {
  const defect = variant.defects[0] as Defect;
  const areaName = DEFECT_INFO[defect].area;
  const area = exploreArea(areaName);
  if (!area) throw new Error(`explore: no explorable area ${areaName} for ${variant.name}`);
  const scopeName = ZOO_SCOPES[defect] ?? (area.scopes[0] as Scope<unknown>).name;
  const scope = scopeOf(area, scopeName);
  if (!scope) throw new Error(`explore: ${areaName} has no scope ${scopeName}`);
  const started = performance.now();
  const run = runScope(area, scope, {
    variant,
    maxStates: opts.maxStates ?? 2_000_000,
    witnesses: false,
  });
  const known = loadShortest()[variant.name]?.events.length;
  const rec = run.counterexample;
  return {
    variant: variant.name,
    area: areaName,
    scope: scopeName,
    found: rec !== undefined,
    ...(rec
      ? {
          property: rec.property,
          invariant: rec.violation.invariant,
          statesUntilFound: run.statesUntilFound ?? 0,
          length: rec.events.length,
          record: rec,
        }
      : {}),
    ...(known !== undefined ? { shortestKnown: known } : {}),
    ms: Math.round(performance.now() - started),
  };
}
