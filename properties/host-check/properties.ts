// F2-check (issue 16, blind spot 3): `npm run check` on generated hosts written out as esxcli
// prints them, against an oracle's own reading of their rulesets: every port of every class
// (replication 31031 and 44046 out to the VR server, NFC 902 into the target host from it,
// to-the-cloud 10000-10010 out to the VR appliance), the far end each finding names, and every
// printed firewall fix read back from the text and applied to the oracle's rulesets.
import { type CheckResult, checkHosts, hostInputs, packetText } from '../../model/esxcli/check.ts';
import { parseTopology } from '../../model/esxcli/topology.ts';
import {
  type FirewallWorld,
  firewallStep,
  type HostFirewall,
  initFirewall,
  type Packet,
} from '../../model/firewall/firewall.ts';
import { hostFromSetup } from '../../model/network/host.ts';
import type { Variant } from '../../model/variants.ts';
import { checkJson, renderCheck } from '../../scripts/check-render.ts';
import { FixTextError, fixEvents, printedFixes } from '../esxcli/fix-text.ts';
import { as80U2, baseFirewall, topologyFile } from '../esxcli/fixtures.ts';
import { renderHostFiles, renderTranscript } from '../esxcli/render.ts';
import type { PropertyDef, Violation } from '../registry-types.ts';
import { type CheckCase, checkCaseArb } from './arbitraries.ts';
import {
  admittedByList,
  keptOutByList,
  type OracleFlow,
  type OracleHost,
  oracleApply,
  oracleFlows,
  oraclePasses,
  oracleStart,
  oracleWhy,
} from './oracle.ts';

/**
 * Each host's firewall as the model holds it after the setup and the first `upTo` events; a
 * change the model refuses is skipped, as esxcli refuses it. 8.0 hosts list 8.0U2's
 * configurable columns.
 */
export function modelFirewalls(
  c: CheckCase,
  variant: Variant,
  upTo = c.events.length,
): { world: FirewallWorld; errors: (string | undefined)[] } {
  let world: FirewallWorld = { now: 0, hosts: {} };
  for (const h of c.setup.hosts) {
    const setup = c.setup.firewalls.find((f) => f.host === h.name);
    let fw: HostFirewall = {
      ...initFirewall(h.name, h.version, variant),
      vibs: baseFirewall(h).vibs,
    };
    fw = {
      ...fw,
      rulesets: [
        ...fw.rulesets,
        ...(setup?.custom ?? []).map((cr) => ({
          id: cr.id,
          label: cr.id,
          enabled: cr.enabled,
          allowedAll: true,
          allowedIps: [],
          rules: cr.rules.map((r) => ({ ...r, portType: 'dst' as const })),
          vib: null,
        })),
      ],
    };
    if (h.version === '8.0') fw = as80U2(fw);
    world = { ...world, hosts: { ...world.hosts, [h.name]: fw } };
    if (setup?.vib)
      world = firewallStep(world, { type: 'VibInstallManual', host: h.name }, variant).world;
  }
  const errors: (string | undefined)[] = [];
  for (const e of c.events.slice(0, upTo)) {
    const r = firewallStep(world, e, variant);
    errors.push(r.error);
    world = r.world;
  }
  return { world, errors };
}

/** The DIR the check reads: topology.json and each host's output in its formatter. */
export function caseFiles(c: CheckCase, variant: Variant): Record<string, string> {
  const { world } = modelFirewalls(c, variant);
  const files: Record<string, string> = {
    'topology.json': JSON.stringify(topologyFile(c.setup.topology, c.setup.hosts)),
  };
  for (const h of c.setup.hosts) {
    const fw = world.hosts[h.name] ?? null;
    const format = c.setup.firewalls.find((f) => f.host === h.name)?.format ?? 'text';
    if (format === 'transcript') files[`${h.name}.txt`] = renderTranscript(h, fw);
    else
      for (const [f, text] of Object.entries(renderHostFiles(h, fw, format)))
        files[`${h.name}/${f}`] = text;
  }
  return files;
}

/** What `npm run -s check -- DIR --json` prints, as far as this property reads it. */
interface JsonOut {
  readonly findings: readonly {
    readonly host: string;
    readonly class: string;
    readonly invariants: readonly string[];
    readonly sentence: string;
    readonly message: string;
    readonly flow: { readonly destination: string };
    readonly dropped?: {
      readonly direction: string;
      readonly remote: string;
      readonly ports: readonly number[];
    };
    readonly fix: readonly string[];
  }[];
  readonly checked: readonly {
    readonly host: string;
    readonly class: string;
    readonly flow: string;
    readonly covered: readonly string[];
  }[];
  readonly errors: readonly string[];
}

