// What failed in a run, each with its one-sentence verdict: the first thing report.html and
// summary.md show. Data here; each renderer draws it.
import { DEFECT_INFO, type Defect } from '../../model/variants.ts';
import type { CounterexampleRecord } from '../harness.ts';
import { goalsText } from './depth.ts';
import type { Summary } from './summary.ts';

/** The verdict in one sentence: what went wrong in the user's words, the invariant last. */
export function verdictOf(rec: CounterexampleRecord): string {
  const v = rec.violation;
  const where = v.step === 0 ? 'in the configuration as given' : `after step ${v.step}`;
  const text = v.message.replace(/\s+$/, '');
  return `${text}${/[.!?]$/.test(text) ? '' : '.'} (${v.invariant}, ${where})`;
}

export type FailureKind = 'failed' | 'known' | 'found' | 'flipped';

export interface Failure {
  /** The card or row it links to: cex-<id>, layout-<name>, prop-<id> or zoo. */
  readonly anchor: string;
  readonly what: string;
  readonly verdict: string;
  /** failed: new; known: a counterexample the corpus holds; found: a layout found as its
   * source documents; flipped: a layout whose verdict is not the documented one. */
  readonly kind: FailureKind;
  readonly note: string;
}

export const cardAnchor = (id: string) => `cex-${id}`;
export const layoutAnchor = (name: string) => `layout-${name}`;

/**
 * failures(s) in two lists: what failed, and the layouts found as their sources document them,
 * which are the suite working, not failures (a run with only these is not drawn red).
 */
export function failedAndFound(s: Summary): { failed: Failure[]; found: Failure[] } {
  const list = failures(s);
  return {
    failed: list.filter((f) => f.kind !== 'found'),
    found: list.filter((f) => f.kind === 'found'),
  };
}

/** Everything that failed or was found, in catalogue order, each with its sentence. */
function failures(s: Summary): Failure[] {
  const byId = new Map(s.counterexamples.map((c) => [c.id, c]));
  const out: Failure[] = [];
  for (const p of s.properties.filter((x) => x.status === 'failed')) {
    const c = p.counterexample ? byId.get(p.counterexample) : undefined;
    out.push(
      c
        ? {
            anchor: cardAnchor(c.id),
            what: p.title,
            verdict: verdictOf(c),
            kind: c.corpus === 'known' ? 'known' : 'failed',
            note: c.corpus === 'known' ? 'in the corpus already' : 'failed',
          }
        : {
            anchor: `prop-${p.id}`,
            what: p.title,
            verdict: `its goals were not all reached in ${p.numRuns} runs (${goalsText(p)}), so its safety property's pass would be vacuous.`,
            kind: 'failed',
            note: 'failed',
          },
    );
  }
  for (const x of s.scenarios.filter((y) => y.verdict === 'found' || y.verdict !== y.expected)) {
    const flipped = x.verdict !== x.expected;
    out.push({
      anchor: x.story ? layoutAnchor(x.name) : 'layouts',
      what: `layout ${x.name}${x.source ? ` (${x.source})` : ''}`,
      verdict: x.story
        ? verdictOf(x.story)
        : flipped
          ? `judged ${x.verdict}, expected ${x.expected}.`
          : (x.flow ?? 'found.'),
      kind: flipped ? 'flipped' : 'found',
      note: flipped ? `${x.verdict}, expected ${x.expected}` : 'found, as documented',
    });
  }
  for (const z of s.zoo.variants.filter((y) => !y.caught)) {
    out.push({
      anchor: 'zoo',
      what: `zoo variant ${z.variant}`,
      verdict: 'no property caught it: the suite missed a realistic defect.',
      kind: 'failed',
      note: 'escaped',
    });
  }
  return out;
}

/** What a run covered, so that "nothing failed" never claims more than was checked. */
export function coveredText(s: Summary): string {
  const deep = s.properties.filter((p) => p.numRuns >= p.testRuns).length;
  return [
    `${deep} of ${s.properties.length} properties made at least npm test's runs`,
    s.scenarios.length > 0 ? `${s.scenarios.length} seed layouts judged` : 'no seed layouts judged',
    s.zoo.variants.length > 0 ? `${s.zoo.variants.length} zoo variants hunted` : 'no zoo run',
  ].join('; ');
}

/**
 * For a run against zoo variants: what each does wrong, one line each, after one line that says
 * their counterexamples are expected. Empty on the correct model.
 */
export function variantLines(s: Summary): string[] {
  const names = s.variant.split(',').filter((v) => v !== 'correct');
  if (names.length === 0) return [];
  return [
    `Run against ${names.length === 1 ? 'a defect-zoo variant' : `${names.length} defect-zoo variants`}: ${names.length === 1 ? 'its' : 'their'} counterexamples are expected, they show how the suite catches ${names.length === 1 ? 'the defect' : 'each defect'}.`,
    ...names.map((v) => {
      const info = DEFECT_INFO[v as Defect];
      return info
        ? `${v}: ${info.description} (it should break ${info.expectedInvariants.join(', ')}).`
        : `${v}.`;
    }),
  ];
}
