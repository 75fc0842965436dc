// How mutation/equivalent.json names a mutant: by the code it mutates, never by where that code
// sits, so a function can move or be reformatted without re-triage. A key is the file, the
// enclosing named function, the mutator, the original text of the mutated span, its
// replacement, and (only where the function holds that original text more than once) which of
// its appearances, counted in source order. Texts are compared token by token: whitespace,
// comments and trailing commas do not count, nor the quotes around a string. Nothing in a key
// depends on which other mutants a run made, so a run restricted to some lines keys alike.
import ts from 'typescript';

/** The `function` of a mutant outside every named function. */
export const MODULE_LEVEL = '(module)';

/** A position as StrykerJS's JSON report gives it: line and column both 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { readonly start: Position; readonly end: Position };
}

export interface ReportFile {
  readonly source: string;
  readonly mutants: readonly ReportMutant[];
}

/** The part of a StrykerJS JSON report (mutation-testing-report-schema) read here. */
export interface MutationReport {
  readonly files: Readonly<Record<string, ReportFile>>;
}

export interface MutantKey {
  readonly file: string;
  /** `name`, `outer.inner`, `OBJECT.method`, or MODULE_LEVEL. */
  readonly function: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  /**
   * Which appearance of `original` in the function this is (from 1, in source order); only where
   * the function holds that text more than once.
   */
  readonly occurrence?: number;
}

export interface KeyedMutant {
  readonly key: MutantKey;
  readonly mutant: ReportMutant;
  /** sameCode(key): what an entry shares with it when it names the same code. */
  readonly code: string;
}

export interface Equivalent extends MutantKey {
  readonly reason: string;
}

const isJsDoc = (n: ts.Node) =>
  n.kind >= ts.SyntaxKind.FirstJSDocNode && n.kind <= ts.SyntaxKind.LastJSDocNode;

const parse = (name: string, code: string) =>
  ts.createSourceFile(name, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);

/** The tokens of code as TypeScript's parser reads them (a regex or a template part whole). */
function tokensOf(code: string, sf = parse('fragment.ts', code)): ts.Node[] {
  const out: ts.Node[] = [];
  const walk = (n: ts.Node) => {
    if (isJsDoc(n)) return;
    const children = n.getChildren(sf);
    if (children.length === 0) {
      if (n.kind !== ts.SyntaxKind.EndOfFileToken) out.push(n);
      return;
    }
    for (const c of children) walk(c);
  };
  walk(sf);
  return out;
}

const CLOSING = new Set([
  ts.SyntaxKind.CloseParenToken,
  ts.SyntaxKind.CloseBracketToken,
  ts.SyntaxKind.CloseBraceToken,
]);
/** No space is put inside parentheses or brackets where a line break is taken out. */
const OPENING = new Set([ts.SyntaxKind.OpenParenToken, ts.SyntaxKind.OpenBracketToken]);
const TIGHT_CLOSING = new Set([ts.SyntaxKind.CloseParenToken, ts.SyntaxKind.CloseBracketToken]);

/** A trailing comma: one the next token closes a list right after. */
const trailingComma = (toks: readonly ts.Node[], i: number) =>
  toks[i]?.kind === ts.SyntaxKind.CommaToken && CLOSING.has(toks[i + 1]?.kind as ts.SyntaxKind);

/**
 * A fragment as a key shows it: on one line, without comments or trailing commas, spacing kept
 * where the code had it on one line.
 */
