// npm run check -- DIR [--json] [--format text|md]: checks real esxcli output against a
// topology (docs/host-check.md). Exit 0 clean, 1 findings, 2 bad input or usage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckResult, checkHosts, exitCode, hostInputs } from '../model/esxcli/check.ts';
import { commandOfFile, isUsedKey } from '../model/esxcli/host.ts';
import { EsxcliParseError } from '../model/esxcli/records.ts';
import { decodeText } from '../model/esxcli/text.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { checkCloudSite } from '../model/tunnel/host-check.ts';
import { checkJson, renderCheck } from './check-render.ts';

const USAGE = 'usage: npm run check -- DIR [--json] [--format text|md]';

const HELP = `${USAGE}

Checks the esxcli output of your ESXi hosts against the network you meant them to have:
which vmk and next hop each traffic class leaves by (N2-N5), that replication and NFC stay
on the default netstack (N8), and the host firewall for replication (F1, F2).

DIR holds topology.json and, per host, a transcript DIR/<host>.txt (what
scripts/collect-esxcli.sh prints over SSH) or a folder DIR/<host>/ with one file per command.

  --json           one JSON object on stdout (use npm run -s check, so npm prints no banner)
  --format md      Markdown instead of text
  --help           this text

Exit codes: 0 every flow checked is clean, 1 findings, 2 bad input or usage (then nothing
is judged clean).`;

/** Larger than any esxcli listing of one host: such a file is not command output. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

class UsageError extends Error {}
class Help extends Error {}

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
    } else if (a === '--help' || a === '-h') throw new Help();
    else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (dir === undefined) dir = a;
    else throw new UsageError(`one DIR expected, got ${dir} and ${a}`);
  }
  if (dir === undefined) throw new UsageError('DIR is missing');
  return { dir, json, format };
}

/** A file's text, whatever wrote it (BOM, UTF-16LE from PowerShell); too large is an error. */
function readText(path: string): string {
  const size = statSync(path).size;
  if (size > MAX_FILE_BYTES)
    throw new Error(
      `${Math.round(size / 1024 / 1024)} MiB is too large for esxcli output (at most ${MAX_FILE_BYTES / 1024 / 1024} MiB)`,
    );
  return decodeText(readFileSync(path));
}

/**
 * DIR's files, by path relative to DIR: transcripts and one level of folders. A folder's file
 * that no check reads is listed as ignored and never opened, however large.
 */
function readDir(dir: string): {
  files: Record<string, string>;
  unreadable: Record<string, string>;
  ignored: string[];
} {
  const files: Record<string, string> = {};
  const unreadable: Record<string, string> = {};
  const ignored: string[] = [];
  const read = (rel: string, path: string) => {
    try {
      files[rel] = readText(path);
    } catch (e) {
      unreadable[rel] = (e as Error).message;
    }
  };
  for (const entry of readdirSync(dir).sort()) {
    if (entry.startsWith('.') || entry === 'topology.json') continue;
    const path = join(dir, entry);
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch (e) {
      unreadable[entry] = (e as Error).message;
      continue;
    }
    if (isDir) {
      let names: string[];
      try {
        names = readdirSync(path).sort();
      } catch (e) {
        unreadable[`${entry}/`] = (e as Error).message;
        continue;
      }
      for (const f of names) {
        const c = commandOfFile(f);
        if (c && isUsedKey(c.key)) read(`${entry}/${f}`, join(path, f));
        else if (c) ignored.push(`${entry}/${f}`);
        else files[`${entry}/${f}`] = '';
      }
    } else if (entry.endsWith('.txt')) read(entry, path);
    else files[entry] = '';
  }
  return { files, unreadable, ignored };
}

function main(argv: readonly string[]): number {
  let opts: ReturnType<typeof args>;
  try {
    opts = args(argv);
  } catch (e) {
    if (e instanceof Help) {
      process.stdout.write(`${HELP}\n`);
      return 0;
    }
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`check: ${e.message}\n${USAGE}\n`);
    return 2;
  }
  const fail = (msg: string) => {
    if (opts.json)
      process.stdout.write(
        `${JSON.stringify({ exit: 2, hosts: [], findings: [], checked: [], errors: [msg] }, null, 2)}\n`,
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
    topoText = readText(topoPath);
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
  const { files, unreadable, ignored } = readDir(opts.dir);
  const read = hostInputs(files, (...p) => join(opts.dir, ...p), {
    unreadable,
    ignored,
    hosts: topology.hosts.map((h) => h.name),
  });
  const r: CheckResult = checkHosts(topology, read);
  // The cloud tunnel (issue 14): topology.json's optional `cloud` section, judged on the tunnel
  // model with the firewalls of this site's hosts.
  let cloud: ReturnType<typeof checkCloudSite>;
  try {
    cloud = checkCloudSite(topoPath, topoText, topology, read.inputs);
  } catch (e) {
    if (e instanceof EsxcliParseError) return fail(e.message);
    throw e;
  }
  if (opts.json) process.stdout.write(`${JSON.stringify(checkJson(r, cloud), null, 2)}\n`);
  else process.stdout.write(renderCheck(r, opts.format === 'md', cloud));
  return exitCode(r, cloud);
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`check: internal error: ${(e as Error).message}\n`);
  process.exitCode = 2;
}
