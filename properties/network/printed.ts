// N8 and the printed fixes: replication and NFC never leave through a vmk on another netstack
// and no fix moves them there; every fix `npm run check` prints, read back from the printed
// text and applied to the model, mends its flow and breaks no other (issue 12 section 2,
// issue 16 blind spot 4). The text is the check's own rendering of the model's verdicts.
import { type CheckResult, judgeHosts } from '../../model/esxcli/check.ts';
import { netStep } from '../../model/network/host.ts';
import { flowsOf, type Topology, tagTakesEffect } from '../../model/network/intent.ts';
import { lookup } from '../../model/network/lookup.ts';
import { DEFAULT_STACK, type NetEvent, type NetHost } from '../../model/network/types.ts';
import { CORRECT, type Variant } from '../../model/variants.ts';
import { renderCheck } from '../../scripts/check-render.ts';
import { FixTextError, fixEvents, type PrintedFix, printedFixes } from '../esxcli/fix-text.ts';
import type { Violation } from '../registry-types.ts';
import type { NetCase } from './arbitraries.ts';
import { realize } from './properties.ts';

type Hosts = Readonly<Record<string, NetHost>>;

/** The check's verdicts on model hosts (no firewall listings), and its text. */
export function judgeText(
  t: Topology,
  hosts: Hosts,
  variant: Variant,
): { result: CheckResult; text: string } {
  const firewalls = Object.fromEntries(Object.keys(hosts).map((n) => [n, null]));
  const j = judgeHosts(t, hosts, firewalls, variant);
  const result: CheckResult = {
    hosts: Object.values(hosts).map((h) => ({
      name: h.name,
      version: h.version,
      release: h.version,
      firewall: false,
    })),
    findings: j.findings,
    conflicts: j.conflicts,
    checked: j.checked,
    notChecked: j.notChecked,
    notes: [],
    errors: [],
  };
  return { result, text: renderCheck(result) };
}

/** (flow, invariant) pairs of a verdict: what "adds no finding" compares. */
const pairs = (r: CheckResult) =>
  new Set(
    r.findings.flatMap((f) =>
      f.invariants.map((i) => `${f.host}|${f.class}|${f.flow.destination}|${i}`),
    ),
  );

const flowOfHeadline = (r: CheckResult, p: PrintedFix) =>
  r.findings.find(
    (f) => f.host === p.host && `${f.sentence} [${f.invariants.join(', ')}]` === p.headline,
  );

/** True iff the events re-create or move a vmk onto a netstack other than the default one. */
export function movesOffDefault(events: readonly NetEvent[]): NetEvent | undefined {
  return events.find(
    (e) => e.type === 'NetstackAdd' || (e.type === 'VmkAdd' && e.netstack !== DEFAULT_STACK),
  );
}

function applyAll(hosts: Hosts, events: readonly NetEvent[], variant: Variant) {
  let cur = hosts;
  for (const e of events) {
    const r = netStep(cur, e, variant);
    if (r.error) return { hosts: cur, error: r.error };
    cur = r.hosts;
  }
  return { hosts: cur };
}

/**
 * N8-fixes: every printed fix reads back into events (nothing else, no placeholder), and
 * applied to the model it mends its flow and adds no (flow, invariant) anywhere in the topology.
 */
export function checkPrintedFixes(c: NetCase, variant: Variant): Violation | null {
  const t = c.setup.topology;
  if (!t) return null;
  const hosts = realize(c, variant);
  const { result, text } = judgeText(t, hosts, variant);
  const at = (message: string): Violation => ({ step: c.events.length, invariant: 'N8', message });
  const before = pairs(result);
  for (const p of printedFixes(text)) {
    const f = flowOfHeadline(result, p);
    const h = hosts[p.host];
    if (!f || !h) return at(`a printed fix under "${p.headline}" belongs to no finding`);
    const all = [...p.commands, ...p.steps];
    const placeholder = all.find((l) => /[<>]/.test(l));
    if (placeholder) return at(`the fix for "${f.message}" has a placeholder: ${placeholder}`);
    let events: NetEvent[];
    try {
      events = fixEvents(h, p).net;
    } catch (e) {
      if (!(e instanceof FixTextError)) throw e;
      return at(`the printed fix for "${f.message}" cannot be read back: ${e.message}`);
    }
    const moved = movesOffDefault(events);
    if (moved && (f.class === 'replication' || f.class === 'nfc'))
      return at(`the fix for "${f.message}" moves a vmk off the default netstack (${moved.type})`);
    const applied = applyAll(hosts, events, variant);
    if (applied.error)
      return at(`the printed fix for "${f.message}" is refused by the model: ${applied.error}`);
    const after = judgeText(t, applied.hosts, variant).result;
    const still = after.findings.find(
      (x) => x.host === f.host && x.class === f.class && x.flow.destination === f.flow.destination,
    );
    if (still) return at(`the printed fix [${all.join('; ')}] leaves "${still.message}"`);
    const added = after.findings.find((x) =>
      x.invariants.some((i) => !before.has(`${x.host}|${x.class}|${x.flow.destination}|${i}`)),
    );
    if (added)
      return at(
        `the printed fix [${all.join('; ')}] for "${f.message}" breaks another flow: "${added.message}"`,
      );
  }
  return null;
}

