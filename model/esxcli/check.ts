// `npm run check`: parsed hosts and a topology judged by the advisor (N2-N5, N8) and the
// firewall checks (F1 to-the-cloud, F2 host-to-host replication): one finding per broken flow
// with every invariant it breaks, why in an admin's words, and a fix already applied to the
// model and seen to remove the finding and add none. Every flow checked is listed with its
// verdict, so an empty check is never mistaken for a clean one. Pure: the script does the I/O.
import {
  admits,
  type FirewallEvent,
  decide as fwDecide,
  type HostFirewall,
  hostAfter,
  NFC_INBOUND_RULESET,
  nfcPacket,
  type Packet,
  type Ruleset,
  ruleMatches,
  TO_CLOUD_PORTS,
  TO_CLOUD_RULESET,
  VR2C_VIB,
} from '../firewall/firewall.ts';
import {
  advise,
  decide,
  describeDecision,
  type Finding,
  type Fix,
  type FixStep,
} from '../network/advisor.ts';
import { hostFromSetup } from '../network/host.ts';
import {
  type Flow,
  type IntentGap,
  intentOf,
  type Topology,
  type TrafficClass,
} from '../network/intent.ts';
import { contains, formatIp, parseIp, parsePrefix } from '../network/ipv4.ts';
import type { NetHost } from '../network/types.ts';
import { CORRECT, type EsxiVersion, has, type Variant } from '../variants.ts';
import {
  assembleHost,
  type CommandOutput,
  commandOfFile,
  isUsedKey,
  type ParsedHost,
  readTranscript,
} from './host.ts';
import { EsxcliParseError } from './records.ts';
import { plainText } from './text.ts';

export const INVARIANTS: Readonly<Record<string, string>> = {
  N2: 'every traffic class leaves through its intended vmk and next hop',
  N3: 'routing stays the same after a reboot',
  N4: 'traffic pinned to a vmk leaves through it',
  N5: "a flow on one netstack never uses another netstack's routes",
  N8: 'replication and NFC run on the default netstack only',
  F1: 'to-the-cloud replication (TCP 10000-10010 out to the VR appliance) passes the host firewall',
  F2: 'host-to-host replication passes the host firewalls: TCP 31031, 44046 out to the VR server, NFC on TCP 902 into the target host from it',
};

export interface HostInput {
  readonly name: string;
  /** The folder or transcript, for whole-host errors. */
  readonly where: string;
  readonly outputs: readonly CommandOutput[];
  /** Set when the input could not even be split into outputs (a bad or unreadable file). */
  readonly error?: string;
}

/** What was found in DIR: one input per host, and notes on what was ignored or skipped. */
export interface Inputs {
  readonly inputs: readonly HostInput[];
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}

export interface CheckFinding {
  readonly host: string;
  readonly class: TrafficClass;
  /** Every invariant the flow breaks, routing first, then the firewall. */
  readonly invariants: readonly string[];
  /** What goes wrong, as an admin would say it. */
  readonly sentence: string;
  readonly why: readonly string[];
  /** The sentence and the reasons, with the invariant IDs in brackets at the end. */
  readonly message: string;
  readonly flow: {
    readonly port: string;
    readonly vmk: string;
    readonly source: string;
    readonly destination: string;
    readonly netstack: string;
    /** What the host does: the egress and next hop (null: directly), or why it cannot. */
    readonly egress: string | null;
    readonly nextHop: string | null;
    readonly verdict: string;
  };
  readonly expected: {
    readonly vmk: string;
    readonly nextHop: string | null;
    readonly verdict: string;
    readonly because: string;
  };
  /**
   * What the firewall drops, each port with its far end; absent when the firewall lets the
   * whole flow through (or was not given).
   */
  readonly dropped?: DroppedPackets;
  /** esxcli commands to paste, in order; empty when no fix was verified (see note). */
  readonly fix: readonly string[];
  /** Labelled steps that are not commands (local.sh lines, a reboot), after the commands. */
  readonly steps: readonly string[];
  readonly disruption?: string;
  readonly note?: string;
}

/** Packets a host firewall drops: one direction and far end, the ports dropped. */
export interface DroppedPackets {
  readonly direction: Packet['direction'];
  readonly protocol: Packet['protocol'];
  /** The far end: the VR server or appliance the host sends to, or NFC's VR server. */
  readonly remote: string;
  readonly ports: readonly number[];
}

