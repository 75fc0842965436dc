// The RPO chart of a world story, in minutes of world time: per VM, the age of the last
// committed instance (the clock minus its point in time, or since configuration, as R8
// measures it), the RPO line, the minutes the age is over the RPO shaded, and where the model
// raised rpoViolatedEvent and rpoRestoredEvent. The chart replays the events minute by minute
// (a Tick of n minutes as n Ticks of one, which the world spec pins as the same run) and takes
// the age from the committed instances, not from the model's own verdict, so a violation the
// model failed to raise shows as a shaded interval with no event.
import { latestInstance } from '../../../model/replication/step.ts';
import { CORRECT, variantByName } from '../../../model/variants.ts';
import {
  initWorld,
  type WorldEvent,
  type WorldSetup,
  type WorldState,
  worldStep,
} from '../../../model/world/world.ts';
import type { CounterexampleRecord } from '../../harness.ts';
import { h, type Markup, NOTHING, n } from '../markup.ts';

export interface RpoSeries {
  readonly vm: string;
  /** The RPO once replication is configured, else null. */
  readonly rpoMinutes: number | null;
  /** age[t]: minutes since the last instance's point in time at the end of minute t; null while
   * the VM is not replicated. */
  readonly age: readonly (number | null)[];
  /** Runs of minutes [from, to] in which the age is over the RPO (R8: strictly greater). */
  readonly over: readonly (readonly [number, number])[];
  readonly events: readonly {
    readonly minute: number;
    readonly kind: 'violated' | 'restored';
    /** rpoViolatedEvent's minute count. */
    readonly by?: number;
  }[];
}

export interface RpoView {
  /** The last minute drawn. */
  readonly minutes: number;
  /** Each step's minutes: a Tick spans [from, to], any other event happens at one minute. */
  readonly steps: readonly { readonly step: number; readonly from: number; readonly to: number }[];
  readonly failingStep: number;
  readonly series: readonly RpoSeries[];
}

function sample(w: WorldState, names: readonly string[], age: Record<string, (number | null)[]>) {
  const t = w.repl.clock;
  for (const name of names) {
    const r = w.repl.vms[name]?.repl;
    const list = age[name] as (number | null)[];
    const since = r ? (latestInstance(r)?.pitClock ?? r.configuredAt) : null;
    list[t] = since === null ? null : t - since;
  }
}

export function rpoView(rec: CounterexampleRecord): RpoView | null {
  if (rec.area !== 'world') return null;
  const setup = rec.setup as WorldSetup;
  const events = rec.events as readonly WorldEvent[];
  let w = initWorld(setup, variantByName(rec.variant) ?? CORRECT);
  const names = setup.replication.vms.map((v) => v.name);
  const age: Record<string, (number | null)[]> = Object.fromEntries(names.map((x) => [x, []]));
  const raised: Record<string, RpoSeries['events'][number][]> = Object.fromEntries(
    names.map((x) => [x, []]),
  );
  const rpo: Record<string, number | null> = Object.fromEntries(names.map((x) => [x, null]));
  const steps: RpoView['steps'][number][] = [];
  const note = (emitted: ReturnType<typeof worldStep>['emitted']) => {
    for (const e of emitted) {
      if (e.kind === 'rpoViolated')
        raised[e.vm]?.push({ minute: e.clock, kind: 'violated', by: e.minutes });
      if (e.kind === 'rpoRestored') raised[e.vm]?.push({ minute: e.clock, kind: 'restored' });
    }
  };
  sample(w, names, age);
  events.forEach((e, i) => {
    const from = w.repl.clock;
    if (e.type === 'Tick') {
      for (let m = 0; m < e.minutes; m++) {
        const r = worldStep(w, { type: 'Tick', minutes: 1 });
        w = r.state;
        note(r.emitted);
        sample(w, names, age);
      }
    } else {
      const r = worldStep(w, e);
      w = r.state;
      note(r.emitted);
      sample(w, names, age);
    }
    for (const name of names) {
      const r = w.repl.vms[name]?.repl;
      if (r) rpo[name] = r.rpoMinutes;
    }
    steps.push({ step: i + 1, from, to: w.repl.clock });
  });
  const minutes = w.repl.clock;
  const series = names.map((name): RpoSeries => {
    const a = Array.from({ length: minutes + 1 }, (_, t) => age[name]?.[t] ?? null);
    const limit = rpo[name] ?? null;
    const over: [number, number][] = [];
    if (limit !== null) {
      a.forEach((x, t) => {
        if (x === null || x <= limit) return;
        const last = over[over.length - 1];
        if (last && last[1] === t - 1) last[1] = t;
        else over.push([t, t]);
      });
    }
    return { vm: name, rpoMinutes: limit, age: a, over, events: raised[name] ?? [] };
  });
  return { minutes, steps, failingStep: rec.violation.step, series };
}