/**
 * N8: replication and NFC leave through a vmk on defaultTcpipStack, by the default stack's
 * table, and no printed fix moves a vmk off it (research-notes B).
 */
export function checkN8(c: NetCase, variant: Variant): Violation | null {
  const t = c.setup.topology;
  if (!t) return null;
  const hosts = realize(c, variant);
  const at = (message: string): Violation => ({ step: c.events.length, invariant: 'N8', message });
  for (const f of flowsOf(t, hosts, undefined, variant)) {
    if (f.class !== 'replication' && f.class !== 'nfc') continue;
    const h = hosts[f.host] as NetHost;
    const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
    if (!d.ok) continue;
    const v = h.vmks.find((x) => x.name === d.egress);
    if (v && v.netstack !== DEFAULT_STACK)
      return at(
        `${f.class} from ${h.name} to ${f.dstName} leaves ${v.name}, which is on netstack ${v.netstack}`,
      );
    if (d.route.netstack !== DEFAULT_STACK)
      return at(`${f.class} from ${h.name} to ${f.dstName} uses the ${d.route.netstack} table`);
  }
  const { result, text } = judgeText(t, hosts, variant);
  for (const p of printedFixes(text)) {
    const f = flowOfHeadline(result, p);
    const h = hosts[p.host];
    if (!f || !h || (f.class !== 'replication' && f.class !== 'nfc')) continue;
    try {
      const moved = movesOffDefault(fixEvents(h, p).net);
      if (moved) return at(`the fix for "${f.message}" moves a vmk off the default netstack`);
    } catch (e) {
      if (!(e instanceof FixTextError)) throw e;
    }
  }
  return null;
}

/** Reachability of N8's generator: custom-stack replication vmks, and fixes that re-create them. */
export const N8_GOALS: Record<string, (c: NetCase, hosts: Hosts) => boolean> = {
  'replication tagged on a custom-stack vmk': (c, hosts) =>
    c.setup.topology !== null &&
    flowsOf(c.setup.topology, hosts).some((f) => {
      const v = hosts[f.host]?.vmks.find((x) => x.name === f.intended.vmk);
      return (
        f.class === 'replication' &&
        v !== undefined &&
        v.netstack !== DEFAULT_STACK &&
        v.tags.includes('vSphereReplication')
      );
    }),
  'replication bound to a tagged default-stack vmk': (c, hosts) =>
    c.setup.topology !== null &&
    flowsOf(c.setup.topology, hosts).some((f) => {
      const h = hosts[f.host];
      const v = h?.vmks.find((x) => x.name === f.bound);
      return f.class === 'replication' && !!h && !!v && tagTakesEffect(h, v, 'vSphereReplication');
    }),
  'a printed fix re-creates the vmk on the default stack': (c, hosts) =>
    c.setup.topology !== null &&
    printedFixes(judgeText(c.setup.topology, hosts, CORRECT).text).some((p) =>
      p.commands.some((x) => x.startsWith('esxcli network ip interface add')),
    ),
};

/** Reachability of the printed-fix property's generators: competition, and each kind of fix. */
export const FIX_GOALS: Record<string, (c: NetCase, hosts: Hosts) => boolean> = {
  'two flows of one host to one address by different vmks': (c, hosts) => {
    if (!c.setup.topology) return false;
    const fs = flowsOf(c.setup.topology, hosts);
    return fs.some((a) =>
      fs.some(
        (b) => a !== b && a.host === b.host && a.dst === b.dst && a.intended.vmk !== b.intended.vmk,
      ),
    );
  },
  'a printed fix sets a per-vmk gateway': (c, hosts) =>
    c.setup.topology !== null &&
    printedFixes(judgeText(c.setup.topology, hosts, CORRECT).text).some((p) =>
      p.commands.some((x) => x.includes(' -g ')),
    ),
  'a printed fix adds a /32 host route': (c, hosts) =>
    c.setup.topology !== null &&
    printedFixes(judgeText(c.setup.topology, hosts, CORRECT).text).some((p) =>
      p.commands.some((x) => x.includes('route ipv4 add') && x.endsWith('/32')),
    ),
  'a printed fix keeps a route in local.sh': (c, hosts) =>
    c.setup.topology !== null &&
    printedFixes(judgeText(c.setup.topology, hosts, CORRECT).text).some((p) =>
      p.steps.some((x) => x.includes('local.sh')),
    ),
};
