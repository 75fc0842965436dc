// Where a run's report goes. Every run gets a directory of its own under the output root,
// named by its start time and shard and claimed with a plain mkdir (which fails when the name is
// taken), so no run writes into another's. ROOT/latest is a symbolic link to the newest finished
// run, switched by renaming a new link over the old one: a reader sees the old run or the new
// one, never neither.
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { join, relative } from 'node:path';

export const REPORT_ROOT = 'reports';
export const LATEST = 'latest';

export interface RunLabel {
  /** The command: start or nightly; runs of each go to their own folder under the root. */
  readonly kind: string;
  readonly shard: { readonly index: number; readonly count: number } | null;
  /** A zoo variant's name, or null on the correct model. */
  readonly variant: string | null;
}

/** "2026-11-29T15-04-05Z", then the shard and variant: sortable, and safe in every file system. */
export function runDirName(startedAt: Date, label: RunLabel): string {
  const stamp = `${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}Z`;
  const shard = label.shard ? `-shard-${label.shard.index}-of-${label.shard.count}` : '';
  const variant = label.variant ? `-${label.variant}` : '';
  return `${stamp}${shard}${variant}`;
}

/**
 * Creates ROOT/<kind>/<name>, or <name>-2, -3 ... when a run that started in the same second
 * took the name first, and returns it. mkdir is the claim: two runs never share a directory.
 */
export function claimRunDir(root: string, startedAt: Date, label: RunLabel): string {
  const parent = join(root, label.kind);
  mkdirSync(parent, { recursive: true });
  const base = runDirName(startedAt, label);
  for (let n = 1; ; n++) {
    const dir = join(parent, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** The start time of the run whose report a directory holds, or null when it holds none. */
export function reportIn(dir: string): string | null {
  const file = join(dir, 'summary.json');
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as { startedAt?: unknown };
    return typeof s.startedAt === 'string' ? s.startedAt : 'an unknown time';
  } catch {
    return 'an unknown time';
  }
}

/**
 * Points ROOT/latest at `dir`. A `latest` that is a real directory (older versions wrote the
 * report there) is first moved to ROOT/start/<its start time>-moved, not deleted. Returns that
 * new place when it moved one.
 */
export function switchLatest(root: string, dir: string): string | null {
  const link = join(root, LATEST);
  const tmp = join(root, `.${LATEST}.${process.pid}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(relative(root, dir), tmp);
  let moved: string | null = null;
  if (existsSync(link) && lstatSync(link).isDirectory()) {
    const startedAt = reportIn(link);
    const when = startedAt ? new Date(startedAt) : new Date();
    const at = Number.isNaN(when.getTime()) ? new Date() : when;
    moved = claimRunDir(root, at, { kind: 'start', shard: null, variant: 'moved' });
    // rename(2) replaces an empty directory: the claimed name is taken over whole.
    renameSync(link, moved);
  }
  renameSync(tmp, link);
  return moved;
}
