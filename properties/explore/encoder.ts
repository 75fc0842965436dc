// The canonical encoding of an explored state: a flat list of 32-bit words that the area's
// encoder writes field by field, with names and tokens renamed in order of first appearance,
// then fingerprinted. Two states encode alike iff the area's encoder says they behave alike.
import { fingerprint } from './fingerprint.ts';

/**
 * Maps raw values to 1, 2, 3 ... in order of first appearance; 0 stays 0 when asked to. A state
 * holds a handful of each kind, so a linear scan beats a hash map here.
 */
export class Renamer<K> {
  private readonly keys: K[] = [];

  constructor(private readonly keepZero: boolean) {}

  reset(): void {
    this.keys.length = 0;
  }

  of(k: K): number {
    if (this.keepZero && k === 0) return 0;
    const i = this.keys.indexOf(k);
    if (i >= 0) return i + 1;
    this.keys.push(k);
    return this.keys.length;
  }

  /** How many distinct values were renamed since the last reset. */
  get count(): number {
    return this.keys.length;
  }
}

const stringHashes = new Map<string, readonly [number, number]>();

/** Two independent 32-bit FNV-1a lanes of a string, kept per string (names recur). */
function hashString(s: string): readonly [number, number] {
  const known = stringHashes.get(s);
  if (known) return known;
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  const h = [a | 0, b | 0] as const;
  if (stringHashes.size > 100_000) stringHashes.clear();
  stringHashes.set(s, h);
  return h;
}

const f64 = new Float64Array(1);
const f64words = new Int32Array(f64.buffer);

export class Encoder {
  buf = new Int32Array(256);
  len = 0;

  reset(): void {
    this.len = 0;
  }

  push(w: number): void {
    if (this.len === this.buf.length) {
      const next = new Int32Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.len++] = w;
  }

  /** A number: small integers as one word, anything else as a tagged float64. */
  num(n: number): void {
    if (Number.isInteger(n) && n >= -0x3fffffff && n <= 0x3fffffff) this.push(n);
    else {
      f64[0] = n;
      this.push(0x40000000);
      this.push(f64words[0] as number);
      this.push(f64words[1] as number);
    }
  }

  bool(b: boolean): void {
    this.push(b ? 1 : 0);
  }

  str(s: string): void {
    const [a, b] = hashString(s);
    this.push(a);
    this.push(b);
  }

  /** null or undefined as a marker distinct from any string. */
  optStr(s: string | null | undefined): void {
    if (s === null || s === undefined) this.push(0x7ffffff1);
    else this.str(s);
  }

  /** Any JSON-shaped value, exactly (no renaming): for parts that hold no names or tokens. */
  json(v: unknown): void {
    if (v === null || v === undefined) this.push(v === null ? 0x7ffffff2 : 0x7ffffff3);
    else if (typeof v === 'number') this.num(v);
    else if (typeof v === 'string') this.str(v);
    else if (typeof v === 'boolean') this.push(v ? 0x7ffffff4 : 0x7ffffff5);
    else if (Array.isArray(v)) {
      this.push(0x7ffffff6);
      this.push(v.length);
      for (const x of v) this.json(x);
    } else {
      const keys = Object.keys(v as object).sort();
      this.push(0x7ffffff7);
      this.push(keys.length);
      for (const k of keys) {
        this.str(k);
        this.json((v as Record<string, unknown>)[k]);
      }
    }
  }

  fingerprint(): { hi: number; lo: number } {
    return fingerprint(this.buf, this.len);
  }

  /** A copy of the words written so far (for comparing encodings under symmetry). */
  snapshot(): Int32Array {
    return this.buf.slice(0, this.len);
  }
}

/** Lexicographic order of two encodings: the canonical one of an orbit is the least. */
export function compareWords(a: Int32Array, b: Int32Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length - b.length;
}

/** Fingerprint of a JSON-shaped immutable object, kept per object (hosts, rulesets). */
export function memoJson(
  cache: WeakMap<object, readonly [number, number]>,
  v: object,
): readonly [number, number] {
  const known = cache.get(v);
  if (known) return known;
  const e = new Encoder();
  e.json(v);
  const f = e.fingerprint();
  const out = [f.hi | 0, f.lo | 0] as const;
  cache.set(v, out);
  return out;
}

/**
 * Throws when an object carries a field the encoder does not know: a model change that adds
 * state must also say how that state is encoded, or two different states would be merged.
 */
export function assertKnownFields(
  what: string,
  obj: object,
  known: ReadonlySet<string>,
  file: string,
): void {
  for (const k of Object.keys(obj)) {
    if (!known.has(k)) {
      throw new Error(
        `explore: ${what} has a field "${k}" the canonical encoder does not know; teach ${file} how to encode it (exactly, or renamed with the names and tokens it holds), or the explorer would merge states that differ in it`,
      );
    }
  }
}

/** Every order of xs (symmetry reduction tries each order of interchangeable names). */
export function permutations<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) =>
    permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]),
  );
}
