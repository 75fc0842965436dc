// A property's depth in words: its runs against npm test's and a nightly's, never as a
// fraction that reads as "1 % done".
import type { PropertyRow } from './summary.ts';

const count = (n: number) => n.toLocaleString('en-US');

/**
 * How deep a property searched, in words that cannot be read as a fraction done: its runs
 * against the runs npm test makes and the most a nightly makes.
 */
export function depthText(p: PropertyRow): string {
  const test = `npm test makes ${count(p.testRuns)}`;
  const most =
    p.kind === 'always' ? `; a nightly with time to spare makes ${count(p.maxRuns)}` : '';
  if (p.status === 'failed' && p.counterexample !== undefined)
    return `failed at run ${count(p.numRuns)} (${test})`;
  if (p.numRuns === 0) return `not run (${test})`;
  if (p.numRuns < p.testRuns)
    return `only ${count(p.numRuns)} runs, fewer than npm test's ${count(p.testRuns)}: not a pass`;
  const times = p.numRuns / p.testRuns;
  const depth =
    p.numRuns === p.testRuns
      ? 'as many as npm test'
      : `${times >= 10 ? Math.floor(times) : Math.floor(times * 10) / 10} times npm test's ${count(p.testRuns)}`;
  return `${count(p.numRuns)} runs, ${depth}${most}`;
}

/** A reachability twin's goals and how many runs reached each. */
export function goalsText(p: PropertyRow): string {
  return Object.entries(p.goals ?? {})
    .map(([goal, n]) => `${goal}: ${count(n)}`)
    .join(', ');
}
