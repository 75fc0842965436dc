// junit.xml for CI dashboards: one testcase per property, seed layout and zoo variant; a
// failure carries the counterexample's printed story.
import { renderCounterexample } from '../harness.ts';
import { depthText, goalsText } from './depth.ts';
import { escapeXml } from './escape.ts';
import type { Summary } from './summary.ts';

interface Case {
  readonly classname: string;
  readonly name: string;
  readonly ms: number;
  readonly failure?: { readonly message: string; readonly text: string };
  readonly skipped?: string;
}

function suite(name: string, cases: readonly Case[]): string {
  const failures = cases.filter((c) => c.failure).length;
  const skipped = cases.filter((c) => c.skipped !== undefined).length;
  const secs = cases.reduce((t, c) => t + c.ms, 0) / 1000;
  const body = cases.map((c) => {
    const open = `    <testcase classname="${escapeXml(c.classname)}" name="${escapeXml(c.name)}" time="${(c.ms / 1000).toFixed(3)}"`;
    if (c.failure) {
      return `${open}>\n      <failure message="${escapeXml(c.failure.message)}" type="counterexample">${escapeXml(c.failure.text)}</failure>\n    </testcase>`;
    }
    if (c.skipped !== undefined)
      return `${open}>\n      <skipped message="${escapeXml(c.skipped)}"/>\n    </testcase>`;
    return `${open}/>`;
  });
  return [
    `  <testsuite name="${escapeXml(name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs.toFixed(3)}">`,
    ...body,
    '  </testsuite>',
  ].join('\n');
}

export function junitXml(s: Summary): string {
  const byId = new Map(s.counterexamples.map((c) => [c.id, c]));
  const properties: Case[] = s.properties.map((p) => {
    const base = {
      classname: `hbr-verify.${p.area}.${p.variant}`,
      name: p.title,
      ms: p.durationMs,
    };
    if (p.status === 'interrupted') {
      return {
        ...base,
        skipped: `interrupted: ${depthText(p)}`,
      };
    }
    if (p.status !== 'failed') return base;
    const c = p.counterexample ? byId.get(p.counterexample) : undefined;
    return {
      ...base,
      failure: c
        ? {
            message: `${c.violation.invariant} violated after step ${c.violation.step}: ${c.violation.message}`,
            text: `${renderCounterexample(c, c.replayPath)}\n`,
          }
        : {
            message: `goals never reached in ${p.numRuns} runs`,
            text: `reached: ${goalsText(p)}\n`,
          },
    };
  });
  const scenarios: Case[] = s.scenarios.map((x) => ({
    classname: `hbr-verify.scenarios.${s.variant}`,
    name: x.name,
    ms: 0,
    ...(x.verdict !== x.expected
      ? {
          failure: {
            message: `expected ${x.expected}, judged ${x.verdict}`,
            text: `${x.flow ?? '(no flow goes wrong)'}\n${x.story ? `\n${renderCounterexample(x.story)}\n` : ''}`,
          },
        }
      : {}),
  }));
  const zoo: Case[] = s.zoo.variants.map((z) => ({
    classname: 'hbr-verify.zoo',
    name: `${z.variant} is caught`,
    ms: z.ms,
    ...(z.caught
      ? {}
      : {
          failure: {
            message: `${z.variant} survived every property`,
            text: `seed ${z.seed}\n`,
          },
        }),
  }));
  const suites = [suite('properties', properties)];
  if (scenarios.length > 0) suites.push(suite('seed layouts', scenarios));
  if (zoo.length > 0) suites.push(suite('defect zoo', zoo));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="hbr-verify">\n${suites.join('\n')}\n</testsuites>\n`;
}
