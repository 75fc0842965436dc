// Every fixture the suite must judge, whatever its area, behind one shape: a name, the
// verdict the sources give, and how to judge it on a variant.
import type { Variant } from '../model/variants.ts';
import { FW_SCENARIOS, judgeFirewall } from './firewall/scenarios.ts';
import { judge, NET_SCENARIOS } from './network/scenarios.ts';

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
];
