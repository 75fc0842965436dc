// `npm run check`'s output, rendered from the one CheckResult: text (or Markdown) for a person,
// JSON for a script. Text comes last: nothing here decides a verdict.
import { type CheckResult, exitCode, INVARIANTS } from '../model/esxcli/check.ts';
import type { CloudCheck } from '../model/tunnel/check.ts';
import { CLOUD_INVARIANTS, renderCloud } from './check-cloud.ts';

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Headings of the text form; tests and the fix parser find a finding's parts by them. */
export const FIX_HEAD = 'fix (verified on the model: it mends this flow and breaks no other):';
export const STEPS_HEAD = 'after the commands:';
export const DISRUPTIVE = 'disruptive:';

export function renderCheck(r: CheckResult, md = false, cloud: CloudCheck | null = null): string {
  const out: string[] = [];
  const h1 = (s: string) => out.push(md ? `## ${s}` : s);
  const item = (s: string, depth = 0) =>
    out.push(`${'  '.repeat(depth + (md ? 0 : 1))}${md ? '- ' : ''}${s}`);
  const code = (s: string) => (md ? `\`${s}\`` : s);
  if (md) out.push('# esxcli check', '');
  // Each host's parts, grouped once (a site of hundreds of hosts has thousands of flows).
  const byHost = <T extends { host: string }>(xs: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const x of xs) {
      const list = m.get(x.host);
      if (list) list.push(x);
      else m.set(x.host, [x]);
    }
    return (host: string) => m.get(host) ?? [];
  };
  const findingsOf = byHost(r.findings);
  const checkedOf = byHost(r.checked);
  const uncheckedOf = byHost(r.notChecked);
  for (const h of r.hosts) {
    const fs = findingsOf(h.name);
    const mine = checkedOf(h.name);
    const unchecked = uncheckedOf(h.name);
    const verdict =
      fs.length > 0
        ? `${plural(fs.length, 'broken flow')} of ${mine.length} checked`
        : `${unchecked.length ? 'checked parts clean' : 'clean'}: ${plural(mine.length, 'flow')} checked${unchecked.length ? `; ${unchecked.map((u) => u.what.split(':')[0]).join(', ')} not checked` : ''}`;
    h1(`${h.name} (ESXi ${h.release}): ${verdict}`);
    if (md) out.push('');
    for (const f of fs) {
      item(`${md ? '**' : ''}${f.sentence}${md ? '**' : ''} [${f.invariants.join(', ')}]`);
      for (const w of f.why) item(`why: ${w}`, 1);
      item(`intended: ${f.expected.verdict}, because ${f.expected.because}`, 1);
      if (f.fix.length || f.steps.length) {
        item(FIX_HEAD, 1);
        for (const c of f.fix) item(code(c), 2);
        if (f.steps.length) {
          item(STEPS_HEAD, 1);
          for (const s of f.steps) item(s, 2);
        }
        if (f.disruption) item(`${DISRUPTIVE} ${f.disruption}`, 1);
      } else item(`no fix verified: ${f.note ?? 'no esxcli change found'}`, 1);
    }
    if (mine.length) {
      item('checked:');
      for (const c of mine)
        item(
          `${c.verdict === 'ok' ? 'ok    ' : 'BROKEN'} ${c.class} ${c.flow}: ${c.detail} [${c.covered.join(', ')}]`,
          1,
        );
    }
    if (unchecked.length) {
      item('not checked:');
      for (const c of unchecked) item(c.what, 1);
    }
    out.push('');
  }
  if (r.conflicts.length) {
    h1('address conflicts');
    if (md) out.push('');
    for (const c of r.conflicts) item(c.message);
    out.push('');
  }
  if (r.notes.length) {
    h1('notes');
    if (md) out.push('');
    for (const n of r.notes) item(n);
    out.push('');
  }
  if (r.errors.length) {
    h1('errors (nothing below was judged clean)');
    if (md) out.push('');
    for (const e of r.errors) item(e);
    out.push('');
  }
  // The cloud tunnel, when topology.json has a `cloud` section (scripts/check-cloud.ts).
  if (cloud) out.push(renderCloud(cloud, md));
  const broken = r.findings.length;
  out.push(
    `${plural(r.hosts.length, 'host')} and ${plural(r.checked.length, 'flow')} checked: ${broken} broken, ${plural(r.conflicts.length, 'address conflict')}, ${plural(r.errors.length, 'error')}${cloud ? `; the cloud provider: ${plural(cloud.findings.length, 'finding')}` : ''}`,
  );
  if (md) {
    out.push('', '| ID | invariant |', '|---|---|');
    const ids = [
      ...new Set([
        ...r.findings.flatMap((f) => f.invariants),
        ...(cloud?.findings ?? []).map((f) => f.invariant),
      ]),
    ];
    for (const id of ids) out.push(`| ${id} | ${INVARIANTS[id] ?? CLOUD_INVARIANTS[id] ?? ''} |`);
  }
  return `${out.join('\n')}\n`;
}

/** The JSON form: what a script needs to tell a real clean from an empty one. */
export function checkJson(r: CheckResult, cloud: CloudCheck | null = null): unknown {
  return {
    exit: exitCode(r, cloud),
    hosts: r.hosts.map((h) => ({ name: h.name, version: h.version, release: h.release })),
    findings: [
      ...r.findings.map((f) => ({
        host: f.host,
        class: f.class,
        invariants: f.invariants,
        message: f.message,
        sentence: f.sentence,
        why: f.why,
        flow: f.flow,
        ...(f.dropped ? { dropped: f.dropped } : {}),
        expected: f.expected,
        fix: f.fix,
        steps: f.steps,
        ...(f.disruption ? { disruption: f.disruption } : {}),
        ...(f.note ? { note: f.note } : {}),
      })),
      // The cloud tunnel's findings join the host findings; `host` names the proxy or the VIP.
      ...(cloud?.findings ?? []).map((f) => ({
        host: f.host,
        class: f.class,
        invariants: [f.invariant],
        message: f.message,
        flow: f.flow,
        expected: f.expected,
        fix: f.fix,
        ...(f.note ? { note: f.note } : {}),
      })),
    ],
    conflicts: r.conflicts,
    checked: r.checked.map((c) => ({
      host: c.host,
      class: c.class,
      flow: c.flow,
      verdict: c.verdict,
      covered: c.covered,
    })),
    notChecked: r.notChecked,
    notes: r.notes,
    errors: r.errors,
    // The cloud tunnel's findings, in their own shape, and what it checked and found clean.
    ...(cloud ? { cloud: { provider: cloud.provider, clean: cloud.clean } } : {}),
  };
}
