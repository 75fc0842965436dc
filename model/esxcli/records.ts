// Reading esxcli output into records keyed by field name (display name without spaces, as
// the csv and xml formatters spell it), whatever the formatter: default text tables, vertical
// "Key: value" listings, --formatter=csv and --formatter=xml (research-notes C1-C10).
// Pure: text in, records out, or one EsxcliParseError naming the file and line.

export class EsxcliParseError extends Error {
  override readonly name = 'EsxcliParseError';
  constructor(
    readonly file: string,
    /** 1-based; 0 when the problem is the file as a whole (missing, empty). */
    readonly line: number,
    readonly detail: string,
    /** 1-based, where a column is known (a JSON syntax error); 0 otherwise. */
    readonly column = 0,
  ) {
    // One line whatever the detail quotes (a JSON error can carry the offending line).
    super(
      `${file}${line > 0 ? `:${line}${column > 0 ? `:${column}` : ''}` : ''}: ${detail.replace(/[\r\n]+/g, ' ')}`,
    );
  }
}

export type Format = 'text' | 'csv' | 'xml';

/** Where a command's output came from: a file of its own, or a slice of a transcript. */
export interface Source {
  readonly file: string;
  readonly text: string;
  readonly format: Format;
  /** Lines before the output in its file (a transcript's earlier commands). */
  readonly offset?: number;
}

export interface Rec {
  readonly line: number;
  /** The bare title line of a vertical listing (`vmk0`, `defaultTcpipStack`), if any. */
  readonly title: string | null;
  readonly fields: ReadonlyMap<string, string>;
}

/** A quoted excerpt of input for an error message: short, and with control bytes escaped. */
export function show(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}...` : s);
}

export const fieldKey = (display: string) => display.replace(/\s+/g, '');

// A copied prompt line (`[root@esx-01:~] esxcli ...`, `~ # esxcli ...`, `# esxcli ...`).
const PROMPT = /^\s*(?:\[[^\]]*\]\s*|~\s*#\s*|[#$]\s*)(?:esxcli|esxcfg-)/;

interface Line {
  readonly no: number;
  readonly text: string;
}

function linesOf(src: Source): Line[] {
  const off = src.offset ?? 0;
  return src.text
    .split(/\r?\n/)
    .map((text, i) => ({ no: off + i + 1, text }))
    .filter((l, i) => !(i === 0 && PROMPT.test(l.text)));
}

const nonBlank = (ls: Line[]) => ls.filter((l) => l.text.trim() !== '');

function fail(src: Source, line: number, detail: string): never {
  throw new EsxcliParseError(src.file, line, detail);
}

/**
 * The line to blame for the output as a whole (empty, missing a record): in a transcript the
 * command's prompt line, in a file of its own the file (0).
 */
export function outputLine(src: Source): number {
  return src.offset ?? 0;
}

function lastLine(src: Source): number {
  return (src.offset ?? 0) + Math.max(1, src.text.split(/\r?\n/).length);
}

/** A default-formatter table: header, a dash row giving each column's width, rows. */
function textTable(src: Source, emptyLast = false): Rec[] {
  const ls = nonBlank(linesOf(src));
  const header = ls[0];
  if (!header) fail(src, outputLine(src), 'empty output: expected a table header');
  const dashes = ls[1];
  if (!dashes || !/^\s*-+( +-+)*\s*$/.test(dashes.text)) {
    fail(src, dashes?.no ?? header.no, 'expected a row of dashes under the table header');
  }
  const runs = [...dashes.text.matchAll(/-+/g)].map((m) => m.index ?? 0);
  const names = runs.map((start, i) => header.text.slice(start, runs[i + 1]).trim());
  const blank = names.indexOf('');
  if (blank >= 0) fail(src, header.no, `no column name above dash run ${blank + 1}`);
  const expected = `expected ${names.length} columns (${names.join(' ')})`;
  return ls.slice(2).map((l) => {
    const t = l.text.replace(/\s+$/, '');
    // The dash row gives each column's start; a value may not run into the next column.
    const byWidth = runs.map((start, i) => t.slice(start, runs[i + 1]).trim());
    // A listing whose last column may be empty (an empty list) prints nothing there.
    const filled = (c: string, i: number) => c !== '' || (emptyLast && i === byWidth.length - 1);
    const fits =
      runs.every((start, i) => i === 0 || t[start - 1] === undefined || t[start - 1] === ' ') &&
      t.slice(0, runs[0]).trim() === '' &&
      byWidth.every(filled);
    // Else columns are separated by two or more spaces (research-notes C2).
    const cells = fits ? byWidth : t.trim().split(/\s{2,}/);
    if (cells.length !== names.length) fail(src, l.no, `${expected}, got ${cells.length}`);
    return {
      line: l.no,
      title: null,
      fields: new Map(names.map((n, i) => [fieldKey(n), cells[i] ?? ''])),
    };
  });
}

