// The oracle of the host check's firewall property: its own reading of the rulesets a case
// leaves on each host (research-notes A1, C7, D, F), kept apart from model/firewall, and of
// the packets each flow of the topology needs through them.
import {
  type FirewallEvent,
  type Packet,
  TO_CLOUD_RULESET,
} from '../../model/firewall/firewall.ts';
import type { Topology } from '../../model/network/intent.ts';
import type { EsxiVersion } from '../../model/variants.ts';
import { CONFIGURABLE_80U2 } from '../esxcli/fixtures.ts';
import {
  builtIns,
  type Dir,
  oracleAdmits,
  oracleEntry,
  oracleSameEntry,
  RULES,
} from '../firewall/properties.ts';
import type { CheckCase } from './arbitraries.ts';

export interface OracleRuleset {
  readonly id: string;
  enabled: boolean;
  allowedAll: boolean;
  ips: string[];
  readonly rules: readonly (readonly [Dir, 'tcp' | 'udp', number, number])[];
  /** What an 8.0U2 host lets an admin change (research-notes F); everything elsewhere. */
  readonly enable: boolean;
  readonly allowedIp: boolean;
}

export interface OracleHost {
  readonly version: EsxiVersion;
  rulesets: OracleRuleset[];
}

const configurable = (version: EsxiVersion, id: string) =>
  version === '8.0'
    ? (CONFIGURABLE_80U2[id] ?? { enable: true, allowedIp: true })
    : { enable: true, allowedIp: true };

const TCP = (rules: readonly (readonly [Dir, number, number])[]) =>
  rules.map(([d, lo, hi]) => [d, 'tcp', lo, hi] as const);

function toCloud(version: EsxiVersion): OracleRuleset {
  const c = configurable(version, TO_CLOUD_RULESET);
  return {
    id: TO_CLOUD_RULESET,
    enabled: true,
    allowedAll: true,
    ips: [],
    rules: TCP(RULES[TO_CLOUD_RULESET] ?? []),
    enable: c.enable,
    allowedIp: c.allowedIp,
  };
}

/** Each host's rulesets before any event: built-ins in their default states, customs, the vib. */
export function oracleStart(c: CheckCase): Record<string, OracleHost> {
  const out: Record<string, OracleHost> = {};
  for (const h of c.setup.hosts) {
    const fw = c.setup.firewalls.find((x) => x.host === h.name);
    const rulesets: OracleRuleset[] = Object.entries(builtIns()).map(([id, x]) => ({
      id,
      enabled: x.enabled,
      allowedAll: x.allowedAll,
      ips: [...x.ips],
      rules: TCP(RULES[id] ?? []),
      ...configurable(h.version, id),
    }));
    for (const cr of fw?.custom ?? [])
      rulesets.push({
        id: cr.id,
        enabled: cr.enabled,
        allowedAll: true,
        ips: [],
        rules: cr.rules.map((r) => [r.direction, r.protocol, r.begin, r.end] as const),
        ...configurable(h.version, cr.id),
      });
    if (fw?.vib) rulesets.push(toCloud(h.version));
    out[h.name] = { version: h.version, rulesets };
  }
  return out;
}

/**
 * An esxcli change on the oracle's hosts; why the host refuses it, or null. 8.0U2 refuses to
 * switch a ruleset whose Enable/Disable configurable is false, and to touch the allowed IPs of
 * one whose Allowed IP configurable is false (research-notes F).
 */
export function oracleApply(o: Record<string, OracleHost>, e: FirewallEvent): string | null {
  if (e.type === 'ApplianceBoot' || e.type === 'FirewallTick') return null;
  const h = o[e.host];
  if (!h) return `no host ${e.host}`;
  if (e.type === 'HostConnect' || e.type === 'HostDisconnect') return null;
  if (e.type === 'VibInstallManual') {
    if (!h.rulesets.some((r) => r.id === TO_CLOUD_RULESET)) h.rulesets.push(toCloud(h.version));
    return null;
  }
  if (e.type === 'VibRemove') {
    if (!h.rulesets.some((r) => r.id === TO_CLOUD_RULESET)) return 'the vib is not installed';
    h.rulesets = h.rulesets.filter((r) => r.id !== TO_CLOUD_RULESET);
    return null;
  }
  const rs = h.rulesets.find((r) => r.id === e.ruleset);
  if (!rs) return `no ruleset ${e.ruleset}`;
  if (e.type === 'RulesetSet') {
    if (!rs.enable) return `${rs.id} cannot be switched (Enable/Disable configurable: false)`;
    rs.enabled = e.enabled;
    return null;
  }
  if (!rs.allowedIp)
    return `${rs.id}'s allowed IPs cannot be changed (Allowed IP configurable: false)`;
  if (e.type === 'RulesetAllowedAll') {
    rs.allowedAll = e.allowedAll;
    return null;
  }
  if (!oracleEntry(e.address)) return `${e.address} is not an address or prefix`;
  const listed = rs.ips.some((a) => oracleSameEntry(a, e.address));
  if (e.type === 'AllowedIpAdd') {
    if (listed) return `${e.address} is already listed`;
    rs.ips.push(e.address);
    return null;
  }
  if (!listed) return `${e.address} is not listed`;
  rs.ips = rs.ips.filter((a) => !oracleSameEntry(a, e.address));
  return null;
}

