// `npm run check`: parsed hosts and a topology judged by the advisor (N2-N5) and the firewall
// checks (F1 to-the-cloud, F2 host-to-host replication), each finding with its concrete flow
// and a fix already applied to the model and seen to work. Pure: the script does the reading.
import {
  firewallStep,
  decide as fwDecide,
  type HostFirewall,
  TO_CLOUD_RULESET,
} from '../firewall/firewall.ts';
import { passesToCloud } from '../firewall/mobility.ts';
import { advise, describeDecision } from '../network/advisor.ts';
import { hostFromSetup } from '../network/host.ts';
import { type Flow, flowsOf, type Topology, type TrafficClass } from '../network/intent.ts';
import { formatIp } from '../network/ipv4.ts';
import type { NetHost } from '../network/types.ts';
import { CORRECT, type EsxiVersion } from '../variants.ts';
import {
  assembleHost,
  type CommandOutput,
  commandOfFile,
  type ParsedHost,
  splitTranscript,
} from './host.ts';
import { EsxcliParseError } from './records.ts';

export const INVARIANTS: Readonly<Record<string, string>> = {
  N2: 'every traffic class leaves through its intended vmk and next hop',
  N3: 'routing stays the same after a reboot',
  N4: 'traffic pinned to a vmk leaves through it',
  N5: "a flow on one netstack never uses another netstack's routes",
  F1: 'to-the-cloud replication (TCP 10000-10010 out) passes the host firewall',
  F2: 'host-to-host replication (TCP 31031, 44046, 902 out) passes the host firewall',
};

export interface HostInput {
  readonly name: string;
  /** The folder or transcript, for whole-host errors. */
  readonly where: string;
  readonly outputs: readonly CommandOutput[];
  /** Set when the input could not even be split into outputs (a bad transcript). */
  readonly error?: string;
}

export interface CheckFinding {
  readonly host: string;
  readonly invariant: string;
  readonly class: TrafficClass;
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
  };
  readonly fix: readonly string[];
  readonly note?: string;
}

export interface CheckResult {
  readonly hosts: readonly {
    readonly name: string;
    readonly version: EsxiVersion;
    readonly firewall: boolean;
  }[];
  readonly findings: readonly CheckFinding[];
  /** What was checked and found clean, per host. */
  readonly clean: readonly { readonly host: string; readonly what: string }[];
  readonly errors: readonly string[];
}

const srcOf = (h: NetHost, f: Flow) => {
  const v = h.vmks.find((x) => x.name === f.intended.vmk);
  return v ? formatIp(v.ip) : '?';
};
const hop = (ip: number | null) => (ip === null ? null : formatIp(ip));

/** Where a flow starts and goes, the same for routing and firewall findings. */
const flowFields = (h: NetHost, f: Flow) => ({
  port: f.port,
  vmk: f.intended.vmk,
  source: srcOf(h, f),
  destination: f.dstName,
  netstack: f.netstack,
});

const FW_PORTS: Partial<Record<TrafficClass, { ports: number[]; inv: string }>> = {
  'to-cloud': { ports: [10000, 10010], inv: 'F1' },
  replication: { ports: [31031, 44046], inv: 'F2' },
  nfc: { ports: [902], inv: 'F2' },
};

function firewallFix(
  fw: HostFirewall,
  f: Flow,
  ports: number[],
): { commands: string[]; note?: string } {
  const passes = (x: HostFirewall) =>
    f.class === 'to-cloud'
      ? passesToCloud(x, CORRECT, formatIp(f.dst))
      : ports.every(
          (port) =>
            fwDecide(
              x,
              { direction: 'outbound', protocol: 'tcp', port, remote: formatIp(f.dst) },
              CORRECT,
            ).action === 'allow',
        );
  const world = { now: 0, hosts: { [fw.host]: fw } };
  const candidates: { events: Parameters<typeof firewallStep>[1][]; commands: string[] }[] = [];
  for (const rs of fw.rulesets.filter((r) => !r.enabled)) {
    candidates.push({
      events: [{ type: 'RulesetSet', host: fw.host, ruleset: rs.id, enabled: true }],
      commands: [`esxcli network firewall ruleset set -r ${rs.id} -e true`],
    });
  }
  if (f.class === 'to-cloud' && !fw.rulesets.some((r) => r.id === TO_CLOUD_RULESET)) {
    // Seed 003's workaround: install the vib by hand (the automatic push fails on 6.5U1).
    candidates.push({
      events: [{ type: 'VibInstallManual', host: fw.host }],
      commands: ['esxcli software vib install -v /vmfs/volumes/<datastore>/vr2c-firewall.vib'],
    });
  }
  for (const c of candidates) {
    let w = world;
    for (const e of c.events) w = firewallStep(w, e, CORRECT).world;
    const after = w.hosts[fw.host];
    if (after && passes(after)) return { commands: c.commands };
  }
  return {
    commands: [],
    note: 'no single ruleset change verified: add a ruleset allowing the ports',
  };
}

/**
 * The hosts of a DIR from its files (paths relative to DIR, `/`-separated): a folder
 * `<host>/` of command outputs, or a transcript `<host>.txt`. `join` makes display paths.
 */