/** One flow the check judged: what it covered and the verdict. */
export interface CheckedFlow {
  readonly host: string;
  readonly class: TrafficClass;
  /** "vmk2 10.11.12.5 -> VRS 10.12.12.20 (TCP 31031, 44046)" */
  readonly flow: string;
  readonly verdict: 'ok' | 'broken';
  /** The invariants checked on it: routing always, the firewall's only with its listings. */
  readonly covered: readonly string[];
  /** What the host does with it, in words. */
  readonly detail: string;
}

/** Two vmks with one address: traffic for it reaches either. */
export interface AddressConflict {
  readonly address: string;
  readonly vmks: readonly string[];
  readonly message: string;
}

export interface CheckResult {
  readonly hosts: readonly {
    readonly name: string;
    readonly version: EsxiVersion;
    readonly release: string;
    readonly firewall: boolean;
  }[];
  readonly findings: readonly CheckFinding[];
  readonly conflicts: readonly AddressConflict[];
  readonly checked: readonly CheckedFlow[];
  /** What could not be checked, per host ("firewall not checked: ..."). */
  readonly notChecked: readonly { readonly host: string; readonly what: string }[];
  /** What was ignored or skipped, and what was kept but is not modelled. */
  readonly notes: readonly string[];
  readonly errors: readonly string[];
}

/** 2 for bad input (nothing is judged clean then), 1 for findings, 0 only when all is clean. */
/** 2 on bad input, 1 when anything is broken (hosts, address conflicts, the cloud), else 0. */
export function exitCode(
  r: Pick<CheckResult, 'errors' | 'findings' | 'conflicts'>,
  cloud?: { readonly findings: readonly unknown[] } | null,
): 0 | 1 | 2 {
  if (r.errors.length > 0) return 2;
  return r.findings.length + r.conflicts.length + (cloud?.findings.length ?? 0) > 0 ? 1 : 0;
}

const hop = (ip: number | null) => (ip === null ? null : formatIp(ip));
const via = (ip: number | null) => (ip === null ? 'directly' : `via ${formatIp(ip)}`);
const srcOf = (h: NetHost, f: Flow) => {
  const v = h.vmks.find((x) => x.name === f.intended.vmk);
  return v ? formatIp(v.ip) : '?';
};
const flowKey = (f: Flow) => `${f.host}|${f.class}|${f.dst}`;

/**
 * The flow in one line: "vmk2 10.11.12.5 -> VRS 10.12.12.20 (TCP 31031, 44046)"; NFC, which
 * the VR server opens into the host, from the VR server: "VRS 10.12.12.20 -> vmk2 10.12.12.5
 * (TCP 902)" (research-notes A1).
 */
export function flowText(h: NetHost, f: Flow): string {
  const here = `${f.intended.vmk} ${srcOf(h, f)}`;
  return f.class === 'nfc'
    ? `${f.dstName} -> ${here} (${f.port})`
    : `${here} -> ${f.dstName} (${f.port})`;
}

const outTo = (port: number, remote: string): Packet => ({
  direction: 'outbound',
  protocol: 'tcp',
  port,
  remote,
});

/**
 * The packets each class needs through its host's firewall, every port with its far end, and
 * the ruleset built for them: to the cloud TCP 10000-10010 out to the VR appliance
 * (research-notes A1, D), replication TCP 31031 and 44046 out to the VR server (A1), NFC TCP
 * 902 into the target host from the VR server (A1 corrected, F).
 */
export const FIREWALL_CLASSES: Partial<
  Record<
    TrafficClass,
    {
      readonly inv: 'F1' | 'F2';
      readonly ruleset: string;
      packets(remote: string, variant: Variant): Packet[];
    }
  >
> = {
  'to-cloud': {
    inv: 'F1',
    ruleset: TO_CLOUD_RULESET,
    // Defect: the range judged by its ends only.
    packets: (remote, variant) =>
      (has(variant, 'check-range-ends-only') ? [10000, 10010] : TO_CLOUD_PORTS).map((port) =>
        outTo(port, remote),
      ),
  },
  replication: {
    inv: 'F2',
    ruleset: 'HBR',
    packets: (remote) => [31031, 44046].map((port) => outTo(port, remote)),
  },
  nfc: {
    inv: 'F2',
    ruleset: NFC_INBOUND_RULESET,
    packets: (remote, variant) => [nfcPacket(remote, variant)],
  },
};