/**
 * A vertical listing: a bare title line, then indented `Key: value` lines (C1, C5, C6). Pasted
 * listings lose or gain indentation (a tab before a title, every line at the left margin), so
 * a line with a `Key:` is a field and a bare word is a title, however far they are indented.
 */
function textRecords(src: Source): Rec[] {
  const out: { line: number; title: string | null; fields: Map<string, string> }[] = [];
  for (const l of linesOf(src)) {
    if (l.text.trim() === '') continue;
    const kv = /^\s*([A-Za-z][A-Za-z0-9 /()._-]*?)\s*:(?:\s+(.*))?$/.exec(l.text);
    if (kv) {
      let cur = out.at(-1);
      if (!cur) {
        cur = { line: l.no, title: null, fields: new Map() };
        out.push(cur);
      }
      const key = fieldKey(kv[1] ?? '');
      if (cur.fields.has(key)) fail(src, l.no, `${kv[1]} given twice in one record`);
      cur.fields.set(key, (kv[2] ?? '').trim());
    } else if (/^[^\s:]+$/.test(l.text.trim())) {
      out.push({ line: l.no, title: l.text.trim(), fields: new Map() });
    } else {
      fail(src, l.no, `expected "Key: value" or a record name, got ${show(l.text.trim())}`);
    }
  }
  return out;
}

/** One csv line; fields may be quoted with "" for a literal quote. */
function csvFields(text: string, src: Source, no: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        if (i >= text.length) fail(src, no, 'unterminated quoted csv field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += text[i];
        i++;
      }
      if (i < text.length && text[i] !== ',')
        fail(src, no, 'expected a comma after a quoted csv field');
      out.push(v);
      i++;
    } else {
      const j = text.indexOf(',', i);
      out.push(j < 0 ? text.slice(i) : text.slice(i, j));
      i = j < 0 ? text.length : j + 1;
    }
  }
  // An empty last field: "a," holds "a" and "", and "" holds one empty field.
  if (text === '' || text.endsWith(',')) out.push('');
  return out;
}

/** --formatter=csv: a header of field names, every line ending in a comma (C10). */
function csvRecords(src: Source): Rec[] {
  const ls = nonBlank(linesOf(src));
  const header = ls[0];
  if (!header) fail(src, outputLine(src), 'empty output: expected a csv header');
  const strip = (l: Line) => {
    const t = l.text.replace(/\s+$/, '');
    if (!t.endsWith(',')) fail(src, l.no, 'expected every csv line to end with a comma');
    return t.slice(0, -1);
  };
  const names = csvFields(strip(header), src, header.no);
  if (names.some((n) => !/^[A-Za-z][A-Za-z0-9]*$/.test(n))) {
    fail(src, header.no, `expected csv field names such as IPv4Address, got ${show(header.text)}`);
  }
  return ls.slice(1).map((l) => {
    const cells = csvFields(strip(l), src, l.no);
    if (cells.length !== names.length) {
      fail(
        src,
        l.no,
        `expected ${names.length} csv fields (${names.join(',')}), got ${cells.length}`,
      );
    }
    return {
      line: l.no,
      title: null,
      fields: new Map(names.map((n, i) => [n, cells[i] ?? ''])),
    };
  });
}