export function hostInputs(
  files: Readonly<Record<string, string>>,
  join: (...parts: string[]) => string,
): HostInput[] {
  const folders = new Map<string, CommandOutput[]>();
  const out: HostInput[] = [];
  for (const rel of Object.keys(files).sort()) {
    const text = files[rel] ?? '';
    const parts = rel.split('/');
    if (parts.length === 1) {
      const name = parts[0] ?? '';
      if (name === 'topology.json' || !name.endsWith('.txt')) continue;
      const host = name.slice(0, -4);
      const where = join(name);
      try {
        out.push({ name: host, where, outputs: splitTranscript(where, text) });
      } catch (e) {
        if (!(e instanceof EsxcliParseError)) throw e;
        out.push({ name: host, where, outputs: [], error: e.message });
      }
    } else if (parts.length === 2) {
      const [host = '', f = ''] = parts;
      const c = commandOfFile(f);
      if (!c) continue;
      const list = folders.get(host) ?? [];
      list.push({ key: c.key, format: c.format, file: join(host, f), text });
      folders.set(host, list);
    }
  }
  for (const [host, outputs] of folders) out.push({ name: host, where: join(host), outputs });
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Checks every host that parsed; hosts that did not are listed in errors, not skipped silently. */
export function checkHosts(topology: Topology, inputs: readonly HostInput[]): CheckResult {
  const errors: string[] = [];
  const parsed = new Map<string, ParsedHost>();
  for (const i of inputs) {
    if (!topology.hosts.some((h) => h.name === i.name)) {
      errors.push(`${i.where}: host ${i.name} is not in topology.json hosts`);
      continue;
    }
    if (i.error !== undefined) {
      errors.push(i.error);
      continue;
    }
    try {
      const p = assembleHost(i.name, i.where, i.outputs);
      hostFromSetup(p.setup);
      parsed.set(i.name, p);
    } catch (e) {
      if (e instanceof EsxcliParseError) errors.push(e.message);
      else errors.push(`${i.where}: ${(e as Error).message}`);
    }
  }
  for (const h of topology.hosts) {
    if (!inputs.some((i) => i.name === h.name))
      errors.push(`topology.json: hosts: no folder or transcript for ${h.name}`);
  }
  const hosts: Record<string, NetHost> = {};
  for (const [n, p] of parsed) hosts[n] = hostFromSetup(p.setup);
  const findings: CheckFinding[] = [];
  for (const a of advise(hosts, topology, CORRECT)) {
    const h = hosts[a.host];
    if (!h) continue;
    const f = a.flow;
    const d = a.decision;
    findings.push({
      host: a.host,
      invariant: a.invariant,
      class: f.class,
      message: a.message,
      flow: {
        ...flowFields(h, f),
        egress: d.ok ? d.egress : null,
        nextHop: d.ok ? hop(d.nextHop) : null,
        verdict: describeDecision(d),
      },
      expected: {
        vmk: f.intended.vmk,
        nextHop: hop(f.intended.nextHop),
        verdict: `leaves ${f.intended.vmk} ${f.intended.nextHop === null ? 'directly' : `via ${formatIp(f.intended.nextHop)}`}`,
      },
      fix: a.fix.commands,
      ...(a.fix.note ? { note: a.fix.note } : {}),
    });
  }
  const clean: { host: string; what: string }[] = [];
  const flows = flowsOf(topology, hosts);
  for (const [name, p] of parsed) {
    const h = hosts[name];
    if (!h) continue;
    const mine = flows.filter((f) => f.host === name);
    const ok = mine.filter(
      (f) =>
        !findings.some(
          (x) => x.host === name && x.class === f.class && x.flow.destination === f.dstName,
        ),
    );
    if (ok.length) {
      clean.push({
        host: name,
        what: `N2-N5: ${ok.map((f) => `${f.class} to ${f.dstName} leaves ${f.intended.vmk}`).join('; ')}`,
      });
    }
    const fw = p.firewall;
    if (!fw) {
      clean.push({
        host: name,
        what: 'firewall not checked: no network-firewall-ruleset-list given',
      });
      continue;
    }
    const seen = new Set<string>();
    for (const f of mine) {
      const spec = FW_PORTS[f.class];
      if (!spec || seen.has(f.class)) continue;
      seen.add(f.class);
      const dropped = spec.ports.filter(
        (port) =>
          fwDecide(
            fw,
            { direction: 'outbound', protocol: 'tcp', port, remote: formatIp(f.dst) },
            CORRECT,
          ).action === 'drop',
      );
      if (dropped.length === 0) {
        const by = fwDecide(
          fw,
          {
            direction: 'outbound',
            protocol: 'tcp',
            port: spec.ports[0] ?? 0,
            remote: formatIp(f.dst),
          },
          CORRECT,
        );
        clean.push({
          host: name,
          what: `${spec.inv}: ${f.class} ${f.port} out is allowed by ${by.ruleset}`,
        });
        continue;
      }
      const why =
        f.class === 'to-cloud'
          ? fw.rulesets.some((r) => r.id === TO_CLOUD_RULESET)
            ? `${TO_CLOUD_RULESET} is disabled`
            : `${TO_CLOUD_RULESET} is missing (no vr2c-firewall vib)`
          : 'no enabled ruleset allows it';
      const fix = firewallFix(fw, f, spec.ports);
      findings.push({
        host: name,
        invariant: spec.inv,
        class: f.class,
        message: `${f.class} from ${name} (${f.intended.vmk} ${srcOf(h, f)}) to ${f.dstName} is dropped by the firewall on TCP ${dropped.join(', ')}: ${why}`,
        flow: {
          ...flowFields(h, f),
          egress: null,
          nextHop: null,
          verdict: `dropped (default action DROP) on TCP ${dropped.join(', ')}`,
        },
        expected: {
          vmk: f.intended.vmk,
          nextHop: hop(f.intended.nextHop),
          verdict: `allowed out on ${f.port}`,
        },
        fix: fix.commands,
        ...(fix.note ? { note: fix.note } : {}),
      });
    }
  }
  return {
    hosts: [...parsed.values()].map((p) => ({
      name: p.setup.name,
      version: p.setup.version,
      firewall: p.firewall !== null,
    })),
    findings,
    clean,
    errors,
  };
}