/** The check on the case's DIR, as the script runs it: its result, JSON and text. */
export function runCase(
  c: CheckCase,
  variant: Variant,
): { result: CheckResult; json: JsonOut; text: string } {
  const files = caseFiles(c, variant);
  const topology = parseTopology('topology.json', files['topology.json'] ?? '');
  const result = checkHosts(
    topology,
    hostInputs(files, (...p) => p.join('/'), { hosts: topology.hosts.map((h) => h.name) }),
    variant,
  );
  return {
    result,
    json: JSON.parse(JSON.stringify(checkJson(result))) as JsonOut,
    text: renderCheck(result),
  };
}

/** The oracle's hosts after the events, and the events it refused (index: why). */
export function oracleAfter(c: CheckCase): {
  hosts: Record<string, OracleHost>;
  refused: Map<number, string>;
} {
  const hosts = oracleStart(c);
  const refused = new Map<number, string>();
  c.events.forEach((e, i) => {
    const why = oracleApply(hosts, e);
    if (why !== null) refused.set(i, why);
  });
  return { hosts, refused };
}

const findingOf = (json: JsonOut, f: OracleFlow) =>
  json.findings.find(
    (x) => x.host === f.host && x.class === f.class && x.flow.destination.endsWith(` ${f.remote}`),
  );

const show = (p: Packet) => packetText([p]);

/** The first disagreement between the check and the oracle, in words. */
function disagreement(
  c: CheckCase,
  variant: Variant,
): { invariant: string; message: string } | null {
  const run = runCase(c, variant);
  if (run.json.errors.length > 0)
    return {
      invariant: 'F2',
      message: `the check refused the hosts as esxcli prints them: ${run.json.errors[0]}`,
    };
  const { hosts } = oracleAfter(c);
  const flows = oracleFlows(c.setup.topology);
  for (const f of flows) {
    const h = hosts[f.host] as OracleHost;
    const what = `${f.host}: ${f.class}`;
    const judged = run.json.checked.find(
      (x) => x.host === f.host && x.class === f.class && x.flow.includes(`${f.remote} `),
    );
    if (!judged?.covered.includes(f.invariant))
      return {
        invariant: f.invariant,
        message: `${what} (${packetText(f.packets)}) was not judged against the firewall (${judged ? `covered ${judged.covered.join(', ')}` : 'not in the checked list'})`,
      };
    const finding = findingOf(run.json, f);
    const said = new Set(finding?.dropped?.ports ?? []);
    for (const p of f.packets) {
      const passes = oraclePasses(h, p);
      if (said.has(p.port) === passes)
        return {
          invariant: f.invariant,
          message: passes
            ? `${what}: the check says the firewall drops ${show(p)} ("${finding?.message}"), but ${oracleWhy(h, p)} lets it through`
            : `${what}: the check lets ${show(p)} through (${judged.flow}), but the rulesets drop it: ${oracleWhy(h, p)}`,
        };
    }
    if (!finding) continue;
    const want = f.packets[0];
    if (finding.dropped && want) {
      if (finding.dropped.remote !== want.remote || finding.dropped.direction !== want.direction)
        return {
          invariant: f.invariant,
          message: `${what}: the finding names ${finding.dropped.direction} ${finding.dropped.remote}, not the far end ${want.direction} ${want.remote}: "${finding.message}"`,
        };
      if (!finding.invariants.includes(f.invariant) || !finding.sentence.includes(want.remote))
        return {
          invariant: f.invariant,
          message: `${what}: a firewall finding without ${f.invariant} or its far end ${want.remote} in its sentence: "${finding.message}"`,
        };
    } else if (finding.invariants.includes(f.invariant))
      return {
        invariant: f.invariant,
        message: `${what}: ${f.invariant} is broken but no packet is named as dropped: "${finding.message}"`,
      };
  }
  // Every printed firewall fix, read back from the text, applied to the oracle's rulesets.
  for (const p of printedFixes(run.text)) {
    const finding = run.json.findings.find(
      (x) => x.host === p.host && `${x.sentence} [${x.invariants.join(', ')}]` === p.headline,
    );
    const f = finding && flows.find((x) => x.host === p.host && findingOf(run.json, x) === finding);
    const setup = c.setup.hosts.find((x) => x.name === p.host);
    if (!finding?.dropped || !f || !setup) continue;
    let events: ReturnType<typeof fixEvents>['firewall'];
    try {
      events = fixEvents(hostFromSetup(setup), p).firewall;
    } catch (e) {
      if (!(e instanceof FixTextError)) throw e;
      return {
        invariant: f.invariant,
        message: `the printed fix for "${finding.message}" cannot be read back: ${e.message}`,
      };
    }
    const after = structuredClone(hosts);
    for (const e of events) {
      const why = oracleApply(after, e);
      if (why !== null)
        return {
          invariant: f.invariant,
          message: `the printed fix [${p.commands.join('; ')}] for "${finding.message}" is refused by ${p.host}: ${why}`,
        };
    }
    const h = after[f.host] as OracleHost;
    const still = f.packets.find((x) => !oraclePasses(h, x));
    if (still)
      return {
        invariant: f.invariant,
        message: `the printed fix [${p.commands.join('; ')}] for "${finding.message}" leaves ${show(still)} dropped: ${oracleWhy(h, still)}`,
      };
  }
  return null;
}

