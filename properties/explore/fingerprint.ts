// 64-bit fingerprints of encoded states and the visited set that holds them, as TLC keeps
// them: a state is stored as its fingerprint only, so memory per state is a few bytes and a
// collision (two distinct states, one fingerprint) would silently merge them. The probability
// of that is estimated and printed with every run (collisionProbability).

/**
 * Two 32-bit lanes of MurmurHash3's block mixing over 32-bit words, cross-mixed at the end as
 * its x86_128 variant does: 64 bits that change with every word of the encoding.
 */
export function fingerprint(buf: Int32Array, len: number): { hi: number; lo: number } {
  let h1 = 0x9747b28c ^ len;
  let h2 = 0x5bd1e995 ^ len;
  for (let i = 0; i < len; i++) {
    const w = buf[i] as number;
    let k1 = Math.imul(w, 0xcc9e2d51);
    k1 = (k1 << 15) | (k1 >>> 17);
    k1 = Math.imul(k1, 0x1b873593);
    h1 ^= k1;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    let k2 = Math.imul(w, 0x85ebca77);
    k2 = (k2 << 17) | (k2 >>> 15);
    k2 = Math.imul(k2, 0xc2b2ae3d);
    h2 ^= k2;
    h2 = (h2 << 19) | (h2 >>> 13);
    h2 = (Math.imul(h2, 5) + 0x561ccd1b) | 0;
  }
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h1 = (h1 + h2) | 0;
  h2 = (h2 + h1) | 0;
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}

function fmix(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}

/**
 * TLC's "calculated (optimistic)" estimate of the probability that two distinct states shared
 * a fingerprint: distinct * (generated - distinct) / 2^64.
 */
export function collisionProbability(distinct: number, generated: number): number {
  return (distinct * Math.max(0, generated - distinct)) / 2 ** 64;
}

/**
 * An open-addressing set of 64-bit fingerprints in one Uint32Array (two words a slot, 0/0
 * meaning empty), kept at most half full. `add` returns whether the fingerprint was new.
 */
export class FingerprintSet {
  private slots: Uint32Array;
  private mask: number;
  size = 0;

  constructor(capacity = 1 << 12) {
    let cap = 16;
    while (cap < capacity * 2) cap *= 2;
    this.slots = new Uint32Array(cap * 2);
    this.mask = cap - 1;
  }

  /** Bytes held by the table itself. */
  get bytes(): number {
    return this.slots.byteLength;
  }

  add(hi: number, lo0: number): boolean {
    // 0/0 marks an empty slot, so the one fingerprint equal to it is stored as 0/1.
    const lo = hi === 0 && lo0 === 0 ? 1 : lo0;
    if ((this.size + 1) * 2 > this.mask + 1) this.grow();
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = this.slots[2 * i] as number;
      const b = this.slots[2 * i + 1] as number;
      if (a === 0 && b === 0) {
        this.slots[2 * i] = hi;
        this.slots[2 * i + 1] = lo;
        this.size++;
        return true;
      }
      if (a === hi && b === lo) return false;
      i = (i + 1) & this.mask;
    }
  }

  has(hi: number, lo0: number): boolean {
    const lo = hi === 0 && lo0 === 0 ? 1 : lo0;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & this.mask;
    for (;;) {
      const a = this.slots[2 * i] as number;
      const b = this.slots[2 * i + 1] as number;
      if (a === 0 && b === 0) return false;
      if (a === hi && b === lo) return true;
      i = (i + 1) & this.mask;
    }
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = (this.mask + 1) * 2 - 1;
    this.size = 0;
    for (let j = 0; j < old.length; j += 2) {
      const a = old[j] as number;
      const b = old[j + 1] as number;
      if (a !== 0 || b !== 0) this.add(a, b);
    }
  }
}
