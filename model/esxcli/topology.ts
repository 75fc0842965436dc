// topology.json: the Topology of model/network/intent.ts, checked field by field so a mistake
// is named (`topology.json: subnets[2].purpose: expected one of ..., got "repl"`).
// jsonc-parser only locates a syntax error JSON.parse found (JSON.parse's messages do not
// always give a position): the line and column an admin needs to find it.
import { type ParseError, parse as parseJsonc, printParseErrorCode } from 'jsonc-parser';
import type { Purpose, Topology } from '../network/intent.ts';
import { AddressError, contains, parseIp, parsePrefix } from '../network/ipv4.ts';
import { EsxcliParseError, jsonKind, jsonObject, show } from './records.ts';
import { plainText } from './text.ts';

const PURPOSES: readonly Purpose[] = [
  'management',
  'vmotion',
  'replication',
  'nfc',
  'fvp',
  'appliance',
];
const ROLES = ['vcenter', 'vrs', 'vr-appliance'] as const;
const TOP_FIELDS = [
  'sites',
  'subnets',
  'hosts',
  'appliances',
  'replication',
  'fvp',
  'toCloud',
  'comment',
  // The cloud tunnel's section, parsed by model/tunnel/spec.ts (issue 14).
  'cloud',
];

type Obj = Record<string, unknown>;

/** Edits (insert, delete, replace) from a to b: how near a misspelt name is to a real one. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/** The declared name a misspelling is nearest to: the same but for case, or one or two edits. */
export function nearMiss(name: string, declared: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return (
    declared.find((d) => d.toLowerCase() === lower) ??
    declared.find(
      (d) => Math.min(d.length, name.length) >= 3 && distance(d.toLowerCase(), lower) <= 2,
    )
  );
}

/** Line and column (1-based) of a character offset. */
function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(at, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: (lines.at(-1)?.length ?? 0) + 1 };
}

const JSON_ERRORS: Readonly<Record<string, string>> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'expected a number',
  PropertyNameExpected: 'expected a field name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: 'expected ":"',
  CommaExpected: 'expected ","',
  CloseBraceExpected: 'expected "," or "}"',
  CloseBracketExpected: 'expected "," or "]"',
  EndOfFileExpected: 'unexpected text after the end',
  InvalidCommentToken: 'comments are not JSON',
  UnexpectedEndOfComment: 'comments are not JSON',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfNumber: 'expected a number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape in a string',
  InvalidCharacter: 'a control character in a string',
};

/**
 * Where and why strict JSON failed, for a file JSON.parse refused: jsonc-parser reports the
 * offset of the first error (JSON.parse's message does not always say where).
 */
function jsonError(text: string, fallback: string): { at: number; what: string } {
  const errs: ParseError[] = [];
  parseJsonc(text, errs, { disallowComments: true, allowTrailingComma: false });
  const e = errs[0];
  if (!e) return { at: text.length, what: fallback };
  const got = text.slice(e.offset, e.offset + Math.max(1, Math.min(e.length, 20)));
  return {
    at: e.offset,
    what: `${JSON_ERRORS[printParseErrorCode(e.error)] ?? fallback}${got.trim() ? `, got ${show(got)}` : ' at the end'}`,
  };
}

