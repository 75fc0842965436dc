// Every fixture the suite must judge, whatever its area, behind one shape: a name, the
// verdict the sources give, and how to judge it on a variant.
import type { Variant } from '../model/variants.ts';
import { FW_SCENARIOS, judgeFirewall } from './firewall/scenarios.ts';
import { type CounterexampleRecord, FAST_CHECK_VERSION } from './harness.ts';
import { judge, NET_SCENARIOS, scenarioCase } from './network/scenarios.ts';
import { propertyById } from './registry.ts';
import { judgeTunnel, TUNNEL_LAYOUTS, tunnelLayoutStory } from './tunnel/scenarios.ts';

export interface Fixture {
  readonly name: string;
  readonly source: string;
  readonly expected: 'found' | 'clean';
  judge(variant: Variant): { verdict: 'found' | 'clean'; flow?: string };
}

export const FIXTURES: readonly Fixture[] = [
  ...NET_SCENARIOS.map((s) => ({
    name: s.name,
    source: s.source,
    expected: s.expected,
    judge: (v: Variant) => {
      const r = judge(s, v);
      return { verdict: r.verdict, ...(r.flow ? { flow: r.flow } : {}) };
    },
  })),
  ...FW_SCENARIOS.map((s) => ({
    name: s.name,
    source: s.source,
    expected: s.expected,
    judge: (v: Variant) => judgeFirewall(s, v),
  })),
  // The cloud tunnel's layouts (issue 14).
  ...TUNNEL_LAYOUTS.map((l) => ({
    name: l.name,
    source: l.source,
    expected: l.expected,
    judge: (v: Variant) => judgeTunnel(l, v),
  })),
];

/**
 * A routing layout that is found, told as a counterexample of the property it breaks (its
 * check run on the layout as given), or undefined when it names no property or passes it.
 */
export function layoutStory(name: string, variant: Variant): CounterexampleRecord | undefined {
  const sc = NET_SCENARIOS.find((x) => x.name === name);
  const def = sc?.property ? propertyById(sc.property) : undefined;
  if (!sc) return tunnelLayoutStory(name, variant);
  if (!def?.check) return undefined;
  const c = scenarioCase(sc);
  const violation = def.check(c, variant);
  if (!violation) return undefined;
  return {
    id: name,
    property: def.id,
    title: `${def.title} (${sc.source} layout ${name})`,
    invariants: def.invariants,
    variant: variant.name,
    area: def.area,
    setup: c.setup,
    events: c.events,
    violation,
    seed: 0,
    path: 'fixture',
    fastCheckVersion: FAST_CHECK_VERSION,
  };
}