/** The chart's story in one sentence per VM: when the age was over the RPO, what was raised. */
export function rpoCaption(v: RpoView): string[] {
  return v.series
    .filter((s) => s.rpoMinutes !== null)
    .map((s) => {
      const span = s.over.map(([a, b]) => (a === b ? `minute ${a}` : `minutes ${a}-${b}`));
      const over =
        span.length === 0
          ? `the age of ${s.vm}'s last instance never exceeds its ${s.rpoMinutes} min RPO`
          : `${s.vm}'s last instance is older than its ${s.rpoMinutes} min RPO in ${span.join(', ')}`;
      const viol = s.events.filter((e) => e.kind === 'violated');
      const said =
        viol.length === 0
          ? 'no rpoViolatedEvent was raised'
          : `rpoViolatedEvent raised at ${viol
              .map((e) => {
                const run = s.over.find(([a, b]) => a <= e.minute && e.minute <= b);
                const first = s.over.find(([a]) => a > e.minute);
                const when = run
                  ? run[0] === e.minute
                    ? ''
                    : ` (${e.minute - run[0]} min after the RPO was exceeded)`
                  : first
                    ? ` (${first[0] - e.minute} min before the RPO was exceeded)`
                    : ' (the RPO was not exceeded)';
                return `minute ${e.minute}${when}`;
              })
              .join(', ')}`;
      return `${over}; ${said}.`;
    });
}

const COLORS = ['#0969da', '#8250df', '#1a7f37', '#bc4c00', '#bf3989'];

/** The smallest 1, 2 or 5 times a power of ten at or above x: round axis labels. */
function niceCeil(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x));
  return ([1, 2, 5, 10].find((m) => m * p >= x) ?? 10) * p;
}

