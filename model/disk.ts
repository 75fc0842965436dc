// Sparse block images: a disk costs what its written blocks cost, never its size.
// A block's content is an opaque token (0 = never written, reads as zeros); two blocks are
// equal iff their tokens are. Checksums are what full sync compares (seeds 001, 002).

/** A sparse image: block index -> content token. Absent blocks read as zeros (token 0). */
export type BlockMap = Readonly<Record<number, number>>;

export interface Disk {
  /** The virtual disk's UUID; a seed must carry the same one (seed 002, research-notes A7). */
  readonly uuid: string;
  readonly sizeBlocks: number;
  readonly blocks: BlockMap;
}

export const ZERO = 0;

export function readBlock(blocks: BlockMap, block: number): number {
  return blocks[block] ?? ZERO;
}

export function writeBlock(blocks: BlockMap, block: number, content: number): BlockMap {
  if (content === ZERO) {
    if (!(block in blocks)) return blocks;
    const next: Record<number, number> = { ...blocks };
    delete next[block];
    return next;
  }
  return { ...blocks, [block]: content };
}

/** Writes every entry of `patch` over `blocks` (zeros clear). */
export function applyBlocks(blocks: BlockMap, patch: BlockMap): BlockMap {
  // Nothing to apply (an empty delta, a disk the bundle did not touch): the map itself, which is
  // immutable, instead of a copy of it.
  if (isEmpty(patch)) return blocks;
  const next: Record<number, number> = { ...blocks };
  for (const [k, v] of Object.entries(patch)) {
    if (v === ZERO) delete next[Number(k)];
    else next[Number(k)] = v;
  }
  return next;
}

function isEmpty(m: BlockMap): boolean {
  for (const _ in m) return false;
  return true;
}

/** The written block indices, ascending. */
export function writtenBlocks(blocks: BlockMap): number[] {
  return Object.keys(blocks)
    .map(Number)
    .sort((a, b) => a - b);
}

/** FNV-1a over the token's 32-bit words: the per-block checksum both sides compute. */
export function checksum(content: number): number {
  let h = 0x811c9dc5;
  let v = content;
  for (let i = 0; i < 8; i++) {
    h ^= v & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
    v = Math.floor(v / 256);
  }
  return h;
}

/**
 * The blocks whose checksums differ between two images, ascending. Only written blocks can
 * differ (both sides read zeros elsewhere), so the cost follows written blocks, not size.
 */
export function differingBlocks(a: BlockMap, b: BlockMap): number[] {
  const out = new Set<number>();
  for (const k of Object.keys(a)) {
    const i = Number(k);
    if (checksum(readBlock(a, i)) !== checksum(readBlock(b, i))) out.add(i);
  }
  for (const k of Object.keys(b)) {
    const i = Number(k);
    if (checksum(readBlock(a, i)) !== checksum(readBlock(b, i))) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** True iff the two images hold the same content in every block. */
export function imagesEqual(a: BlockMap, b: BlockMap): boolean {
  for (const k of Object.keys(a))
    if (readBlock(b, Number(k)) !== readBlock(a, Number(k))) return false;
  for (const k of Object.keys(b))
    if (readBlock(a, Number(k)) !== readBlock(b, Number(k))) return false;
  return true;
}
