// Which pictures a story gets, by area: the one table a new area adds a line to. A figure
// turns a story (a counterexample record: setup, events, violation) into an SVG and a caption
// by replaying it, or says it has nothing to show for this story (null).
//
// A new area plugs in with its figure and one line here, e.g. for a cloud tunnel area:
//   const TUNNEL_SEQUENCE: Figure = { id: 'sequence', title: 'Tunnel sequence', render: ... };
//   tunnel: [TUNNEL_SEQUENCE],
import { CORRECT, variantByName } from '../../../model/variants.ts';
import {
  initWorld,
  type WorldEvent,
  type WorldSetup,
  worldStep,
} from '../../../model/world/world.ts';
import type { CounterexampleRecord } from '../../harness.ts';
import { tunnelSvg } from '../../tunnel/diagram.ts';
import { type Markup, raw } from '../markup.ts';
import { blockSvg, blockView } from './blocks.ts';
import { pathSvg, pathView } from './path.ts';
import { rpoCaption, rpoSvg, rpoView } from './rpo.ts';
import type { LaneNote } from './swimlane.ts';

export interface Figure {
  /** The figure's class in the page (`fig-<id>`): what the browser checks look for. */
  readonly id: string;
  readonly title: string;
  render(rec: CounterexampleRecord): { readonly svg: Markup; readonly caption: string } | null;
}

export const BLOCKS: Figure = {
  id: 'blocks',
  title: 'Blocks: what the replica should hold beside what it holds',
  render(rec) {
    const v = blockView(rec);
    return v ? { svg: blockSvg(v), caption: `${v.vm}/${v.disk}. ${v.caption}` } : null;
  },
};

export const RPO: Figure = {
  id: 'rpo',
  title: 'RPO: age of the last committed instance, in minutes of world time',
  render(rec) {
    const v = rpoView(rec);
    return v ? { svg: rpoSvg(v), caption: rpoCaption(v).join(' ') } : null;
  },
};

export const PATH: Figure = {
  id: 'path',
  title: 'Path: taken beside intended',
  render(rec) {
    const v = pathView(rec);
    return v ? { svg: pathSvg(v), caption: `${v.flow}. ${v.caption}` } : null;
  },
};

/** The cloud tunnel: who dialled whom, on-premises and provider (properties/tunnel/diagram.ts). */
export const TUNNEL_SEQUENCE: Figure = {
  id: 'sequence',
  title: 'Who dialled whom',
  render(rec) {
    return {
      svg: raw(tunnelSvg(rec)),
      caption:
        'Every connection across the tenant perimeter, numbered by step; the failing step in red.',
    };
  },
};

export const FIGURES: Readonly<Record<string, readonly Figure[]>> = {
  replication: [BLOCKS],
  world: [RPO, PATH, BLOCKS],
  network: [PATH],
  firewall: [PATH],
  tunnel: [TUNNEL_SEQUENCE],
};

export function figuresOf(area: string): readonly Figure[] {
  return FIGURES[area] ?? [];
}

/**
 * Red crosses for the swimlane: the steps of a world story in which a transfer was blocked (in
 * the firewall lane when the firewall dropped it, else the network lane), and for a firewall
 * story the failing step, when its path ends in a drop.
 */
export function laneNotes(rec: CounterexampleRecord): LaneNote[] {
  if (rec.area === 'firewall') {
    const v = pathView(rec);
    const drop = v?.taken.find((x) => x.state === 'drop');
    if (!v || !drop || rec.violation.step < 1) return [];
    return [
      { step: rec.violation.step, lane: 'firewall', text: `${v.flow}: dropped (${drop.detail})` },
    ];
  }
  if (rec.area !== 'world') return [];
  const notes: LaneNote[] = [];
  let w = initWorld(rec.setup as WorldSetup, variantByName(rec.variant) ?? CORRECT);
  (rec.events as readonly WorldEvent[]).forEach((e, i) => {
    const r = worldStep(w, e);
    w = r.state;
    const b = r.emitted.find((x) => x.kind === 'blocked');
    if (b?.kind !== 'blocked') return;
    const lane = b.reason.includes('firewall') ? 'firewall' : 'network';
    notes.push({ step: i + 1, lane, text: `transfer of ${b.vm} blocked: ${b.reason}` });
  });
  return notes;
}