export function codeText(code: string): string {
  const toks = tokensOf(code);
  let out = '';
  for (const [i, t] of toks.entries()) {
    if (trailingComma(toks, i)) continue;
    const prev = toks[i - 1];
    if (prev) {
      const gap = code.slice(prev.end, t.getStart());
      const broken = /[\n\r]|\/[/*]/.test(gap);
      if (!broken) out += gap;
      else if (!OPENING.has(prev.kind) && !TIGHT_CLOSING.has(t.kind)) out += ' ';
    }
    out += code.slice(t.getStart(), t.end);
  }
  return out;
}

/** A token as keys compare it: a string by its value. */
const tokenText = (t: ts.Node) => (ts.isStringLiteral(t) ? JSON.stringify(t.text) : t.getText());

/** A fragment as keys compare it: its tokens, strings by value, trailing commas left out. */
export function codeTokens(code: string): string {
  const toks = tokensOf(code);
  return toks
    .filter((_, i) => !trailingComma(toks, i))
    .map(tokenText)
    .join(' ');
}

const propName = (n: ts.PropertyName | ts.BindingName): string | undefined =>
  ts.isIdentifier(n) || ts.isPrivateIdentifier(n) || ts.isStringLiteral(n) || ts.isNumericLiteral(n)
    ? n.text
    : undefined;

/** An object literal under `as`, `satisfies` or parentheses. */
function objectLiteral(e: ts.Expression | undefined): boolean {
  while (
    e &&
    (ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isParenthesizedExpression(e))
  )
    e = e.expression;
  return !!e && ts.isObjectLiteralExpression(e);
}

/**
 * The name a node gives to the code inside it: `fn` for a function (declared, a method, or an
 * arrow or function expression assigned to a name), else a qualifier (a class, an object literal
 * assigned to a name) that counts only with a function inside it.
 */
function scopeName(n: ts.Node): { name: string; fn: boolean } | undefined {
  if (ts.isFunctionDeclaration(n)) return { name: n.name?.text ?? 'default', fn: true };
  if (ts.isConstructorDeclaration(n)) return { name: 'constructor', fn: true };
  if (
    ts.isMethodDeclaration(n) ||
    ts.isGetAccessorDeclaration(n) ||
    ts.isSetAccessorDeclaration(n)
  ) {
    const name = propName(n.name);
    return name === undefined ? undefined : { name, fn: true };
  }
  if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
    if (ts.isFunctionExpression(n) && n.name) return { name: n.name.text, fn: true };
    const p = n.parent;
    const name =
      (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) &&
      p.initializer === n
        ? propName(p.name)
        : undefined;
    return name === undefined ? undefined : { name, fn: true };
  }
  if ((ts.isClassDeclaration(n) || ts.isClassExpression(n)) && n.name)
    return { name: n.name.text, fn: false };
  if (ts.isVariableDeclaration(n) && objectLiteral(n.initializer)) {
    const name = propName(n.name);
    return name === undefined ? undefined : { name, fn: false };
  }
  return undefined;
}

/**
 * The innermost named function whose code holds [start, end), named by the path of named scopes
 * from the outermost (`outer.inner`, `OBJECT.method`); the file itself at module level.
 */
export function enclosingScope(
  sf: ts.SourceFile,
  start: number,
  end: number,
): { name: string; node: ts.Node } {
  const path: { name: string; fn: boolean; node: ts.Node }[] = [];
  let node: ts.Node | undefined = sf;
  while (node) {
    let next: ts.Node | undefined;
    ts.forEachChild(node, (c) => {
      if (!next && c.getStart(sf) <= start && end <= c.end) next = c;
    });
    if (next) {
      const s = scopeName(next);
      if (s) path.push({ ...s, node: next });
    }
    node = next;
  }
  const lastFn = path.map((s) => s.fn).lastIndexOf(true);
  const innermost = path[lastFn];
  return innermost
    ? {
        name: path
          .slice(0, lastFn + 1)
          .map((s) => s.name)
          .join('.'),
        node: innermost.node,
      }
    : { name: MODULE_LEVEL, node: sf };
}

/** What two keys must share to name the same mutant (all but the occurrence). */
export const sameCode = (k: Omit<MutantKey, 'occurrence'>): string =>
  JSON.stringify([
    k.file,
    k.function,
    k.mutator,
    codeTokens(k.original),
    codeTokens(k.replacement),
  ]);

/** Every mutant of one file of a report with its key, in source order. */
export function keyFile(file: string, f: ReportFile): KeyedMutant[] {
  const sf = parse(file, f.source);
  const starts = sf.getLineStarts();
  const offset = (p: Position) => (starts[p.line - 1] ?? f.source.length) + p.column - 1;
  const all = tokensOf(f.source, sf);
  const toks = all.filter((_, i) => !trailingComma(all, i));
  const texts = toks.map(tokenText);
  const tokStarts = toks.map((t) => t.getStart(sf));
  /** The index of the first token at or after pos. */
  const firstAt = (pos: number) => {
    let lo = 0;
    let hi = toks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((tokStarts[mid] as number) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return f.mutants
    .map((m) => ({ m, start: offset(m.location.start), end: offset(m.location.end) }))
    .sort((a, b) => a.start - b.start || a.end - b.end)
    .map(({ m, start, end }) => {
      const scope = enclosingScope(sf, start, end);
      const from = firstAt(start);
      const seq = texts.slice(from, firstAt(end));
      // Where else in the function the same tokens stand: which appearance this one is.
      let seen = 0;
      let before = 0;
      const last = firstAt(scope.node.end) - seq.length;
      for (let i = firstAt(scope.node.getStart(sf)); i <= last; i++) {
        if (seq.length > 0 && seq.every((t, j) => texts[i + j] === t)) {
          seen++;
          if (i < from) before++;
        }
      }
      const base = {
        file,
        function: scope.name,
        mutator: m.mutatorName,
        original: codeText(f.source.slice(start, end)),
        replacement: codeText(m.replacement ?? ''),
      };
      const key = seen > 1 ? { ...base, occurrence: before + 1 } : base;
      return { key, mutant: m, code: sameCode(key) };
    });
}

/** Every mutant of every file of a report with its key, by file. */
export function keyReport(report: MutationReport): Map<string, KeyedMutant[]> {
  return new Map(Object.entries(report.files).map(([file, f]) => [file, keyFile(file, f)]));
}

/** A listed equivalent and why it no longer holds, or why this run could not judge it. */
export interface Judged {
  readonly entry: Equivalent;
  readonly why: string;
}

export interface Matching {
  /** The listed equivalent that names each surviving mutant, by mutant id. */
  readonly byMutant: ReadonlyMap<string, Equivalent>;
  readonly stale: readonly Judged[];
  readonly unjudged: readonly Judged[];
}

export const NOT_MUTATED = 'its file was not mutated in this run';
export const NOT_TESTED_YET = 'its mutant was not tested yet';
export const OUTSIDE_RUN = 'its mutant was outside the lines this run mutated';
export const TIMED_OUT =
  'its mutant timed out (StrykerJS counts that as detected; a loaded machine slows a mutant down)';

/**
 * Matches the listed equivalents to a run's mutants by key. An entry is stale when its file was
 * mutated but no mutant has its code any more (or the function holds that code more than once
 * now and the entry does not say which), when another entry names the same mutant, when a test
 * killed its mutant (so it was not equivalent), when its mutant was not tested for good (static,
 * or an error), and when its file is gone. Not judged: an entry whose file this run did not
 * mutate, whose mutant it has not reached yet, or whose mutant timed out. `everyMutant`, every
 * mutant StrykerJS makes of some of the files (instrumentedFile), tells a run restricted to some
 * lines of a file, whose report lacks the entry's mutant, from code that is gone; without it a
 * report holds every mutant of its files.
 */
export function matchEquivalents(
  keyed: ReadonlyMap<string, readonly KeyedMutant[]>,
  equivalents: readonly Equivalent[],
  fileExists: (file: string) => boolean,
  everyMutant: ReadonlyMap<string, readonly KeyedMutant[]> = new Map(),
): Matching {
  const byCode = new Map<string, KeyedMutant[]>();
  for (const kms of keyed.values())
    for (const km of kms) byCode.set(km.code, [...(byCode.get(km.code) ?? []), km]);
  const byMutant = new Map<string, Equivalent>();
  const claimed = new Set<string>();
  const stale: Judged[] = [];
  const unjudged: Judged[] = [];
  const judge = (entry: Equivalent): { stale: boolean; why: string } | undefined => {
    if (!keyed.has(entry.file))
      return fileExists(entry.file)
        ? { stale: false, why: NOT_MUTATED }
        : { stale: true, why: 'its file is gone' };
    const code = sameCode(entry);
    const group = byCode.get(code) ?? [];
    const km = group.find((k) => k.key.occurrence === entry.occurrence);
    const named = (k: KeyedMutant) => k.code === code && k.key.occurrence === entry.occurrence;
    if (!km && everyMutant.get(entry.file)?.some(named)) return { stale: false, why: OUTSIDE_RUN };
    if (group.length === 0) return { stale: true, why: 'no mutant has this code any more' };
    if (!km)
      return {
        stale: true,
        why:
          entry.occurrence === undefined
            ? `${entry.function} holds this code more than once now: say which with "occurrence"`
            : `no mutant at occurrence ${entry.occurrence} (there are: ${group.map((k) => k.key.occurrence ?? 'none').join(', ')})`,
      };
    if (claimed.has(km.mutant.id))
      return { stale: true, why: 'another entry names the same mutant' };
    claimed.add(km.mutant.id);
    const status = km.mutant.status;
    if (status === 'Survived' || status === 'NoCoverage') {
      byMutant.set(km.mutant.id, entry);
      return undefined;
    }
    if (status === 'Killed')
      return { stale: true, why: 'Killed: a test tells it apart, so it is not equivalent' };
    if (status === 'Timeout') return { stale: false, why: TIMED_OUT };
    if (status === 'Pending') return { stale: false, why: NOT_TESTED_YET };
    return { stale: true, why: `not tested (${status})` };
  };
  for (const entry of equivalents) {
    const j = judge(entry);
    if (j) (j.stale ? stale : unjudged).push({ entry, why: j.why });
  }
  return { byMutant, stale, unjudged };
}

/**
 * Every mutant StrykerJS makes of a file's current text, untested (status Pending): its own
 * instrumenter with its default mutators, so a key is checked without a mutation run.
 */
export async function instrumentedFile(file: string, source: string): Promise<ReportFile> {
  const { Instrumenter } = await import('@stryker-mutator/instrumenter');
  const quiet = () => false;
  const none = () => undefined;
  const logger = {
    isTraceEnabled: quiet,
    isDebugEnabled: quiet,
    isInfoEnabled: quiet,
    isWarnEnabled: quiet,
    isErrorEnabled: quiet,
    isFatalEnabled: quiet,
    trace: none,
    debug: none,
    info: none,
    warn: none,
    error: none,
    fatal: none,
  };
  const { mutants } = await new Instrumenter(logger).instrument(
    [{ name: file, content: source, mutate: true }],
    { plugins: null, excludedMutations: [], ignorers: [] },
  );
  // The instrumenter counts lines and columns from 0; the JSON report from 1.
  const at = (p: Position) => ({ line: p.line + 1, column: p.column + 1 });
  return {
    source,
    mutants: mutants.map((m) => ({
      // Ids count from 0 in each instrumented file; a report's are unique across files.
      id: `${file}#${m.id}`,
      mutatorName: m.mutatorName,
      replacement: m.replacement,
      status: m.status ?? 'Pending',
      location: { start: at(m.location.start), end: at(m.location.end) },
    })),
  };
}

const FIELDS = ['file', 'function', 'mutator', 'original', 'replacement', 'reason'] as const;

/** Checks one entry's shape; returns what is wrong, or undefined. */
export function entryProblem(e: unknown): string | undefined {
  if (!e || typeof e !== 'object') return 'expected an object';
  const o = e as Record<string, unknown>;
  for (const f of FIELDS) if (typeof o[f] !== 'string') return `expected "${f}" as a string`;
  if ((o.reason as string).trim() === '') return 'expected a reason';
  if (
    o.occurrence !== undefined &&
    !(Number.isInteger(o.occurrence) && (o.occurrence as number) >= 1)
  )
    return 'expected "occurrence" as a whole number from 1';
  const extra = Object.keys(o).filter(
    (k) => !(FIELDS as readonly string[]).includes(k) && k !== 'occurrence',
  );
  if (extra.length > 0) return `unexpected field ${extra.map((k) => `"${k}"`).join(', ')}`;
  return undefined;
}
