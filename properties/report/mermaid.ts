// A counterexample as a Mermaid sequence diagram: one participant per role (replication) or
// per host (network changes), one numbered message or note per event, the failing step boxed.
import type { CounterexampleRecord } from '../harness.ts';
import { tunnelMermaid } from '../tunnel/diagram.ts';
import { mermaidText } from './escape.ts';
import { LANES, type Lane, type TimelineEntry, timelineOf } from './timeline.ts';

const ROLE_LABEL: Readonly<Record<Lane, string>> = {
  host: 'Guest / source host',
  network: 'Network',
  firewall: 'Firewall',
  vrs: 'VRS',
  target: 'NFC / target',
};

export function mermaidSequence(rec: CounterexampleRecord): string {
  // The cloud tunnel shows who dialled whom (properties/tunnel/diagram.ts).
  if (rec.area === 'tunnel') return tunnelMermaid(rec);
  const steps = timelineOf(rec);
  // Network changes happen on one host each: the host is the actor the reader knows.
  const byHost = rec.area === 'network';
  const actorOf = (t: TimelineEntry, lane: Lane): string =>
    byHost && t.host !== undefined ? `host:${t.host}` : `lane:${lane}`;
  const actors: string[] = [];
  const use = (a: string) => {
    if (!actors.includes(a)) actors.push(a);
  };
  if (!byHost) for (const l of LANES) if (steps.some((t) => usesLane(t, l.id))) use(`lane:${l.id}`);
  for (const t of steps) {
    for (const l of t.flow ?? [t.lane]) use(actorOf(t, l));
  }
  if (actors.length === 0) use('lane:host');
  const id = (a: string) => `P${actors.indexOf(a)}`;
  const lines = ['sequenceDiagram'];
  for (const a of actors) {
    const label = a.startsWith('host:')
      ? a.slice('host:'.length)
      : ROLE_LABEL[a.slice('lane:'.length) as Lane];
    lines.push(`  participant ${id(a)} as ${mermaidText(label)}`);
  }
  const v = rec.violation;
  if (steps.length === 0) {
    lines.push(
      `  Note over ${id(actors[0] as string)}: ${mermaidText(`${v.invariant} fails in the configuration as given`)}`,
    );
  }
  for (const t of steps) {
    const text = mermaidText(
      `${t.step}. ${t.text}${t.failing ? ` (${v.invariant} violated here)` : ''}`,
    );
    const line = t.flow
      ? `  ${id(actorOf(t, t.flow[0]))}->>${id(actorOf(t, t.flow[1]))}: ${text}`
      : `  Note over ${id(actorOf(t, t.lane))}: ${text}`;
    if (t.failing) lines.push('  rect rgb(255, 221, 221)', `  ${line}`, '  end');
    else lines.push(line);
  }
  return lines.join('\n');
}

function usesLane(t: TimelineEntry, lane: Lane): boolean {
  return t.flow ? t.flow.includes(lane) : t.lane === lane;
}