export function parseTopology(file: string, input: string): Topology {
  const bad = (path: string, detail: string): never => {
    throw new EsxcliParseError(file, 0, `${path ? `${path}: ` : ''}${detail}`);
  };
  // A BOM (Notepad, PowerShell) or CRLF line ends are what editors write: accepted.
  const text = plainText(input);
  if (text.trim() === '') bad('', 'empty: expected a JSON object with sites, subnets, hosts ...');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const { at, what } = jsonError(text, (e as Error).message);
    const { line, column } = lineColumn(text, at);
    throw new EsxcliParseError(file, line, `not valid JSON: ${what}`, column);
  }
  const what = jsonKind;
  const obj = (v: unknown, path: string, fields: readonly string[]): Obj =>
    jsonObject(v, path, fields, bad);
  const arr = (v: unknown, path: string): unknown[] =>
    Array.isArray(v) ? v : bad(path, `expected an array, got ${what(v)}`);
  const str = (v: unknown, path: string): string =>
    typeof v === 'string' && v !== ''
      ? v
      : bad(path, `expected a non-empty string, got ${what(v)}`);
  const oneOf = <T extends string>(v: unknown, path: string, options: readonly T[]): T =>
    typeof v === 'string' && (options as readonly string[]).includes(v)
      ? (v as T)
      : bad(path, `expected one of ${options.join(', ')}, got ${what(v)}`);
  const address = (v: unknown, path: string): string => {
    const s = str(v, path);
    try {
      parseIp(s);
    } catch (e) {
      if (e instanceof AddressError) bad(path, e.message);
      throw e;
    }
    return s;
  };

  const top = obj(raw, '', TOP_FIELDS);
  // Sites are declared, and every site below is one of them exactly: a near miss ("Primary")
  // would otherwise make a site of its own, with no hosts, and check nothing.
  if (top.sites === undefined)
    bad('sites', 'missing: list the site names, such as ["primary", "dr"]');
  const declared = arr(top.sites, 'sites').map((s, i) => str(s, `sites[${i}]`));
  if (declared.length === 0) bad('sites', 'empty: list the site names, such as ["primary", "dr"]');
  declared.forEach((s, i) => {
    if (declared.indexOf(s) !== i) bad(`sites[${i}]`, `${show(s)} listed twice`);
  });
  const sites = new Set(declared);
  const site = (v: unknown, path: string): string => {
    const s = str(v, path);
    if (!sites.has(s)) {
      const near = nearMiss(s, declared);
      bad(
        path,
        `unknown site ${show(s)}, expected one of ${declared.join(', ')}${near ? ` (did you mean ${show(near)}?)` : ''}`,
      );
    }
    return s;
  };

  const subnets = arr(top.subnets, 'subnets').map((v, i) => {
    const p = `subnets[${i}]`;
    const o = obj(v, p, ['site', 'network', 'gateway', 'purpose']);
    const network = str(o.network, `${p}.network`);
    if (!network.includes('/'))
      bad(`${p}.network`, `expected a prefix such as 10.11.12.0/24, got ${show(network)}`);
    let net: ReturnType<typeof parsePrefix>;
    try {
      net = parsePrefix(network);
    } catch (e) {
      if (e instanceof AddressError) return bad(`${p}.network`, e.message);
      throw e;
    }
    if (o.gateway === undefined)
      bad(`${p}.gateway`, 'missing: give the gateway, or null for a non-routable VLAN');
    const gateway = o.gateway === null ? null : address(o.gateway, `${p}.gateway`);
    if (gateway !== null && !contains(net, parseIp(gateway)))
      bad(`${p}.gateway`, `${gateway} is not in ${network}`);
    return {
      site: site(o.site, `${p}.site`),
      network,
      gateway,
      purpose: oneOf(o.purpose, `${p}.purpose`, PURPOSES),
    };
  });
  const hosts = arr(top.hosts, 'hosts').map((v, i) => {
    const o = obj(v, `hosts[${i}]`, ['name', 'site']);
    const name = str(o.name, `hosts[${i}].name`);
    if (!/^[A-Za-z0-9_.-]+$/.test(name))
      bad(`hosts[${i}].name`, `expected a host name (letters, digits, . _ -), got ${show(name)}`);
    return { name, site: site(o.site, `hosts[${i}].site`) };
  });
  hosts.forEach((h, i) => {
    if (hosts.findIndex((x) => x.name === h.name) !== i)
      bad(`hosts[${i}].name`, `${h.name} listed twice`);
  });
  const appliances = arr(top.appliances, 'appliances').map((v, i) => {
    const o = obj(v, `appliances[${i}]`, ['role', 'site', 'ip']);
    return {
      role: oneOf(o.role, `appliances[${i}].role`, ROLES),
      site: site(o.site, `appliances[${i}].site`),
      ip: address(o.ip, `appliances[${i}].ip`),
    };
  });
  const replication = arr(top.replication, 'replication').map((v, i) => {
    const o = obj(v, `replication[${i}]`, ['from', 'to']);
    return { from: site(o.from, `replication[${i}].from`), to: site(o.to, `replication[${i}].to`) };
  });
  const t: { -readonly [K in keyof Topology]: Topology[K] } = {
    subnets,
    hosts,
    appliances,
    replication,
  };
  if (top.fvp !== undefined) {
    const o = obj(
      top.fvp,
      'fvp',
      hosts.map((h) => h.name),
    );
    const fvp: Record<string, string> = {};
    for (const [k, v] of Object.entries(o)) {
      const vmk = str(v, `fvp.${k}`);
      if (!/^vmk\d+$/.test(vmk))
        bad(`fvp.${k}`, `expected a vmk name such as vmk5, got ${show(vmk)}`);
      fvp[k] = vmk;
    }
    t.fvp = fvp;
  }
  if (top.toCloud !== undefined) {
    const v = top.toCloud;
    t.toCloud =
      typeof v === 'boolean' ? v : bad('toCloud', `expected true or false, got ${what(v)}`);
  }
  return t;
}
