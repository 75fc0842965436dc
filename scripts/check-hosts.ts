// npm run check -- DIR [--json] [--format text|md]: checks real esxcli output against a
// topology (DESIGN "Real configurations"). Exit 0 clean, 1 findings, 2 bad input or usage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckResult, checkHosts, hostInputs, INVARIANTS } from '../model/esxcli/check.ts';
import { commandOfFile } from '../model/esxcli/host.ts';
import { EsxcliParseError } from '../model/esxcli/records.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { checkCloudSite } from '../model/tunnel/host-check.ts';
import { cloudJson, withCloud } from './check-cloud.ts';

const USAGE = 'usage: npm run check -- DIR [--json] [--format text|md]';

class UsageError extends Error {}

function args(argv: readonly string[]): { dir: string; json: boolean; format: 'text' | 'md' } {
  let dir: string | undefined;
  let json = false;
  let format: 'text' | 'md' = 'text';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--json') json = true;
    else if (a === '--format' || a.startsWith('--format=')) {
      const v = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (v !== 'text' && v !== 'md')
        throw new UsageError(`--format: expected text or md, got ${v ?? 'nothing'}`);
      format = v;
    } else if (a === '--help' || a === '-h') throw new UsageError('');
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (dir === undefined) dir = a;
    else throw new UsageError(`one DIR expected, got ${dir} and ${a}`);
  }
  if (dir === undefined) throw new UsageError('DIR is missing');
  return { dir, json, format };
}

/** DIR's files, by path relative to DIR: topology.json, transcripts, and one level of folders. */
function readDir(dir: string): { files: Record<string, string>; errors: string[] } {
  const files: Record<string, string> = {};
  const errors: string[] = [];
  const wanted = (f: string) => commandOfFile(f) !== null;
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry === 'topology.json') continue;
    const path = join(dir, entry);
    try {
      if (statSync(path).isDirectory()) {
        for (const f of readdirSync(path).sort()) {
          if (wanted(f)) files[`${entry}/${f}`] = readFileSync(join(path, f), 'utf8');
        }
      } else if (entry.endsWith('.txt')) files[entry] = readFileSync(path, 'utf8');
    } catch (e) {
      errors.push(`${path}: ${(e as Error).message}`);
    }
  }
  return { files, errors };
}

function render(r: CheckResult, md: boolean): string {
  const out: string[] = [];
  const h1 = (s: string) => out.push(md ? `## ${s}` : s);
  const item = (s: string, depth = 0) =>
    out.push(`${'  '.repeat(depth + (md ? 0 : 1))}${md ? '- ' : ''}${s}`);
  const code = (s: string) => (md ? `\`${s}\`` : s);
  if (md) out.push('# esxcli check', '');
  for (const h of r.hosts) {
    const fs = r.findings.filter((f) => f.host === h.name);
    h1(
      `${h.name} (ESXi ${h.version}): ${fs.length === 0 ? 'clean' : `${fs.length} finding${fs.length > 1 ? 's' : ''}`}`,
    );
    if (md) out.push('');
    for (const f of fs) {
      item(
        `${md ? '**' : ''}${f.invariant}${md ? '**' : ''} ${INVARIANTS[f.invariant] ?? ''}: broken`,
      );
      item(
        `flow: ${f.class} ${f.flow.port} from ${f.flow.vmk} ${f.flow.source} to ${f.flow.destination} on ${f.flow.netstack}`,
        1,
      );
      item(`takes: ${f.flow.verdict}`, 1);
      item(`intended: ${f.expected.verdict}`, 1);
      if (f.fix.length) {
        item('fix (verified on the model):', 1);
        for (const c of f.fix) item(code(c), 2);
      } else item(`fix: none verified (${f.note ?? 'no esxcli change found'})`, 1);
    }
    const ok = r.clean.filter((c) => c.host === h.name);
    if (ok.length) {
      item('checked and clean:');
      for (const c of ok) item(c.what, 1);
    }
    out.push('');
  }
  if (r.errors.length) {
    h1('errors');
    if (md) out.push('');
    for (const e of r.errors) item(e);
    out.push('');
  }
  const n = r.findings.length;
  out.push(
    `${r.hosts.length} host${r.hosts.length === 1 ? '' : 's'} checked, ${n} finding${n === 1 ? '' : 's'}, ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}`,
  );
  return `${out.join('\n')}\n`;
}

function main(argv: readonly string[]): number {
  let opts: ReturnType<typeof args>;
  try {
    opts = args(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message ? `check: ${e.message}\n` : ''}${USAGE}\n`);
    return 2;
  }
  const fail = (msg: string) => {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ hosts: [], findings: [], errors: [msg] }, null, 2)}\n`,
      );
    else process.stderr.write(`check: ${msg}\n`);
    return 2;
  };
  let isDir = false;
  try {
    isDir = statSync(opts.dir).isDirectory();
  } catch {
    // isDir stays false
  }
  if (!isDir) return fail(`${opts.dir}: not a directory`);
  const topoPath = join(opts.dir, 'topology.json');
  let topoText: string;
  try {
    topoText = readFileSync(topoPath, 'utf8');
  } catch {
    return fail(`${topoPath}: missing (see README "Checking your own hosts")`);
  }
  let topology: ReturnType<typeof parseTopology>;
  try {
    topology = parseTopology(topoPath, topoText);
  } catch (e) {
    if (e instanceof EsxcliParseError) return fail(e.message);
    throw e;
  }
  const { files, errors: readErrors } = readDir(opts.dir);
  const inputs = hostInputs(files, (...p) => join(opts.dir, ...p));
  const r0 = checkHosts(topology, inputs);
  const r: CheckResult = { ...r0, errors: [...readErrors, ...r0.errors] };
  // The cloud tunnel (issue 14): topology.json's optional `cloud` section.
  let cloud: ReturnType<typeof checkCloudSite>;
  try {
    cloud = checkCloudSite(topoPath, topoText, topology, inputs);
  } catch (e) {
    if (e instanceof EsxcliParseError) return fail(e.message);
    throw e;
  }
  if (opts.json) {
    const json = {
      hosts: r.hosts.map((h) => ({ name: h.name, version: h.version })),
      findings: r.findings.map((f) => ({
        host: f.host,
        invariant: f.invariant,
        class: f.class,
        message: f.message,
        flow: f.flow,
        expected: f.expected,
        fix: f.fix,
        ...(f.note ? { note: f.note } : {}),
      })),
      errors: r.errors,
    };
    // The cloud tunnel's findings join the host findings; what it found clean, under "cloud".
    const out = cloud
      ? {
          ...json,
          findings: [...json.findings, ...cloudJson(cloud)],
          cloud: { provider: cloud.provider, clean: cloud.clean },
        }
      : json;
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    const text = render(r, opts.format === 'md');
    process.stdout.write(cloud ? withCloud(text, cloud, opts.format === 'md') : text);
  }
  return r.errors.length ? 2 : r.findings.length || cloud?.findings.length ? 1 : 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`check: internal error: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