export const ESXCLI_XMLNS = 'http://www.vmware.com/Products/ESX/5.0/esxcli/';

const xmlUnescape = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** --formatter=xml: <output xmlns=...> holding <structure>s of <field name=..> (C10). */
function xmlRecords(src: Source): Rec[] {
  const text = src.text;
  const off = src.offset ?? 0;
  const lineAt = (i: number) => off + text.slice(0, i).split('\n').length;
  const root = /<output\s+xmlns="([^"]*)"\s*>/.exec(text);
  if (!root) fail(src, off + 1, `expected esxcli xml output (<output xmlns="${ESXCLI_XMLNS}">)`);
  if (root[1] !== ESXCLI_XMLNS) {
    fail(
      src,
      lineAt(root.index),
      `expected the esxcli namespace ${ESXCLI_XMLNS}, got ${show(root[1] ?? '')}`,
    );
  }
  if (!/<\/output>\s*$/.test(text)) fail(src, lastLine(src), 'expected </output> at the end');
  const out: Rec[] = [];
  const opens = [...text.matchAll(/<structure\b/g)].length;
  for (const m of text.matchAll(/<structure\b[^>]*>([\s\S]*?)<\/structure>/g)) {
    const body = m[1] ?? '';
    const start = (m.index ?? 0) + m[0].indexOf(body);
    const fields = new Map<string, string>();
    const fieldOpens = [...body.matchAll(/<field\b/g)];
    const fieldRe = /<field name="([A-Za-z][A-Za-z0-9]*)">\s*([\s\S]*?)\s*<\/field>/g;
    let n = 0;
    for (const f of body.matchAll(fieldRe)) {
      n++;
      const at = lineAt(start + (f.index ?? 0));
      const inner = f[2] ?? '';
      const scalar = /^<(string|integer|boolean)>([^<]*)<\/\1>$/.exec(inner);
      const list = /^<list type="string">((?:\s*<string>[^<]*<\/string>)*)\s*<\/list>$/.exec(inner);
      let value: string;
      if (scalar) value = xmlUnescape(scalar[2] ?? '');
      else if (list)
        value = [...(list[1] ?? '').matchAll(/<string>([^<]*)<\/string>/g)]
          .map((s) => xmlUnescape(s[1] ?? ''))
          .join(', ');
      else if (inner === '') value = '';
      else
        fail(
          src,
          at,
          `field ${f[1]}: expected <string>, <integer> or <boolean>, got ${show(inner)}`,
        );
      fields.set(f[1] ?? '', value);
    }
    if (n !== fieldOpens.length) {
      const bad = fieldOpens[n]?.index ?? 0;
      fail(src, lineAt(start + bad), 'expected <field name="...">value</field>');
    }
    out.push({ line: lineAt(m.index ?? 0), title: null, fields });
  }
  if (out.length !== opens) {
    const idx = [...text.matchAll(/<structure\b/g)][out.length]?.index ?? 0;
    fail(src, lineAt(idx), 'expected </structure>');
  }
  return out;
}

/**
 * Records of a command's output in any formatter; `shape` says how default text reads, and
 * `emptyLast` lets a text table's last column be empty.
 */
export function readRecords(
  src: Source,
  shape: 'table' | 'records',
  opts: { readonly emptyLast?: boolean } = {},
): Rec[] {
  if (src.format === 'csv') return csvRecords(src);
  if (src.format === 'xml') return xmlRecords(src);
  return shape === 'table' ? textTable(src, opts.emptyLast) : textRecords(src);
}

/** A field every record of this command must have. */
export function need(src: Source, r: Rec, key: string, label = key): string {
  const v = r.fields.get(key);
  if (v === undefined) {
    const have = [...r.fields.keys()].join(', ') || 'none';
    fail(src, r.line, `expected a ${label} field, have ${have}`);
  }
  return v;
}

export { fail as parseFail, type Line, linesOf, nonBlank };
