// What should have happened: the same events replayed on another variant (the correct model,
// usually), and the first step after which the two differ, fact by fact. `npm run replay --
// FILE --against correct` prints it side by side; a variant's card in report.html shows it.
import type { CounterexampleRecord } from '../harness.ts';
import { areaOf } from '../registry.ts';
import type { Fact } from '../registry-types.ts';

export interface FactRow {
  readonly label: string;
  /** null: the fact does not exist on that side (a VM not replicated, a finding not made). */
  readonly mine: string | null;
  readonly theirs: string | null;
}

export interface Difference {
  readonly variant: string;
  readonly against: string;
  /** After how many steps the two first differ; 0: already in the setup as given. */
  readonly step: number;
  /** The step's event in words, when step > 0. */
  readonly event?: string;
  /** The facts that differ there, in the order the area lists them. */
  readonly rows: readonly FactRow[];
}

function rowsOf(a: readonly Fact[], b: readonly Fact[]): FactRow[] {
  const mine = new Map(a);
  const theirs = new Map(b);
  const labels = [...new Set([...a.map(([k]) => k), ...b.map(([k]) => k)])];
  return labels
    .filter((k) => mine.get(k) !== theirs.get(k))
    .map((k) => ({ label: k, mine: mine.get(k) ?? null, theirs: theirs.get(k) ?? null }));
}

/**
 * The first step after which the story's events leave the two variants in different states;
 * null when they never differ, or the area cannot list its facts.
 */
export function firstDifference(
  rec: Pick<CounterexampleRecord, 'area' | 'variant' | 'setup' | 'events'>,
  against: string,
): Difference | null {
  const area = areaOf(rec.area);
  if (!area.facts) return null;
  const a = area.facts(rec.variant, rec.setup, rec.events);
  const b = area.facts(against, rec.setup, rec.events);
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    const rows = rowsOf(a[k] ?? [], b[k] ?? []);
    if (rows.length === 0) continue;
    return {
      variant: rec.variant,
      against,
      step: k,
      ...(k > 0 ? { event: area.formatEvent(rec.events[k - 1]) } : {}),
      rows,
    };
  }
  return null;
}

/** Cuts text into lines of at most `width` characters, at spaces where it can. */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(' ', width);
    const at = cut > width / 3 ? cut : width;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).trimStart();
  }
  out.push(rest);
  return out;
}

/** The difference as a plain-text table: fact, this variant, the other, side by side. */
export function differenceText(d: Difference, width = 100): string {
  const where =
    d.step === 0
      ? 'in the setup as given, before any event'
      : `after step ${d.step}: ${d.event ?? ''}`;
  const lines = [
    `First difference from ${d.against}, ${where}`,
    d.step === 2 ? '(step 1 leaves both in the same state)' : '',
    d.step > 2 ? `(steps 1-${d.step - 1} leave both in the same state)` : '',
  ].filter((l) => l !== '');
  const labelW = Math.min(28, Math.max(5, ...d.rows.map((r) => r.label.length)));
  const colW = Math.max(20, Math.floor((width - labelW - 6) / 2));
  const show = (v: string | null) => v ?? '(none)';
  lines.push(
    '',
    `  ${'fact'.padEnd(labelW)}  ${`on ${d.variant}`.padEnd(colW)}  on ${d.against}`,
    `  ${'-'.repeat(labelW)}  ${'-'.repeat(colW)}  ${'-'.repeat(colW)}`,
  );
  for (const r of d.rows) {
    const label = wrap(r.label, labelW);
    const left = wrap(show(r.mine), colW);
    const right = wrap(show(r.theirs), colW);
    const height = Math.max(label.length, left.length, right.length);
    for (let i = 0; i < height; i++) {
      lines.push(
        `  ${(label[i] ?? '').padEnd(labelW)}  ${(left[i] ?? '').padEnd(colW)}  ${right[i] ?? ''}`.trimEnd(),
      );
    }
  }
  return lines.join('\n');
}
