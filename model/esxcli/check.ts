// `npm run check`: parsed hosts and a topology judged by the advisor (N2-N5, N8) and the
// firewall checks (F1 to-the-cloud, F2 host-to-host replication): one finding per broken flow
// with every invariant it breaks, why in an admin's words, and a fix already applied to the
// model and seen to remove the finding and add none. Every flow checked is listed with its
// verdict, so an empty check is never mistaken for a clean one. Pure: the script does the I/O.
import {
  firewallStep,
  decide as fwDecide,
  type HostFirewall,
  TO_CLOUD_RULESET,
  VR2C_VIB,
} from '../firewall/firewall.ts';
import { passesToCloud } from '../firewall/mobility.ts';
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
import { CORRECT, type EsxiVersion, type Variant } from '../variants.ts';
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
  F1: 'to-the-cloud replication (TCP 10000-10010 out) passes the host firewall',
  F2: 'host-to-host replication (TCP 31031, 44046, 902 out) passes the host firewall',
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
  /** esxcli commands to paste, in order; empty when no fix was verified (see note). */
  readonly fix: readonly string[];
  /** Labelled steps that are not commands (local.sh lines, a reboot), after the commands. */
  readonly steps: readonly string[];
  readonly disruption?: string;
  readonly note?: string;
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

/** The flow in one line: "vmk2 10.11.12.5 -> VRS 10.12.12.20 (TCP 31031, 44046)". */
export function flowText(h: NetHost, f: Flow): string {
  return `${f.intended.vmk} ${srcOf(h, f)} -> ${f.dstName} (${f.port})`;
}

const FW_PORTS: Partial<Record<TrafficClass, { ports: number[]; inv: 'F1' | 'F2' }>> = {
  'to-cloud': { ports: [10000, 10010], inv: 'F1' },
  replication: { ports: [31031, 44046], inv: 'F2' },
  nfc: { ports: [902], inv: 'F2' },
};

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

/** A firewall fix verified on the firewall model: enable a ruleset, or seed 003's manual vib. */
function firewallFix(
  fw: HostFirewall,
  f: Flow,
  ports: number[],
  h: NetHost,
  t: Topology,
  variant: Variant,
): { commands: string[]; steps: string[]; note?: string } {
  const passes = (x: HostFirewall) =>
    f.class === 'to-cloud'
      ? passesToCloud(x, variant, formatIp(f.dst))
      : ports.every(
          (port) =>
            fwDecide(
              x,
              { direction: 'outbound', protocol: 'tcp', port, remote: formatIp(f.dst) },
              variant,
            ).action === 'allow',
        );
  const world = { now: 0, hosts: { [fw.host]: fw } };
  const candidates: {
    events: Parameters<typeof firewallStep>[1][];
    commands: string[];
    steps: string[];
  }[] = [];
  for (const rs of fw.rulesets.filter((r) => !r.enabled)) {
    candidates.push({
      events: [{ type: 'RulesetSet', host: fw.host, ruleset: rs.id, enabled: true }],
      commands: [`esxcli network firewall ruleset set -r ${rs.id} -e true`],
      steps: [],
    });
  }
  if (f.class === 'to-cloud' && !fw.rulesets.some((r) => r.id === TO_CLOUD_RULESET)) {
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
  for (const c of candidates) {
    let w = world;
    for (const e of c.events) w = firewallStep(w, e, variant).world;
    const after = w.hosts[fw.host];
    if (after && passes(after)) return { commands: c.commands, steps: c.steps };
  }
  return {
    commands: [],
    steps: [],
    note: 'enabling a ruleset and the manual vib install were tried: add a ruleset allowing the ports',
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
  firewalls: Readonly<Record<string, HostFirewall | null>>,
  variant: Variant = CORRECT,
): Judged {
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
  }
  for (const f of flows) {
    const h = hosts[f.host];
    if (!h) continue;
    const r = routing.get(flowKey(f));
    const fw = firewalls[f.host] ?? null;
    const spec = FW_PORTS[f.class];
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
      why: string;
      fix: ReturnType<typeof firewallFix>;
    } | null = null;
    let allowedBy = '';
    if (spec && fw) {
      const dropped = spec.ports.filter(
        (port) =>
          fwDecide(
            fw,
            { direction: 'outbound', protocol: 'tcp', port, remote: formatIp(f.dst) },
            variant,
          ).action === 'drop',
      );
      if (dropped.length === 0)
        allowedBy = `; ${f.port} out allowed by ${fwDecide(fw, { direction: 'outbound', protocol: 'tcp', port: spec.ports[0] ?? 0, remote: formatIp(f.dst) }, variant).ruleset}`;
      else {
        const why =
          f.class === 'to-cloud'
            ? fw.rulesets.some((x) => x.id === TO_CLOUD_RULESET)
              ? `${TO_CLOUD_RULESET} is disabled`
              : `${TO_CLOUD_RULESET} is missing (no ${VR2C_VIB} vib)`
            : 'no enabled ruleset allows it';
        fwBroken = {
          inv: spec.inv,
          sentence: `the firewall of ${f.host} drops ${f.class} on TCP ${dropped.join(', ')}`,
          why,
          fix: firewallFix(fw, f, spec.ports, h, t, variant),
        };
      }
    }
    const broken = r !== undefined || fwBroken !== null;
    checked.push({
      host: f.host,
      class: f.class,
      flow: flowText(h, f),
      verdict: broken ? 'broken' : 'ok',
      covered,
      detail: `${describeDecision(d)}${allowedBy}${fwBroken ? `; dropped by the firewall on ${f.port}` : ''}`,
    });
    if (!broken) continue;
    const invariants = [...(r?.invariants ?? []), ...(fwBroken ? [fwBroken.inv] : [])];
    const what = `${f.class} from ${f.host} (${f.intended.vmk} ${srcOf(h, f)}) to ${f.dstName}`;
    const sentence = r
      ? `${r.sentence}${fwBroken ? `, and ${fwBroken.sentence}` : ''}`
      : `${what} is dropped: ${fwBroken?.sentence ?? ''}`;
    const why = [...(r?.why ?? []), ...(fwBroken ? [fwBroken.why] : [])];
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
        verdict: `${describeDecision(d)}${fwBroken ? `; dropped by the firewall on ${f.port}` : ''}`,
      },
      expected: {
        vmk: f.intended.vmk,
        nextHop: hop(f.intended.nextHop),
        verdict: `leaves ${f.intended.vmk} ${via(f.intended.nextHop)}${spec && fw ? ' and passes the firewall' : ''}`,
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
      hostFromSetup(p.setup);
      parsed.set(i.name, p);
      notes.push(...p.notes.map((n) => `${i.where}: ${n}`));
    } catch (e) {
      if (e instanceof EsxcliParseError) errors.push(e.message);
      else errors.push(`${i.where}: ${(e as Error).message}`);
    }
  }
  const hosts: Record<string, NetHost> = {};
  const firewalls: Record<string, HostFirewall | null> = {};
  for (const [n, p] of parsed) {
    hosts[n] = hostFromSetup(p.setup);
    firewalls[n] = p.firewall;
  }
  const j = judgeHosts(topology, hosts, firewalls, variant);
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