const matches = (rs: OracleRuleset, p: Packet) =>
  rs.rules.some(
    ([d, proto, lo, hi]) =>
      d === p.direction && proto === p.protocol && lo <= p.port && p.port <= hi,
  );

/** True iff an enabled ruleset has a rule of the packet's direction, protocol and port and admits its far end. */
export function oraclePasses(h: OracleHost, p: Packet): boolean {
  return h.rulesets.some(
    (rs) => rs.enabled && matches(rs, p) && oracleAdmits(rs.allowedAll, rs.ips, p.remote),
  );
}

/** The rulesets with a rule for the packet, as the oracle holds them, in words. */
export function oracleWhy(h: OracleHost, p: Packet): string {
  const rs = h.rulesets.filter((r) => matches(r, p));
  if (rs.length === 0) return 'no ruleset has a rule for it';
  return rs
    .map(
      (r) =>
        `${r.id} ${r.enabled ? 'enabled' : 'disabled'}, ${r.allowedAll ? 'every address' : `allowed IPs ${r.ips.join(', ') || 'none'}`}`,
    )
    .join('; ');
}

/** True iff a ruleset with a rule for the packet is enabled but its allowed IPs keep it out. */
export const keptOutByList = (h: OracleHost, p: Packet): boolean =>
  !oraclePasses(h, p) &&
  h.rulesets.some(
    (rs) => rs.enabled && matches(rs, p) && !oracleAdmits(rs.allowedAll, rs.ips, p.remote),
  );

/** True iff the packet passes only through a restricted ruleset that lists its far end. */
export const admittedByList = (h: OracleHost, p: Packet): boolean =>
  h.rulesets.some(
    (rs) => rs.enabled && matches(rs, p) && !rs.allowedAll && oracleAdmits(false, rs.ips, p.remote),
  );

export interface OracleFlow {
  readonly host: string;
  readonly class: 'replication' | 'nfc' | 'to-cloud';
  readonly invariant: 'F1' | 'F2';
  /** The far end: the VR server or the VR appliance. */
  readonly remote: string;
  readonly packets: readonly Packet[];
}

const out = (port: number, remote: string): Packet => ({
  direction: 'outbound',
  protocol: 'tcp',
  port,
  remote,
});

/**
 * The flows of the topology that cross a host firewall, by the oracle's reading: replication
 * from every host of a source site out to the VR server on 31031 and 44046; NFC from the VR
 * server into every host of the target site on TCP 902 (research-notes A1, corrected); to the
 * cloud, every port of 10000-10010 out to the VR appliance of the host's site (A1, D).
 */
export function oracleFlows(t: Topology): OracleFlow[] {
  const flows: OracleFlow[] = [];
  const at = (site: string) => t.hosts.filter((h) => h.site === site).map((h) => h.name);
  for (const r of t.replication) {
    const vrs = t.appliances.find((a) => a.role === 'vrs' && a.site === r.to)?.ip;
    if (!vrs) continue;
    for (const host of at(r.from))
      flows.push({
        host,
        class: 'replication',
        invariant: 'F2',
        remote: vrs,
        packets: [out(31031, vrs), out(44046, vrs)],
      });
    for (const host of at(r.to))
      flows.push({
        host,
        class: 'nfc',
        invariant: 'F2',
        remote: vrs,
        packets: [{ direction: 'inbound', protocol: 'tcp', port: 902, remote: vrs }],
      });
  }
  if (t.toCloud)
    for (const h of t.hosts) {
      const app = t.appliances.find((a) => a.role === 'vr-appliance' && a.site === h.site)?.ip;
      if (app)
        flows.push({
          host: h.name,
          class: 'to-cloud',
          invariant: 'F1',
          remote: app,
          packets: Array.from({ length: 11 }, (_, i) => out(10000 + i, app)),
        });
    }
  return flows;
}
