// The tunnel as an explorable area: its tiny scope pinned, every scope's verdicts on the
// correct model, the symmetry reduction checked against the unreduced search, and every tunnel
// zoo variant found by breadth-first search no longer than the shortest fast-check has found.
import { describe, expect, test } from 'vitest';
import { init } from '../model/tunnel/step.ts';
import { CORRECT } from '../model/variants.ts';
import { exploreArea, runScope, scopeOf } from './explore/areas.ts';
import type { ExploreRun, Scope } from './explore/types.ts';
import { PROPERTIES } from './registry.ts';
import { TUNNEL_EXPLORE, type TunnelScope, tunnelModel } from './tunnel/explore.ts';
import { healthy, initialMemory } from './tunnel/oracle.ts';
import { CLOUD_WORLD_EXPLORE } from './tunnel/world-explore.ts';

const area = exploreArea('tunnel');
const scopes = TUNNEL_EXPLORE.scopes;
const named = (name: string) => scopes.find((s) => s.name === name) as Scope<TunnelScope>;

/** The scopes npm test exhausts: all but the default (seconds under load; nightly). */
const SMALL = scopes.filter((s) => s.name !== 'default');
const runs = new Map<string, ExploreRun>();
const runOf = (s: Scope<TunnelScope>): ExploreRun => {
  const known = runs.get(s.name);
  if (known) return known;
  const r = runScope(area as never, s as Scope<unknown>, { variant: CORRECT });
  runs.set(s.name, r);
  return r;
};

describe('the tunnel is an explorable area', () => {
  test('it is registered, its first scope is the default and it has a tiny one', () => {
    expect(area).toBeDefined();
    expect(scopes[0]?.name).toBe('default');
    expect(scopeOf(area as never, 'tiny')).toBeDefined();
  });

  test('tunnel/tiny is exhausted with no violation, every goal in scope witnessed, and the pinned count', () => {
    const scope = named('tiny');
    const r = runOf(scope);
    expect(r.counterexample?.violation, 'a violation on the correct model').toBeUndefined();
    expect(r.exhausted).toBe(true);
    expect(r.status).toBe('passed');
    expect(
      r.stats?.distinct,
      `tunnel/tiny now has ${r.stats?.distinct} distinct states, pinned at ${scope.pinned}. Update pinned to ${r.stats?.distinct} in properties/tunnel/explore.ts only if the change to the model (or the scope) that did this was intended.`,
    ).toBe(scope.pinned);
  });

  for (const scope of SMALL.filter((s) => s.name !== 'tiny'))
    test(`tunnel/${scope.name} is exhausted on the correct model with no violation and every goal in scope witnessed`, () => {
      const r = runOf(scope);
      expect(r.counterexample?.violation).toBeUndefined();
      expect(r.exhausted).toBe(true);
      const missed = r.witnesses
        .filter((w) => w.states === 0 && !scope.outOfScope?.includes(`${w.property}: ${w.goal}`))
        .map((w) => `${w.property}: ${w.goal}`);
      expect(missed, 'goals never reached: those passes would be vacuous').toEqual([]);
      expect(r.status).toBe('passed');
    });
});

describe('the tunnel scopes cover C1-C6', () => {
  const always = PROPERTIES.filter((p) => p.area === 'tunnel' && p.kind === 'always');

  test('every tunnel safety property (C1-C6, C5-picks) is checked by some scope npm test exhausts', () => {
    const checked = new Set(
      SMALL.flatMap((s) => tunnelModel(s, CORRECT).checks.map((c) => c.property)),
    );
    expect(always.map((p) => p.id).filter((id) => !checked.has(id))).toEqual([]);
    for (const id of ['C1', 'C2', 'C3', 'C4', 'C5', 'C5-picks', 'C6'])
      expect(checked).toContain(id);
  });

  test('every goal of every tunnel twin is witnessed by some scope npm test exhausts', () => {
    const witnessed = new Set<string>();
    for (const s of SMALL)
      for (const w of runOf(s).witnesses)
        if (w.states > 0) witnessed.add(`${w.property}: ${w.goal}`);
    const goals = PROPERTIES.filter((p) => p.area === 'tunnel' && p.kind === 'sometimes').flatMap(
      (p) => (p.goals ?? []).map((g) => `${p.id}: ${g}`),
    );
    expect(goals.filter((g) => !witnessed.has(g))).toEqual([]);
  });

  test('C5 is checked only where the provider is healthy by the oracle and no event can make it unhealthy', () => {
    for (const s of scopes) {
      const checksC5 = tunnelModel(s, CORRECT).checks.some((c) => c.property === 'C5');
      if (!checksC5) continue;
      const s0 = init(s.params.setup, CORRECT);
      expect(healthy(s0, initialMemory(s0)), `${s.name} is not healthy`).toBe(true);
      expect(s.params.events).not.toContain('CertificateReplace');
      expect(s.params.events).not.toContain('RePair');
    }
  });
});

