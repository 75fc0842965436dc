// The block picture of a replication story: the source image at the replica instance's point
// in time beside the replica, block by block, each block marked with the write it holds (and
// the step that wrote it), the blocks the invariant is about highlighted. The picture replays
// the events itself and compares the images on its own; it does not read the violation's text.
import { type BlockMap, readBlock } from '../../../model/disk.ts';
import { init, latestInstance, step, targetImage } from '../../../model/replication/step.ts';
import type {
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
} from '../../../model/replication/types.ts';
import { CORRECT, variantByName } from '../../../model/variants.ts';
import {
  initWorld,
  type WorldEvent,
  type WorldSetup,
  worldStep,
} from '../../../model/world/world.ts';
import type { CounterexampleRecord } from '../../harness.ts';
import { h, type Markup, n } from '../markup.ts';

export interface BlockView {
  readonly vm: string;
  readonly disk: string;
  readonly left: { readonly label: string; readonly image: BlockMap };
  readonly right: { readonly label: string; readonly image: BlockMap };
  /** The block indexes drawn, ascending. */
  readonly blocks: readonly number[];
  /** The blocks the invariant is about: drawn red. */
  readonly wrong: readonly number[];
  /** Content token -> the step whose GuestWrite produced it (0: before the first step). */
  readonly writtenAt: Readonly<Record<number, number>>;
  /** One sentence: what the red blocks mean. */
  readonly caption: string;
}

/** Blocks, ascending, where two images differ. */
function diff(a: BlockMap, b: BlockMap): number[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)].map(Number));
  return [...keys].filter((k) => readBlock(a, k) !== readBlock(b, k)).sort((x, y) => x - y);
}

type Images = Readonly<Record<string, Readonly<Record<string, BlockMap>>>>;

function imagesOf(s: ReplicationState): Images {
  return Object.fromEntries(
    Object.values(s.vms).map((vm) => [
      vm.name,
      Object.fromEntries(vm.diskOrder.map((d) => [d, vm.disks[d]?.blocks ?? {}])),
    ]),
  );
}

/** Which step wrote each content token, from the source images after every step. */
function writers(history: readonly Images[]): Record<number, number> {
  const at: Record<number, number> = {};
  history.forEach((imgs, k) => {
    for (const disks of Object.values(imgs))
      for (const img of Object.values(disks))
        for (const c of Object.values(img)) if (!(c in at)) at[c] = k;
  });
  return at;
}

/** At most this many blocks are drawn; a larger disk shows its written and wrong blocks. */
const MAX_DRAWN = 48;

function drawn(sizeBlocks: number, images: readonly BlockMap[], wrong: readonly number[]) {
  if (sizeBlocks <= 32) return Array.from({ length: sizeBlocks }, (_, i) => i);
  const set = new Set<number>(wrong);
  for (const img of images) for (const k of Object.keys(img)) set.add(Number(k));
  return [...set].sort((a, b) => a - b).slice(0, MAX_DRAWN);
}

interface Pick {
  readonly vm: string;
  readonly disk: string;
  readonly left: BlockView['left'];
  readonly right: BlockView['right'];
  readonly wrong: readonly number[];
  readonly caption: string;
}

