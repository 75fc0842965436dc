// The cloud tunnel's part of `npm run check` (issue 14): its findings in the same text,
// Markdown and JSON shapes as the host findings.
import type { CloudCheck } from '../model/tunnel/check.ts';

export const CLOUD_INVARIANTS: Readonly<Record<string, string>> = {
  C4: 'a TLS connection succeeds: the certificate covers the name dialled and is the one pinned at pairing',
  C5: 'from-the-cloud sessions are stitched and to-the-cloud replication goes through, whatever the balancers pick',
};

/** The cloud block of the text or Markdown report. */
export function renderCloud(c: CloudCheck, md: boolean): string {
  const out: string[] = [];
  const item = (s: string, depth = 0) =>
    out.push(`${'  '.repeat(depth + (md ? 0 : 1))}${md ? '- ' : ''}${s}`);
  const code = (s: string) => (md ? `\`${s}\`` : s);
  const n = c.findings.length;
  out.push(
    `${md ? '## ' : ''}cloud ${c.provider}: ${n === 0 ? 'clean' : `${n} finding${n > 1 ? 's' : ''}`}`,
  );
  if (md) out.push('');
  for (const f of c.findings) {
    item(
      `${md ? '**' : ''}${f.invariant}${md ? '**' : ''} ${CLOUD_INVARIANTS[f.invariant] ?? ''}: broken`,
    );
    item(f.message, 1);
    item(
      `flow: ${f.class} to ${f.flow.dialled}:${f.flow.port}${f.flow.reaches ? `, reaches ${f.flow.reaches}` : ''}${f.flow.certificate ? `, shown ${f.flow.certificate}` : ''}`,
      1,
    );
    item(`takes: ${f.flow.verdict}`, 1);
    item(`intended: ${f.expected.verdict}`, 1);
    if (f.fix.length) {
      item('fix (verified on the model):', 1);
      for (const x of f.fix) item(code(x), 2);
      if (f.note) item(f.note, 1);
    } else item(`fix: none verified (${f.note ?? 'no change found'})`, 1);
  }
  if (c.clean.length) {
    item('checked and clean:');
    for (const x of c.clean) item(x, 1);
  }
  // Ends in one blank line, as each host's block does: renderCheck joins the blocks by lines.
  out.push('');
  return out.join('\n');
}