/** Ports in order, runs of neighbours as ranges: "31031, 44046", "10000-10010". */
export function portList(ports: readonly number[]): string {
  const sorted = [...new Set(ports)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    out.push(j > i ? `${sorted[i]}-${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/** Packets of one direction and far end in words: "TCP 902 in from 10.12.12.20". */
export function packetText(ps: readonly Packet[]): string {
  const p = ps[0];
  if (!p) return 'nothing';
  const dir = p.direction === 'inbound' ? `in from ${p.remote}` : `out to ${p.remote}`;
  return `${p.protocol.toUpperCase()} ${portList(ps.map((x) => x.port))} ${dir}`;
}

const covers = (rs: Ruleset, p: Packet) => rs.rules.some((r) => ruleMatches(r, p));

/** Why the firewall drops these packets, one line per cause, each naming its ports. */
function dropCauses(fw: HostFirewall, dropped: readonly Packet[]): string[] {
  const groups = new Map<string, Packet[]>();
  for (const p of dropped) {
    const rulesets = fw.rulesets.filter((rs) => covers(rs, p));
    const missingVib =
      p.direction === 'outbound' &&
      TO_CLOUD_PORTS.includes(p.port) &&
      !fw.rulesets.some((r) => r.id === TO_CLOUD_RULESET);
    const cause =
      rulesets.length === 0
        ? `no ruleset has a rule for {it}${missingVib ? ` (${TO_CLOUD_RULESET} is missing: no ${VR2C_VIB} vib)` : ''}`
        : rulesets
            .map((rs) =>
              !rs.enabled
                ? `${rs.id} is disabled`
                : admits(rs, p.remote)
                  ? `${rs.id} allows it`
                  : `${rs.id} admits only ${rs.allowedIps.join(', ') || 'no address'}, not ${p.remote}`,
            )
            .join(', and ');
    const list = groups.get(cause) ?? [];
    list.push(p);
    groups.set(cause, list);
  }
  // One cause for every port is said once; several say which ports each covers.
  return [...groups].map(([cause, ps]) => {
    const text = cause.replace('{it}', ps.length === 1 ? 'it' : 'them');
    return groups.size === 1 ? text : `${packetText(ps)}: ${text}`;
  });
}

// ---- the printed form of a fix's steps: the one place they are spelt ----

export const LOCAL_SH =
  'to keep it after a reboot, add this line before "exit 0" in /etc/rc.local.d/local.sh: ';
export const LOCAL_SH_REMOVE =
  'and take this line out of /etc/rc.local.d/local.sh if it is there: ';
export const REBOOT = (host: string, why: string) => `then reboot ${host}: ${why}`;
export const VIB_COPY = (appliance: string | null, address: string) =>
  `first copy ${VR2C_VIB}.vib to the host${appliance ? ` (download it from https://${appliance}:8043/vib/${VR2C_VIB}.vib)` : ''}: scp ${VR2C_VIB}.vib root@${address}:/tmp/ (seed 003)`;

export function stepText(host: string, s: FixStep): string {
  switch (s.kind) {
    case 'local.sh':
      return `${LOCAL_SH}${s.line}`;
    case 'local.sh-remove':
      return `${LOCAL_SH_REMOVE}${s.line}`;
    case 'reboot':
      return REBOOT(host, s.why);
  }
}

/**
 * A firewall fix verified on the firewall model: a ruleset with rules for every dropped port
 * enabled and opened to the far end (`allowedip add`, one address: research-notes A1, KB 432374;
 * never `--allowed-all true`, which would undo an admin's restriction), the class's own ruleset
 * first; seed 003's manual vib install; or every such ruleset at once. A change the host refuses
 * (8.0U2's configurable columns) is no fix, and the note says so.
 */
function firewallFix(
  fw: HostFirewall,
  f: Flow,
  packets: readonly Packet[],
  dropped: readonly Packet[],
  h: NetHost,
  t: Topology,
  variant: Variant,
): { commands: string[]; steps: string[]; note?: string } {
  const remote = formatIp(f.dst);
  const own = FIREWALL_CLASSES[f.class]?.ruleset;
  const passes = (x: HostFirewall) =>
    packets.every((p) => fwDecide(x, p, variant).action === 'allow');
  interface Candidate {
    events: FirewallEvent[];
    commands: string[];
    steps: string[];
  }
  const opened = (rss: readonly Ruleset[]): Candidate => {
    const c: Candidate = { events: [], commands: [], steps: [] };
    for (const rs of rss) {
      if (!rs.enabled) {
        c.events.push({ type: 'RulesetSet', host: fw.host, ruleset: rs.id, enabled: true });
        c.commands.push(`esxcli network firewall ruleset set -r ${rs.id} -e true`);
      }
      if (!admits(rs, remote)) {
        c.events.push({ type: 'AllowedIpAdd', host: fw.host, ruleset: rs.id, address: remote });
        c.commands.push(`esxcli network firewall ruleset allowedip add -r ${rs.id} -i ${remote}`);
      }
    }
    return c;
  };
  const whole = fw.rulesets.filter((rs) => dropped.every((p) => covers(rs, p)));
  const singles = whole
    .map((rs) => ({ rs, c: opened([rs]) }))
    .filter((x) => x.c.events.length > 0)
    .sort((a, b) => a.c.events.length - b.c.events.length);
  // The class's own ruleset first, then the vib, then any other ruleset that covers the ports.
  const candidates: Candidate[] = singles.filter((x) => x.rs.id === own).map((x) => x.c);
  const vib = f.class === 'to-cloud' && !fw.rulesets.some((r) => r.id === TO_CLOUD_RULESET);
  if (vib) {
    // Seed 003's workaround: install the vib by hand (the automatic push fails on 6.5U1),
    // copied to the host's /tmp rather than to a datastore whose name the check cannot know.
    const site = t.hosts.find((x) => x.name === h.name)?.site;
    const app = t.appliances.find((a) => a.role === 'vr-appliance' && a.site === site);
    candidates.push({
      events: [{ type: 'VibInstallManual', host: fw.host }],
      commands: [`esxcli software vib install -v /tmp/${VR2C_VIB}.vib`],
      steps: [VIB_COPY(app?.ip ?? null, srcOf(h, f))],
    });
  }
  candidates.push(...singles.filter((x) => x.rs.id !== own).map((x) => x.c));
  const some = fw.rulesets.filter((rs) => dropped.some((p) => covers(rs, p)));
  const all = opened(some);
  if (all.events.length > 0 && !candidates.some((c) => c.commands.join() === all.commands.join()))
    candidates.push(all);
  const refused: string[] = [];
  for (const c of candidates) {
    const after = hostAfter(fw, c.events, variant);
    if (after.refused) {
      if (!refused.includes(after.refused.error)) refused.push(after.refused.error);
      continue;
    }
    if (passes(after.fw)) return { commands: c.commands, steps: c.steps };
  }
  const them = dropped.length === 1 ? 'it' : 'them';
  return {
    commands: [],
    steps: [],
    note: `${packetText(dropped)}: no change to the rulesets${vib ? ' nor the manual vib install' : ''} lets ${them} through${refused.length ? ` (the host refuses: ${refused.join('; ')})` : ''}; add a ruleset allowing ${them}`,
  };
}

/** What the judge works on: the hosts as the model holds them, and their firewalls if given. */
export interface Judged {
  readonly findings: CheckFinding[];
  readonly checked: CheckedFlow[];
  readonly notChecked: { host: string; what: string }[];
  readonly gaps: readonly IntentGap[];
  readonly flows: readonly Flow[];
  readonly conflicts: AddressConflict[];
}

function printedFix(h: NetHost, fix: Fix): { commands: string[]; steps: string[] } {
  return { commands: [...fix.commands], steps: fix.steps.map((s) => stepText(h.name, s)) };
}

/**
 * Judges every flow of every host: routing by the advisor, the firewall where its listings
 * were given. One finding per broken flow. `firewalls[h]` null: that host's firewall is not
 * checked, and says so.
 */
export function judgeHosts(
  t: Topology,
  hosts: Readonly<Record<string, NetHost>>,
  given: Readonly<Record<string, HostFirewall | null>>,
  variant: Variant = CORRECT,
  opts: {
    /** Hosts whose `ruleset allowedip list` was not given: their allowed IPs are unknown. */
    readonly allowedIpsUnknown?: readonly string[];
  } = {},
): Judged {
  // Defect: the check reads the rulesets but not their allowed-IP lists.
  const firewalls: Readonly<Record<string, HostFirewall | null>> = has(
    variant,
    'check-allowed-ips-unread',
  )
    ? Object.fromEntries(
        Object.entries(given).map(([k, fw]) => [
          k,
          fw && { ...fw, rulesets: fw.rulesets.map((r) => ({ ...r, allowedAll: true })) },
        ]),
      )
    : given;
  const { flows, gaps } = intentOf(t, hosts, undefined, variant);
  const routing = new Map<string, Finding>(
    advise(hosts, t, variant, flows).map((a) => [flowKey(a.flow), a]),
  );
  const findings: CheckFinding[] = [];
  const checked: CheckedFlow[] = [];
  const notChecked: { host: string; what: string }[] = [];
  for (const name of Object.keys(hosts)) {
    if (!firewalls[name])
      notChecked.push({
        host: name,
        what: 'firewall (F1, F2): no network-firewall-ruleset-list given',
      });
    else if (opts.allowedIpsUnknown?.includes(name))
      notChecked.push({
        host: name,
        what: 'allowed IPs (F1, F2): no network-firewall-ruleset-allowedip-list given, so every ruleset was taken to admit every address',
      });
  }
  for (const f of flows) {
    const h = hosts[f.host];
    if (!h) continue;
    const r = routing.get(flowKey(f));
    const fw = firewalls[f.host] ?? null;
    const spec = FIREWALL_CLASSES[f.class];
    const covered = [
      'N2',
      'N3',
      ...(f.bound ? ['N4'] : []),
      'N5',
      ...(f.class === 'replication' || f.class === 'nfc' ? ['N8'] : []),
      ...(spec && fw ? [spec.inv] : []),
    ];
    const d = r?.decision ?? decide(h, f, variant);
    let fwBroken: {
      inv: string;
      sentence: string;
      /** The sentence without the host, for a line that names it already. */
      drops: string;
      why: string[];
      dropped: DroppedPackets;
      fix: ReturnType<typeof firewallFix>;
    } | null = null;
    let allowedBy = '';
    const packets = spec && fw ? spec.packets(formatIp(f.dst), variant) : null;
    if (packets && fw && spec) {
      const verdicts = packets.map((p) => ({ p, v: fwDecide(fw, p, variant) }));
      const dropped = verdicts.filter((x) => x.v.action === 'drop').map((x) => x.p);
      const first = dropped[0];
      if (!first)
        allowedBy = `; ${packetText(packets)} allowed by ${[...new Set(verdicts.map((x) => x.v.ruleset))].join(', ')}`;
      else
        fwBroken = {
          inv: spec.inv,
          sentence: `the firewall of ${f.host} drops ${packetText(dropped)}`,
          drops: `the firewall drops ${packetText(dropped)}`,
          why: dropCauses(fw, dropped),
          dropped: {
            direction: first.direction,
            protocol: first.protocol,
            remote: first.remote,
            ports: dropped.map((p) => p.port),
          },
          fix: firewallFix(fw, f, packets, dropped, h, t, variant),
        };
    }
    const broken = r !== undefined || fwBroken !== null;
    // NFC's route is its replies' way back to the VR server (research-notes A1).
    const routeText = `${f.class === 'nfc' ? 'replies: ' : ''}${describeDecision(d)}`;
    checked.push({
      host: f.host,
      class: f.class,
      flow: flowText(h, f),
      verdict: broken ? 'broken' : 'ok',
      covered,
      detail: `${routeText}${allowedBy}${fwBroken ? `; ${fwBroken.drops}` : ''}`,
    });
    if (!broken) continue;
    const invariants = [...(r?.invariants ?? []), ...(fwBroken ? [fwBroken.inv] : [])];
    const here = `${f.host} (${f.intended.vmk} ${srcOf(h, f)})`;
    // NFC is the VR server's connection into the host (research-notes A1).
    const what =
      f.class === 'nfc'
        ? `${f.class} from ${f.dstName} to ${here}`
        : `${f.class} from ${here} to ${f.dstName}`;
    const sentence = r
      ? `${r.sentence}${fwBroken ? `, and ${fwBroken.sentence}` : ''}`
      : `${what} is dropped: ${fwBroken?.sentence ?? ''}`;
    const why = [...(r?.why ?? []), ...(fwBroken?.why ?? [])];
    const rf = r ? printedFix(h, r.fix) : { commands: [], steps: [] };
    const routeFixed = !r || r.fix.events.length > 0;
    const fwFixed = !fwBroken || fwBroken.fix.commands.length > 0;
    // A part that can be mended while the other cannot is said in the note, not printed as a
    // fix: a printed fix mends the whole flow.
    const partly = (cmds: readonly string[], part: string) =>
      cmds.length ? [`for the ${part} alone: ${cmds.join('; ')}`] : [];
    const notes = [
      ...(r?.fix.note ? [r.fix.note] : []),
      ...(fwBroken?.fix.note ? [fwBroken.fix.note] : []),
      ...(routeFixed && !fwFixed ? partly(rf.commands, 'routing') : []),
      ...(!routeFixed && fwFixed ? partly(fwBroken?.fix.commands ?? [], 'firewall') : []),
    ];
    findings.push({
      host: f.host,
      class: f.class,
      invariants,
      sentence,
      why,
      message: `${sentence}${why.length ? `: ${why.join('; ')}` : ''} [${invariants.join(', ')}]`,
      flow: {
        port: f.port,
        vmk: f.intended.vmk,
        source: srcOf(h, f),
        destination: f.dstName,
        netstack: f.netstack,
        egress: d.ok ? d.egress : null,
        nextHop: d.ok ? hop(d.nextHop) : null,
        verdict: `${routeText}${fwBroken ? `; ${fwBroken.drops}` : ''}`,
      },
      ...(fwBroken ? { dropped: fwBroken.dropped } : {}),
      expected: {
        vmk: f.intended.vmk,
        nextHop: hop(f.intended.nextHop),
        verdict:
          f.class === 'nfc'
            ? `replies leave ${f.intended.vmk} ${via(f.intended.nextHop)}${packets ? `, and the firewall lets ${packetText(packets)}` : ''}`
            : `leaves ${f.intended.vmk} ${via(f.intended.nextHop)}${spec && fw ? ' and passes the firewall' : ''}`,
        because: f.because,
      },
      // Only a fix that mends every broken part is printed as one.
      fix: routeFixed && fwFixed ? [...rf.commands, ...(fwBroken?.fix.commands ?? [])] : [],
      steps: routeFixed && fwFixed ? [...rf.steps, ...(fwBroken?.fix.steps ?? [])] : [],
      ...(routeFixed && fwFixed && r?.fix.disruption ? { disruption: r.fix.disruption } : {}),
      ...(notes.length ? { note: notes.join('; ') } : {}),
    });
  }
  return { findings, checked, notChecked, gaps, flows, conflicts: conflictsOf(hosts) };
}

/** Two vmks, on one host or two, with one address: flagged, since it reaches either. */
function conflictsOf(hosts: Readonly<Record<string, NetHost>>): AddressConflict[] {
  const by = new Map<number, string[]>();
  for (const h of Object.values(hosts))
    for (const v of h.vmks) {
      const list = by.get(v.ip) ?? [];
      list.push(`${h.name} ${v.name}`);
      by.set(v.ip, list);
    }
  const out: AddressConflict[] = [];
  for (const [ip, vmks] of [...by].sort((a, b) => a[0] - b[0])) {
    if (vmks.length < 2) continue;
    const address = formatIp(ip);
    out.push({
      address,
      vmks,
      message: `${address} is the address of ${vmks.join(' and ')}: traffic to it reaches either one`,
    });
  }
  return out;
}

// ---- reading DIR ----

const PROMPT_LINE = /^\s*(?:\[[^\]]*@[^\]]*\]|~\s*#)\s*(?:esxcli|esxcfg-)/m;

/**
 * The hosts of a DIR from its files (paths relative to DIR, `/`-separated): a folder
 * `<host>/` of command outputs, or a transcript `<host>.txt`. `join` makes display paths.
 * `unreadable` names files that could not be read; `ignored` names files not read because no
 * check uses them. A README, notes, or an output the check does not use is noted and ignored.
 */
export function hostInputs(
  files: Readonly<Record<string, string>>,
  join: (...parts: string[]) => string,
  more: {
    readonly unreadable?: Readonly<Record<string, string>>;
    readonly ignored?: readonly string[];
    /** The topology's host names: `<host>.txt` for one of them is its transcript, whatever it holds. */
    readonly hosts?: readonly string[];
  } = {},
): Inputs {
  const folders = new Map<string, CommandOutput[]>();
  const transcripts = new Map<string, HostInput>();
  const broken = new Map<string, string>();
  const notes: string[] = [];
  const errors: string[] = [];
  for (const rel of more.ignored ?? [])
    notes.push(`${join(rel)}: ignored (no check reads this command's output)`);
  for (const [rel, why] of Object.entries(more.unreadable ?? {})) {
    const parts = rel.split('/');
    const host = parts.length === 2 ? (parts[0] ?? '') : (parts[0] ?? '').replace(/\.txt$/, '');
    broken.set(host, `${join(rel)}: ${why}`);
  }
  for (const rel of Object.keys(files).sort()) {
    const text = plainText(files[rel] ?? '');
    const parts = rel.split('/');
    if (parts.length === 1) {
      const name = parts[0] ?? '';
      if (name === 'topology.json') continue;
      const host = name.slice(0, -4);
      if (
        !name.endsWith('.txt') ||
        (!PROMPT_LINE.test(text) && !(more.hosts ?? []).includes(host))
      ) {
        notes.push(`${join(name)}: ignored (not a host folder or a transcript)`);
        continue;
      }
      const where = join(name);
      try {
        const t = readTranscript(where, text);
        notes.push(...t.notes);
        transcripts.set(host, { name: host, where, outputs: t.outputs });
      } catch (e) {
        if (!(e instanceof EsxcliParseError)) throw e;
        transcripts.set(host, { name: host, where, outputs: [], error: e.message });
      }
    } else if (parts.length === 2) {
      const [host = '', f = ''] = parts;
      const c = commandOfFile(f);
      if (!c) {
        notes.push(`${join(host, f)}: ignored (not a command output)`);
        continue;
      }
      if (!isUsedKey(c.key)) {
        notes.push(`${join(host, f)}: ignored (no check reads this command's output)`);
        continue;
      }
      const list = folders.get(host) ?? [];
      list.push({ key: c.key, format: c.format, file: join(host, f), text });
      folders.set(host, list);
    } else notes.push(`${join(...parts)}: ignored (too deep: one folder per host)`);
  }
  const inputs: HostInput[] = [];
  const names = new Set([...folders.keys(), ...transcripts.keys(), ...broken.keys()]);
  for (const name of names) {
    const t = transcripts.get(name);
    const where = t?.where ?? join(name);
    if (t && folders.has(name)) {
      errors.push(
        `${join(name)}: both a folder ${join(name)}/ and a transcript ${t.where}: keep one of them`,
      );
      inputs.push({ name, where, outputs: [], error: '' });
      continue;
    }
    const bad = broken.get(name);
    if (bad !== undefined) inputs.push({ name, where, outputs: [], error: bad });
    else if (t) inputs.push(t);
    else inputs.push({ name, where, outputs: folders.get(name) ?? [] });
  }
  inputs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { inputs, notes: notes.sort(), errors };
}

// ---- the topology against the hosts ----

/** Every topology entry that matches nothing, and every host no flow could be built for. */
function topologyErrors(
  t: Topology,
  parsed: ReadonlyMap<string, ParsedHost>,
  hosts: Readonly<Record<string, NetHost>>,
  given: ReadonlySet<string>,
  flows: readonly Flow[],
  gaps: readonly IntentGap[],
): string[] {
  const out: string[] = [];
  const sitesWithHosts = new Set(t.hosts.map((h) => h.site));
  // A site is fully known when every one of its hosts parsed: only then can "no vmk is in
  // this subnet" be told from "a file of that host did not parse".
  const known = (site: string) =>
    t.hosts.filter((h) => h.site === site).every((h) => parsed.has(h.name));
  const vmkAddrs = (site: string) =>
    t.hosts
      .filter((h) => h.site === site)
      .flatMap((h) => (hosts[h.name]?.vmks ?? []).map((v) => v.ip));
  t.subnets.forEach((s, i) => {
    if (!sitesWithHosts.has(s.site) || !known(s.site)) return;
    const p = parsePrefix(s.network);
    const what = `topology.json: subnets[${i}] (${s.network}, ${s.purpose} at ${s.site})`;
    if (s.purpose === 'appliance') {
      if (!t.appliances.some((a) => contains(p, parseIp(a.ip))))
        out.push(`${what}: no appliance address is in it`);
    } else if (!vmkAddrs(s.site).some((ip) => contains(p, ip))) {
      const names = t.hosts.filter((h) => h.site === s.site).map((h) => h.name);
      out.push(`${what}: no vmk of ${names.join(', ')} has an address in it`);
    }
  });
  const used = new Set(flows.map((f) => f.dstName));
  t.appliances.forEach((a, i) => {
    const what = `topology.json: appliances[${i}] (${a.role} ${a.ip} at ${a.site})`;
    if (a.role === 'vrs') {
      if (!t.replication.some((r) => r.to === a.site))
        out.push(
          `${what}: no replication goes to ${a.site}; add {"from": ..., "to": "${a.site}"} to replication, or remove it`,
        );
    } else if (a.role === 'vr-appliance') {
      if (!t.toCloud)
        out.push(
          `${what}: used only for to-the-cloud replication; set "toCloud": true, or remove it`,
        );
    } else if (sitesWithHosts.has(a.site) && known(a.site) && !used.has(`vCenter ${a.ip}`))
      out.push(`${what}: no host at ${a.site} has a management vmk to reach it`);
  });
  t.replication.forEach((r, i) => {
    const what = `topology.json: replication[${i}] (${r.from} -> ${r.to})`;
    if (!t.appliances.some((a) => a.role === 'vrs' && a.site === r.to))
      out.push(`${what}: no vrs appliance at ${r.to}, so nothing can be checked for it`);
    else if (!sitesWithHosts.has(r.from) && !sitesWithHosts.has(r.to))
      out.push(`${what}: no host at ${r.from} or ${r.to}`);
  });
  if (t.toCloud)
    for (const site of sitesWithHosts)
      if (!t.appliances.some((a) => a.role === 'vr-appliance' && a.site === site))
        out.push(`topology.json: toCloud: no vr-appliance at ${site}, where hosts replicate from`);
  for (const [host, vmk] of Object.entries(t.fvp ?? {})) {
    const h = hosts[host];
    if (h && !h.vmks.some((v) => v.name === vmk))
      out.push(
        `topology.json: fvp.${host}: ${host} has no vmk ${vmk} (it has ${h.vmks.map((v) => v.name).join(', ') || 'none'})`,
      );
  }
  for (const g of gaps)
    out.push(`${g.host}: ${g.class} to ${g.dstName} cannot be judged: ${g.reason}`);
  const withFlows = new Set([...flows.map((f) => f.host), ...gaps.map((g) => g.host)]);
  t.hosts.forEach((th, i) => {
    if (!given.has(th.name))
      out.push(`topology.json: hosts[${i}] (${th.name}): no folder or transcript for it`);
    else if (hosts[th.name] && !withFlows.has(th.name))
      out.push(
        `topology.json: hosts[${i}] (${th.name}): no flow could be built: none of its vmks is in a topology subnet of ${th.site} or tagged for a service, or ${th.site} has no appliance to reach`,
      );
  });
  return out;
}

/** Checks every host that parsed; hosts that did not are listed in errors, not skipped silently. */
export function checkHosts(
  topology: Topology,
  read: Inputs,
  variant: Variant = CORRECT,
): CheckResult {
  const errors: string[] = [...read.errors];
  const notes: string[] = [...read.notes];
  const parsed = new Map<string, ParsedHost>();
  // Each parsed host's network state, built once: building it is also what checks its setup.
  const hosts: Record<string, NetHost> = {};
  const firewalls: Record<string, HostFirewall | null> = {};
  const given = new Set<string>();
  if (topology.hosts.length === 0)
    errors.push('topology.json: hosts: empty, so nothing can be checked');
  const named = new Set(topology.hosts.map((h) => h.name));
  for (const i of read.inputs) {
    if (!named.has(i.name)) {
      errors.push(`${i.where}: host ${i.name} is not in topology.json hosts`);
      continue;
    }
    given.add(i.name);
    if (i.error !== undefined) {
      if (i.error !== '') errors.push(i.error);
      continue;
    }
    try {
      const p = assembleHost(i.name, i.where, i.outputs);
      const net = hostFromSetup(p.setup);
      parsed.set(i.name, p);
      hosts[i.name] = net;
      firewalls[i.name] = p.firewall;
      notes.push(...p.notes.map((n) => `${i.where}: ${n}`));
    } catch (e) {
      if (e instanceof EsxcliParseError) errors.push(e.message);
      else errors.push(`${i.where}: ${(e as Error).message}`);
    }
  }
  const j = judgeHosts(topology, hosts, firewalls, variant, {
    allowedIpsUnknown: [...parsed.values()]
      .filter((p) => p.firewall !== null && !p.allowedIps)
      .map((p) => p.setup.name),
  });
  errors.push(...topologyErrors(topology, parsed, hosts, given, j.flows, j.gaps));
  return {
    hosts: [...parsed.values()].map((p) => ({
      name: p.setup.name,
      version: p.setup.version,
      release: p.release,
      firewall: p.firewall !== null,
    })),
    findings: j.findings,
    conflicts: j.conflicts,
    checked: j.checked,
    notChecked: j.notChecked,
    notes,
    errors,
  };
}