/** The images an invariant compares at the failing step, for the first VM and disk that differ. */
function pickReplication(
  inv: string,
  at: number,
  before: ReplicationState,
  after: ReplicationState,
  history: readonly Images[],
  emitted: ReturnType<typeof step>['emitted'],
): Pick | undefined {
  for (const vm of Object.values(after.vms)) {
    const r = vm.repl;
    if (!r) continue;
    const prev = before.vms[vm.name]?.repl;
    for (const d of vm.diskOrder) {
      const inst = latestInstance(r);
      const replica = targetImage(r, d);
      const replicaLabel = inst
        ? `replica: the instance committed for the point after step ${inst.pit}`
        : 'replica: the target disk (no instance committed yet)';
      if (inv === 'R1' || inv === 'R2' || inv === 'R4') {
        if (!inst) continue;
        const src = history[inst.pit]?.[vm.name]?.[d] ?? {};
        const wrong = diff(src, replica);
        if (wrong.length === 0) continue;
        return {
          vm: vm.name,
          disk: d,
          left: {
            label: `source after step ${inst.pit} (the instance's point in time)`,
            image: src,
          },
          right: { label: replicaLabel, image: replica },
          wrong,
          caption: `Red: block(s) where the replica instance does not hold what the source held at its point in time (after step ${inst.pit}).`,
        };
      }
      if (inv === 'R5' && prev) {
        const was = targetImage(prev, d);
        const wrong = diff(was, replica);
        if (wrong.length === 0) continue;
        return {
          vm: vm.name,
          disk: d,
          left: { label: `target before step ${at}`, image: was },
          right: { label: `target after step ${at} (no bundle committed)`, image: replica },
          wrong,
          caption: `Red: block(s) that changed at the target without a whole bundle committing: a torn replica.`,
        };
      }
      if (inv === 'R6') {
        if (r.recovering || r.needsFullSync) continue;
        const now = history[at]?.[vm.name]?.[d] ?? {};
        const tracked = new Set<number>(r.disks[d]?.bitmap ?? []);
        for (const ref of r.cycle?.toSend ?? []) if (ref.disk === d) tracked.add(ref.block);
        const wrong = diff(now, replica).filter((b) => !tracked.has(b));
        if (wrong.length === 0) continue;
        return {
          vm: vm.name,
          disk: d,
          left: { label: `source after step ${at}`, image: now },
          right: { label: replicaLabel, image: replica },
          wrong,
          caption:
            'Red: block(s) that differ from the replica while no bitmap, psf or transfer tracks them and no full sync is pending.',
        };
      }
      if (inv === 'R7') {
        const started = emitted.find(
          (e) => e.kind === 'CycleStarted' && e.vm === vm.name && e.cycle === 'full',
        );
        if (started?.kind !== 'CycleStarted' || !prev) continue;
        const src = history[started.pit]?.[vm.name]?.[d] ?? {};
        const target = targetImage(prev, d);
        const want = diff(src, target);
        const got = started.toSend.filter((x) => x.disk === d).map((x) => x.block);
        const wrong = [
          ...got.filter((b) => !want.includes(b)),
          ...want.filter((b) => !got.includes(b)),
        ].sort((x, y) => x - y);
        if (wrong.length === 0) continue;
        return {
          vm: vm.name,
          disk: d,
          left: {
            label: `source when the full sync started (after step ${started.pit})`,
            image: src,
          },
          right: { label: 'target before the full sync', image: target },
          wrong,
          caption:
            'Red: block(s) the full sync sends though their checksums match, or leaves out though they differ.',
        };
      }
    }
  }
  return undefined;
}

function replicationView(rec: CounterexampleRecord): BlockView | null {
  const setup = rec.setup as ReplicationSetup;
  const events = rec.events as readonly ReplicationEvent[];
  const at = rec.violation.step;
  if (at < 1 || at > events.length) return null;
  let s = init(setup, variantByName(rec.variant) ?? CORRECT);
  const history: Images[] = [imagesOf(s)];
  let before = s;
  let emitted: ReturnType<typeof step>['emitted'] = [];
  for (let i = 0; i < at; i++) {
    before = s;
    const r = step(s, events[i] as ReplicationEvent);
    s = r.state;
    emitted = r.emitted;
    history.push(imagesOf(s));
  }
  const p = pickReplication(rec.violation.invariant, at, before, s, history, emitted);
  if (!p) return null;
  const size = s.vms[p.vm]?.disks[p.disk]?.sizeBlocks ?? 0;
  return {
    ...p,
    blocks: drawn(size, [p.left.image, p.right.image], p.wrong),
    writtenAt: writers(history),
  };
}

/** R10 in the two-site world: the instance failover should recover beside what it recovered. */
function worldView(rec: CounterexampleRecord): BlockView | null {
  if (rec.violation.invariant !== 'R10') return null;
  const events = rec.events as readonly WorldEvent[];
  const at = rec.violation.step;
  const e = events[at - 1];
  if (e?.type !== 'Failover') return null;
  let w = initWorld(rec.setup as WorldSetup, variantByName(rec.variant) ?? CORRECT);
  const history: Images[] = [imagesOf(w.repl)];
  let before = w;
  for (let i = 0; i < at; i++) {
    before = w;
    w = worldStep(w, events[i] as WorldEvent).state;
    history.push(imagesOf(w.repl));
  }
  const vm = before.repl.vms[e.vm];
  const r = vm?.repl;
  const want = r?.instances[r.instances.length - 1 - e.pick];
  const got = w.recovered[e.vm];
  if (!vm || !want || !got) return null;
  for (const d of vm.diskOrder) {
    const wrong = diff(want.disks[d] ?? {}, got.disks[d] ?? {});
    if (wrong.length === 0) continue;
    const left = want.disks[d] ?? {};
    const right = got.disks[d] ?? {};
    return {
      vm: e.vm,
      disk: d,
      left: {
        label: `committed instance of minute ${want.pitClock} (the one chosen)`,
        image: left,
      },
      right: { label: 'disk the failover recovered', image: right },
      blocks: drawn(vm.disks[d]?.sizeBlocks ?? 0, [left, right], wrong),
      wrong,
      writtenAt: writers(history),
      caption: 'Red: block(s) where the recovered disk is not the committed instance.',
    };
  }
  return null;
}

