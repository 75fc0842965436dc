// Every explorable area, one line each, and running one of its scopes. Adding an area is its
// scope file beside its properties and one line here.
import { FIREWALL_EXPLORE } from '../firewall/explore.ts';
import { NETWORK_EXPLORE } from '../network/explore.ts';
import { REPLICATION_EXPLORE } from '../replication/explore.ts';
import { TUNNEL_EXPLORE } from '../tunnel/explore.ts';
import { CLOUD_WORLD_EXPLORE } from '../tunnel/world-explore.ts';
import { WORLD_EXPLORE } from '../world/explore.ts';
import {
  exploreEnumerated,
  exploreStepped,
  inSlices,
  searchEnumerated,
  searchStepped,
} from './engine.ts';
import type { ExploreArea, ExploreOptions, ExploreRun, Scope } from './types.ts';

export const EXPLORE_AREAS: readonly ExploreArea[] = [
  REPLICATION_EXPLORE as unknown as ExploreArea,
  NETWORK_EXPLORE as unknown as ExploreArea,
  FIREWALL_EXPLORE as unknown as ExploreArea,
  WORLD_EXPLORE as unknown as ExploreArea,
  TUNNEL_EXPLORE as unknown as ExploreArea,
  CLOUD_WORLD_EXPLORE as unknown as ExploreArea,
];

export function exploreArea(name: string): ExploreArea | undefined {
  return EXPLORE_AREAS.find((a) => a.area === name);
}

export function scopeOf(area: ExploreArea, name: string): Scope<unknown> | undefined {
  return (area.scopes as readonly Scope<unknown>[]).find((s) => s.name === name);
}

/** Explores one scope of an area (the default scope is the area's first). */
export function runScope(
  area: ExploreArea,
  scope: Scope<unknown>,
  opts: ExploreOptions,
): ExploreRun {
  if (area.kind === 'enumerated')
    return exploreEnumerated(area.area, scope, area.space(scope as never), opts);
  const model = area.model(scope as never, opts.variant, { symmetry: opts.symmetry ?? true });
  return exploreStepped(area.area, scope, model, opts);
}

/**
 * The same, in slices of `sliceMs` with the event loop let in between: a signal handler runs
 * and `shouldStop` sees it within a slice.
 */
export function runScopeInSlices(
  area: ExploreArea,
  scope: Scope<unknown>,
  opts: ExploreOptions,
  sliceMs: number,
): Promise<ExploreRun> {
  if (area.kind === 'enumerated') {
    const space = area.space(scope as never);
    return inSlices((slice) => searchEnumerated(area.area, scope, space, opts, slice), sliceMs);
  }
  const model = area.model(scope as never, opts.variant, { symmetry: opts.symmetry ?? true });
  return inSlices((slice) => searchStepped(area.area, scope, model, opts, slice), sliceMs);
}