describe('symmetric proxies and tenants', () => {
  test('two-tenants: each stored state stands for its orbit, and the orbits add up to the unreduced search', () => {
    const scope = named('two-tenants');
    const model = tunnelModel(scope, CORRECT);
    // Two tenants and two proxies, each pair interchangeable: four renamings.
    expect(model.symmetryGroup).toBe(4);
    const reduced = runOf(scope);
    const full = runScope(area as never, scope as Scope<unknown>, {
      variant: CORRECT,
      symmetry: false,
    });
    const stats = reduced.stats as NonNullable<ExploreRun['stats']>;
    expect(full.status).toBe('passed');
    expect(Math.round(stats.distinct * stats.symmetryRatio)).toBe(full.stats?.distinct);
    expect(stats.distinct).toBeLessThan(full.stats?.distinct as number);
    // Every goal reached in the one is reached in the other.
    const hit = (r: ExploreRun) => r.witnesses.filter((w) => w.states > 0).map((w) => w.goal);
    expect(hit(reduced)).toEqual(hit(full));
  });

  test('a setup whose proxies differ has no renaming but the identity', () => {
    expect(tunnelModel(named('l4-no-override'), CORRECT).symmetryGroup).toBe(1);
    expect(tunnelModel(named('certificates'), CORRECT).symmetryGroup).toBe(1);
    expect(tunnelModel(named('default'), CORRECT).symmetryGroup).toBe(2);
  });
});

// The tunnel's and the cloud world's zoo variants are hunted with every other stepped area's in
// properties/explore.spec.ts (found, no longer than fast-check's shortest, by an invariant the
// defect should break, and replayed on the variant and on the correct model).

describe('the cloud world (the world with the cloud as its DR site) is an explorable area', () => {
  const cw = exploreArea('cloud-world');
  const cwScopes = CLOUD_WORLD_EXPLORE.scopes;

  test('cloud-world/tiny is exhausted with no violation and the pinned count', () => {
    const scope = cwScopes.find((s) => s.name === 'tiny') as Scope<unknown>;
    const r = runScope(cw as never, scope, { variant: CORRECT });
    expect(r.status).toBe('passed');
    expect(
      r.stats?.distinct,
      `cloud-world/tiny now has ${r.stats?.distinct} distinct states, pinned at ${scope.pinned}. Update pinned to ${r.stats?.distinct} in properties/tunnel/world-explore.ts only if the change to the model (or the scope) that did this was intended.`,
    ).toBe(scope.pinned);
  });

  test('every scope is exhausted on the correct model, and together they check E1, F4 and C6 end to end and witness every goal', () => {
    const checked = new Set<string>();
    const witnessed = new Set<string>();
    for (const scope of cwScopes) {
      const r = runScope(cw as never, scope as Scope<unknown>, { variant: CORRECT });
      expect(r.status, `cloud-world/${scope.name}`).toBe('passed');
      for (const c of r.checked) checked.add(c.property);
      for (const w of r.witnesses) if (w.states > 0) witnessed.add(`${w.property}: ${w.goal}`);
    }
    const defs = PROPERTIES.filter((p) => p.area === 'cloud-world');
    expect(defs.filter((p) => p.kind === 'always' && !checked.has(p.id)).map((p) => p.id)).toEqual(
      [],
    );
    const goals = defs
      .filter((p) => p.kind === 'sometimes')
      .flatMap((p) => (p.goals ?? []).map((g) => `${p.id}: ${g}`));
    expect(goals.filter((g) => !witnessed.has(g))).toEqual([]);
  });
});