export function blockView(rec: CounterexampleRecord): BlockView | null {
  if (rec.area === 'replication') return replicationView(rec);
  if (rec.area === 'world') return worldView(rec);
  return null;
}

const CELL = 46;
const GAP = 4;
const LABEL_H = 18;
const PER_BAND = 16;

/** Two rows of cells (left image above, right below) per band of up to 16 blocks. */
export function blockSvg(v: BlockView): Markup {
  const bands: number[][] = [];
  for (let i = 0; i < v.blocks.length; i += PER_BAND) bands.push(v.blocks.slice(i, i + PER_BAND));
  const cols = Math.min(PER_BAND, Math.max(1, v.blocks.length));
  const width = 24 + cols * (CELL + GAP);
  const bandH = 16 + 2 * (LABEL_H + CELL + GAP) + 12;
  const height = Math.max(1, bands.length) * bandH;
  const wrong = new Set(v.wrong);
  const cell = (x: number, y: number, b: number, img: BlockMap, row: 'left' | 'right') => {
    const c = readBlock(img, b);
    const bad = wrong.has(b);
    const step = v.writtenAt[c];
    const text = c === 0 ? 'zeros' : `w${c}`;
    const sub = c === 0 ? '' : step !== undefined ? `step ${step}` : '';
    const fill = bad ? '#ffebe9' : c === 0 ? '#f6f8fa' : '#ddf4ff';
    const stroke = bad ? '#cf222e' : '#8c959f';
    const title = `${row === 'left' ? v.left.label : v.right.label}: block ${b} ${c === 0 ? 'reads as zeros' : `holds write w${c}${step !== undefined ? ` (made at step ${step})` : ''}`}`;
    return h`<g class="block${bad ? ' wrong' : ''}" data-row="${row}" data-block="${b}"><rect x="${n(x)}" y="${n(y)}" width="${CELL}" height="${CELL}" rx="4" fill="${fill}" stroke="${stroke}" stroke-width="${bad ? 3 : 1}"><title>${title}</title></rect><text x="${n(x + CELL / 2)}" y="${n(y + 20)}" text-anchor="middle" font-weight="${bad ? 700 : 400}" fill="${c === 0 ? '#8c959f' : '#1f2328'}">${text}</text><text class="lbl" x="${n(x + CELL / 2)}" y="${n(y + 36)}" text-anchor="middle" font-size="10">${sub}</text></g>`;
  };
  const body = bands.map((band, bi) => {
    const y0 = bi * bandH;
    const yl = y0 + 16 + LABEL_H;
    const yr = yl + CELL + GAP + LABEL_H;
    const head = band.map(
      (b, i) =>
        h`<text class="lbl" x="${n(24 + i * (CELL + GAP) + CELL / 2)}" y="${n(y0 + 12)}" text-anchor="middle"${wrong.has(b) ? h` fill="#cf222e" font-weight="700"` : h``}>${b}</text>`,
    );
    return h`${head}<text x="24" y="${n(yl - 5)}" font-weight="600">${v.left.label}</text>${band.map((b, i) => cell(24 + i * (CELL + GAP), yl, b, v.left.image, 'left'))}<text x="24" y="${n(yr - 5)}" font-weight="600">${v.right.label}</text>${band.map((b, i) => cell(24 + i * (CELL + GAP), yr, b, v.right.image, 'right'))}`;
  });
  const labelW = Math.max(v.left.label.length, v.right.label.length) * 7 + 32;
  const w = Math.max(width, labelW);
  return h`<svg class="blocks" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${height}" viewBox="0 0 ${w} ${height}" role="img" aria-label="blocks of ${v.vm}/${v.disk}: ${v.left.label} beside ${v.right.label}"><text class="lbl" x="4" y="12">#</text>${body}</svg>`;
}
