// The swimlane timeline every story gets: one lane per role, each event a numbered mark in its
// lane, the failing step in red with its column shaded; steps in which the firewall dropped a
// transfer or routing sent it astray carry a red cross in that lane.
import type { CounterexampleRecord } from '../../harness.ts';
import { h, type Markup, NOTHING, n } from '../markup.ts';
import { LANES, type Lane, timelineOf } from '../timeline.ts';

const LANE_H = 40;
const LABEL_W = 120;
const STEP_W = 44;
const HEAD = 26;

/** A mark beside a step's event: where something was stopped, and why. */
export interface LaneNote {
  readonly step: number;
  readonly lane: Lane;
  readonly text: string;
}

export function swimlaneSvg(rec: CounterexampleRecord, notes: readonly LaneNote[] = []): Markup {
  const steps = timelineOf(rec);
  const cols = Math.max(steps.length, 10);
  const width = LABEL_W + cols * STEP_W + 16;
  const height = HEAD + LANES.length * LANE_H + 8;
  const laneY = (l: Lane) => HEAD + LANES.findIndex((x) => x.id === l) * LANE_H + LANE_H / 2;
  const colX = (step: number) => LABEL_W + (step - 0.5) * STEP_W;
  const lanes = LANES.map(
    (l, i) =>
      h`<rect x="0" y="${n(HEAD + i * LANE_H)}" width="${width}" height="${LANE_H}" fill="${i % 2 ? '#ffffff' : '#f6f8fa'}"/><text class="lbl" x="8" y="${n(HEAD + i * LANE_H + LANE_H / 2 + 4)}">${l.label}</text>`,
  );
  const marks = steps.map((t) => {
    const x = colX(t.step);
    const y = laneY(t.lane);
    const fill = t.failing ? '#cf222e' : '#0969da';
    const band = t.failing
      ? h`<rect x="${n(x - STEP_W / 2)}" y="${HEAD}" width="${STEP_W}" height="${LANES.length * LANE_H}" fill="#ffebe9" opacity="0.8"/><text x="${n(x)}" y="16" text-anchor="middle" fill="#cf222e" font-weight="700">${rec.violation.invariant}</text>`
      : NOTHING;
    const arrow = t.flow
      ? h`<line x1="${n(x)}" y1="${n(laneY(t.flow[0]))}" x2="${n(x)}" y2="${n(laneY(t.flow[1]) - 14)}" stroke="${fill}" stroke-width="2" marker-end="url(#arrow-${t.failing ? 'red' : 'blue'})"/>`
      : NOTHING;
    return {
      band,
      mark: h`<g class="event${t.failing ? ' failing' : ''}">${arrow}<circle cx="${n(x)}" cy="${n(y)}" r="${t.failing ? 14 : 12}" fill="${fill}" stroke="${t.failing ? '#82071e' : '#ffffff'}" stroke-width="${t.failing ? 3 : 1}"><title>${t.step}. ${t.text}</title></circle><text class="num" x="${n(x)}" y="${n(y + 4)}">${t.step}</text></g>`,
    };
  });
  const crosses = notes.map((x) => {
    const cx = colX(x.step) + 12;
    const cy = laneY(x.lane) - 10;
    return h`<g class="stopped" data-lane="${x.lane}" data-step="${x.step}"><line x1="${n(cx - 6)}" y1="${n(cy - 6)}" x2="${n(cx + 6)}" y2="${n(cy + 6)}" stroke="#cf222e" stroke-width="3"/><line x1="${n(cx + 6)}" y1="${n(cy - 6)}" x2="${n(cx - 6)}" y2="${n(cy + 6)}" stroke="#cf222e" stroke-width="3"/><title>step ${x.step}: ${x.text}</title></g>`;
  });
  return h`<svg class="timeline" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="timeline of ${rec.id}">
<defs><marker id="arrow-blue" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#0969da"/></marker><marker id="arrow-red" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#cf222e"/></marker></defs>
${lanes}${marks.map((m) => m.band)}${marks.map((m) => m.mark)}${crosses}</svg>`;
}