export function checkHostFirewalls(c: CheckCase, variant: Variant): Violation | null {
  const d = disagreement(c, variant);
  return d ? { step: c.events.length, ...d } : null;
}

/** What the twin's goals look at: the case, the oracle's hosts and flows, the check's JSON. */
interface Seen {
  readonly c: CheckCase;
  readonly hosts: Record<string, OracleHost>;
  readonly refused: ReadonlyMap<number, string>;
  readonly flows: readonly OracleFlow[];
  readonly json: JsonOut;
}

const flowsWhere = (s: Seen, p: (f: OracleFlow, h: OracleHost) => boolean) =>
  s.flows.some((f) => p(f, s.hosts[f.host] as OracleHost));
const keptOut = (cls: OracleFlow['class']) => (s: Seen) =>
  flowsWhere(s, (f, h) => f.class === cls && f.packets.some((p) => keptOutByList(h, p)));

/** Reachability of F2-check's generator: each way a flow is dropped or let through, and each fix. */
export const CHECK_GOALS: Record<string, (s: Seen) => boolean> = {
  'replication kept out by an allowed-IP list': keptOut('replication'),
  'NFC kept out by an allowed-IP list': keptOut('nfc'),
  'to-the-cloud kept out by an allowed-IP list': keptOut('to-cloud'),
  'a flow let through by an allowed-IP list that lists its far end': (s) =>
    flowsWhere(
      s,
      (f, h) =>
        f.packets.every((p) => oraclePasses(h, p)) && f.packets.some((p) => admittedByList(h, p)),
    ),
  'NFC let in while the outgoing NFC ruleset is disabled': (s) =>
    flowsWhere(
      s,
      (f, h) =>
        f.class === 'nfc' &&
        f.packets.every((p) => oraclePasses(h, p)) &&
        h.rulesets.some((r) => r.id === 'NFC' && !r.enabled),
    ),
  'to-the-cloud open at both ends but not between': (s) =>
    flowsWhere(s, (f, h) => {
      const pass = f.packets.map((p) => oraclePasses(h, p));
      return (
        f.class === 'to-cloud' && pass[0] === true && pass[10] === true && pass.includes(false)
      );
    }),
  'a change the 8.0U2 host refuses': (s) =>
    [...s.refused.values()].some((why) => why.includes('configurable: false')),
  'an allowedip add printed as the fix': (s) =>
    s.json.findings.some((f) => f.fix.some((x) => x.includes('allowedip add'))),
  'a ruleset enabled as the fix': (s) =>
    s.json.findings.some((f) => f.fix.some((x) => x.includes('ruleset set'))),
  'a host in csv, one in xml and one as a transcript': (s) =>
    ['csv', 'xml', 'transcript'].every((x) => s.c.setup.firewalls.some((f) => f.format === x)),
};

function reachedGoals(c: CheckCase, variant: Variant): string[] {
  const { hosts, refused } = oracleAfter(c);
  const seen: Seen = {
    c,
    hosts,
    refused,
    flows: oracleFlows(c.setup.topology),
    json: runCase(c, variant).json,
  };
  return Object.entries(CHECK_GOALS).flatMap(([g, p]) => (p(seen) ? [g] : []));
}

export const HOST_CHECK_PROPERTIES: readonly PropertyDef<CheckCase>[] = [
  {
    id: 'F2-check',
    area: 'host-check',
    kind: 'always',
    invariants: ['F2', 'F1'],
    title:
      "F2 npm run check drops exactly the ports an independent reading of the listed rulesets drops, on every port of each class (31031 and 44046 out, NFC 902 in, 10000-10010 out), naming each finding's far end, and every firewall fix it prints lets the whole flow through",
    numRuns: 200,
    arbitrary: () => checkCaseArb,
    check: checkHostFirewalls,
  },
  {
    id: 'F2-check-reach',
    area: 'host-check',
    kind: 'sometimes',
    invariants: ['F2', 'F1'],
    title:
      'F2 reachability: flows kept out and let through by allowed-IP lists, NFC in with the outgoing NFC ruleset off, a to-the-cloud range open only at its ends, 8.0U2 refusals, allowedip and enable fixes, every formatter',
    numRuns: 200,
    arbitrary: () => checkCaseArb,
    goals: Object.keys(CHECK_GOALS),
    reach: reachedGoals,
  },
];