export function rpoSvg(v: RpoView): Markup {
  const W = 760;
  const L = 52;
  const R = 64;
  const T = 40;
  const B = 64;
  const H = 290;
  // One minute past the last, so that a violation in the last minute has a width to shade.
  const span = v.minutes + 1;
  const values = v.series.flatMap((s) => [
    ...s.age.filter((x): x is number => x !== null),
    s.rpoMinutes ?? 0,
  ]);
  const maxY = niceCeil(Math.max(1, ...values) * 1.1);
  const x = (t: number) => L + (t * (W - L - R)) / span;
  const y = (m: number) => T + (1 - m / maxY) * (H - T - B);
  const tickEvery = Math.max(1, niceCeil(span / 10));
  const xTicks = Array.from({ length: Math.floor(span / tickEvery) + 1 }, (_, k) => k * tickEvery);
  // Whole minutes on the axis: 1, 2 or 5 times a power of ten between ticks.
  const yStep = Math.max(1, niceCeil(maxY / 5));
  const yTicks = Array.from({ length: Math.floor(maxY / yStep) + 1 }, (_, k) => k * yStep);
  const failing = v.steps.find((s) => s.step === v.failingStep);
  // The failing step as a bracket above the plot: a Tick spans minutes, other events one.
  const band = failing
    ? h`<g class="failing-step"><path d="M${n(x(failing.from))} ${T - 8}v-6H${n(Math.max(x(failing.to), x(failing.from) + 2))}v6" fill="none" stroke="#cf222e" stroke-width="2"/><text x="${n(x(failing.from) > W / 2 ? x(failing.to) : x(failing.from))}" y="${T - 18}"${x(failing.from) > W / 2 ? h` text-anchor="end"` : NOTHING} fill="#cf222e" font-weight="700" font-size="11">step ${failing.step}${failing.from === failing.to ? ` (minute ${failing.from})` : ` (minutes ${failing.from}-${failing.to})`}: where the invariant fails</text><title>step ${failing.step}, where the invariant fails</title></g>`
    : NOTHING;
  const axes = h`<line x1="${L}" y1="${n(y(0))}" x2="${W - R}" y2="${n(y(0))}" stroke="#59636e"/><line x1="${L}" y1="${T}" x2="${L}" y2="${n(y(0))}" stroke="#59636e"/>
${xTicks.map((t) => h`<line x1="${n(x(t))}" y1="${n(y(0))}" x2="${n(x(t))}" y2="${n(y(0) + 4)}" stroke="#59636e"/><text class="lbl" x="${n(x(t))}" y="${n(y(0) + 16)}" text-anchor="middle">${t}</text>`)}
${yTicks.map((m) => h`<line x1="${L - 4}" y1="${n(y(m))}" x2="${L}" y2="${n(y(m))}" stroke="#59636e"/><text class="lbl" x="${L - 6}" y="${n(y(m) + 4)}" text-anchor="end">${m}</text>`)}
<text class="lbl" x="${n((L + W - R) / 2)}" y="${n(y(0) + 32)}" text-anchor="middle">world time (minutes)</text><text class="lbl" transform="translate(14 ${n((T + H - B) / 2)}) rotate(-90)" text-anchor="middle">age of last instance (min)</text>`;
  const series = v.series.map((s, i) => {
    const color = COLORS[i % COLORS.length] ?? '#0969da';
    const shaded = s.over.map(
      ([a, b]) =>
        h`<rect class="over" data-vm="${s.vm}" x="${n(x(a))}" y="${T}" width="${n(Math.max(3, x(b + 1) - x(a)))}" height="${n(y(0) - T)}" fill="#cf222e" opacity="0.16"><title>${s.vm}: age over the ${s.rpoMinutes} min RPO in minutes ${a}-${b}</title></rect>`,
    );
    const runs: [number, number][][] = [];
    let cur: [number, number][] = [];
    s.age.forEach((m, t) => {
      if (m === null) {
        if (cur.length) runs.push(cur);
        cur = [];
      } else cur.push([t, m]);
    });
    if (cur.length) runs.push(cur);
    const lines = runs.map(
      (pts) =>
        h`<polyline class="age" fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([t, m]) => `${n(x(t))},${n(y(m))}`).join(' ')}"/>`,
    );
    const limit =
      s.rpoMinutes !== null
        ? h`<line class="rpo-line" x1="${L}" y1="${n(y(s.rpoMinutes))}" x2="${W - R}" y2="${n(y(s.rpoMinutes))}" stroke="${color}" stroke-dasharray="6 4"/><text x="${W - R + 4}" y="${n(y(s.rpoMinutes) + 4)}" font-size="11" fill="${color}">RPO ${s.rpoMinutes}</text>`
        : NOTHING;
    const marks = s.events.map((e) => {
      const xe = n(x(e.minute));
      const violated = e.kind === 'violated';
      const label = violated ? `violated${e.by !== undefined ? ` by ${e.by}` : ''}` : 'restored';
      return h`<g class="raised ${e.kind}" data-vm="${s.vm}" data-minute="${e.minute}"><line x1="${xe}" y1="${T}" x2="${xe}" y2="${n(y(0))}" stroke="${violated ? '#cf222e' : '#1a7f37'}" stroke-width="1.5"/><path d="M${xe} ${n(y(0) + 1)}l-5 -9h10z" fill="${violated ? '#cf222e' : '#1a7f37'}"/><text x="${n(Number(xe) + (Number(xe) > W - R - 70 ? -3 : 3))}" y="${T + 10 + (violated ? 0 : 12)}"${Number(xe) > W - R - 70 ? h` text-anchor="end"` : NOTHING} font-size="10" fill="${violated ? '#cf222e' : '#1a7f37'}">${label}</text><title>minute ${e.minute}: com.vmware.vcHms.${violated ? `rpoViolatedEvent (${e.by} min)` : 'rpoRestoredEvent'} for ${s.vm}</title></g>`;
    });
    const lx = L + i * 110;
    const legend = h`<line x1="${lx}" y1="${H - 10}" x2="${lx + 20}" y2="${H - 10}" stroke="${color}" stroke-width="2"/><text x="${lx + 24}" y="${H - 6}">${s.vm}</text>`;
    return h`${shaded}${limit}${lines}${marks}${legend}`;
  });
  const kx = L + Math.max(1, v.series.length) * 110 + 20;
  const key = h`<g font-size="11"><rect x="${kx}" y="${H - 16}" width="14" height="11" fill="#cf222e" opacity="0.16"/><text x="${kx + 18}" y="${H - 6}">age over the RPO</text><line x1="${kx + 130}" y1="${H - 17}" x2="${kx + 130}" y2="${H - 4}" stroke="#cf222e" stroke-width="1.5"/><text x="${kx + 136}" y="${H - 6}">rpoViolatedEvent raised</text><line x1="${kx + 290}" y1="${H - 17}" x2="${kx + 290}" y2="${H - 4}" stroke="#1a7f37" stroke-width="1.5"/><text x="${kx + 296}" y="${H - 6}">rpoRestoredEvent raised</text></g>`;
  return h`<svg class="rpo" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="RPO chart in minutes of world time">${band}${axes}${series}${key}</svg>`;
}
