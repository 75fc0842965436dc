// The ESXi host firewall and the vr2c-firewall vib's lifecycle, as a pure step function.
// Sources: research-notes C7 and D, seed 003.

import { contains, type Prefix, parseIp, parsePrefix, prefix } from '../network/ipv4.ts';
import type { EsxiVersion } from '../variants.ts';
import { has, type Variant } from '../variants.ts';

export interface Rule {
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: 'tcp' | 'udp';
  readonly portType: 'dst' | 'src';
  readonly begin: number;
  readonly end: number;
}

export interface Ruleset {
  readonly id: string;
  readonly label: string;
  readonly enabled: boolean;
  /** Every remote address may use the ruleset's rules (`--allowed-all true`). */
  readonly allowedAll: boolean;
  /**
   * `esxcli network firewall ruleset allowedip list`: addresses and prefixes, as added; they
   * restrict every rule of the ruleset once allowedAll is false (research-notes A1: KB 432374).
   */
  readonly allowedIps: readonly string[];
  readonly rules: readonly Rule[];
  /** The vib that brought it, for rulesets that are not built in. */
  readonly vib: string | null;
  /**
   * What the host lets an admin change, where it says (ESXi 8.0U2's `ruleset list` columns
   * "Enable/Disable configurable" and "Allowed IP configurable", research-notes F); absent:
   * everything, as before 8.0U2.
   */
  readonly configurable?: RulesetConfigurable;
}

export interface RulesetConfigurable {
  readonly enable: boolean;
  readonly allowedIp: boolean;
}

/**
 * What esxcli answers when an admin changes the allowed-IP list of a ruleset 8.0U2 owns
 * (research-notes F: the DISA STIG known issue ESXI-80-000239 quotes it).
 */
export const ALLOWED_IP_REFUSED =
  'Invalid operation requested: Can not change allowed ip list this ruleset, it is owned by system service.';

export interface Vib {
  readonly name: string;
  readonly version: string;
  readonly vendor: string;
  readonly acceptance: string;
  /** Logical minute of the install: esxcli shows a date; the model has no calendar. */
  readonly installedAt: number;
}

export interface HostFirewall {
  readonly host: string;
  readonly version: EsxiVersion;
  /** Enabled with default action DROP (research-notes D, vCLI 6.7). */
  readonly enabled: boolean;
  readonly rulesets: readonly Ruleset[];
  readonly vibs: readonly Vib[];
  /** What esxupdate.log recorded, oldest first. */
  readonly esxupdateLog: readonly string[];
  /** Whether the host is connected to the vCenter the VR appliance is registered with. */
  readonly connected: boolean;
}

export const VR2C_VIB = 'vr2c-firewall';
export const TO_CLOUD_RULESET = 'Replication-to-CloudTraffic';
/**
 * The to-the-cloud ports: the tunnelling agent listens on one of TCP 10000-10010 picked at
 * random (research-notes A1), so every one of them must pass.
 */
export const TO_CLOUD_PORTS: readonly number[] = Array.from({ length: 11 }, (_, i) => 10000 + i);
/** The built-in ruleset that lets NFC (TCP 902) into a host (research-notes A1, F). */
export const NFC_INBOUND_RULESET = 'vSphereClient';
/**
 * seed 003: the 6.5U1 download failure, character for character as the seed prints what
 * esxupdate.log shows (an en dash and typographic double quotes).
 */
export const CURL56 = '[Errno 14] curl#56 \u2013 \u201cContent-Length: in 200 response\u201d';

const rule = (direction: Rule['direction'], begin: number, end = begin): Rule => ({
  direction,
  protocol: 'tcp',
  portType: 'dst',
  begin,
  end,
});

/**
 * The built-in rulesets replication meets, with their default states as ESXi 8.0U2's `ruleset
 * list` shows them (research-notes F: HBR, NFC and vSphereClient enabled, httpClient disabled;
 * earlier versions are taken to ship the same defaults, an inference). Every one allows all
 * addresses until an admin restricts it (research-notes D: the hardening script's
 * `--allowed-all false`).
 */
export function builtInRulesets(): Ruleset[] {
  return [
    // HBR: outgoing TCP 31031 and 44046 (research-notes A1, vSphere 6.7 security guide). Its
    // label is a placeholder: no source gives HBR's display label (research-notes D).
    builtIn('HBR', 'vSphere Replication', true, [rule('outbound', 31031), rule('outbound', 44046)]),
    // NFC the host itself starts: outgoing TCP 902 (research-notes D). Label: a placeholder.
    builtIn('NFC', 'NFC', true, [rule('outbound', 902)]),
    // NFC into the host, from the VR server among others: incoming TCP 443 and 902, "vSphere Web
    // Client (443, 902)" (research-notes A1: KB 432374).
    builtIn(NFC_INBOUND_RULESET, 'vSphere Web Client', true, [
      rule('inbound', 902),
      rule('inbound', 443),
    ]),
    // Outgoing HTTP(S) from the host; disabled out of the box (research-notes F). Label: a
    // placeholder.
    builtIn('httpClient', 'httpClient', false, [rule('outbound', 80), rule('outbound', 443)]),
  ];
}

function builtIn(id: string, label: string, enabled: boolean, rules: readonly Rule[]): Ruleset {
  return { id, label, enabled, allowedAll: true, allowedIps: [], rules, vib: null };
}

/** What the vr2c-firewall vib adds: TCP 10000-10010 outgoing, enabled at once (notes D). */
function toCloudRuleset(variant: Variant): Ruleset {
  const rules: Rule[] = [rule('outbound', 10000, 10010)];
  if (has(variant, 'hbr-rule-in-vib')) rules.push(rule('outbound', 31031));
  return {
    id: TO_CLOUD_RULESET,
    label: 'Replication-to-Cloud Traffic',
    enabled: true,
    // A freshly installed vib's ruleset allows every address (inference: nothing in the
    // sources restricts it).
    allowedAll: true,
    allowedIps: [],
    rules,
    vib: VR2C_VIB,
  };
}

export function initFirewall(host: string, version: EsxiVersion, variant: Variant): HostFirewall {
  // The defect moves HBR's 31031 out of the built-in ruleset and into the vib.
  const builtIn = builtInRulesets().map((r) =>
    r.id === 'HBR' && has(variant, 'hbr-rule-in-vib')
      ? { ...r, rules: r.rules.filter((x) => x.begin !== 31031) }
      : r,
  );
  return {
    host,
    version,
    enabled: true,
    rulesets: builtIn,
    vibs: [],
    esxupdateLog: [],
    connected: true,
  };
}

export interface Packet {
  readonly direction: 'inbound' | 'outbound';
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** The far end, a dotted IPv4 address: the source of an inbound packet, the destination of an outbound one. */
  readonly remote: string;
}

export interface Verdict {
  readonly action: 'allow' | 'drop';
  /** The ruleset and rule that allowed it, or 'default-drop'. */
  readonly ruleset: string;
  readonly rule: string;
  readonly reason: string;
}

const showRule = (r: Rule) =>
  `${r.direction} ${r.protocol} ${r.portType} ${r.begin === r.end ? r.begin : `${r.begin}-${r.end}`}`;

/** An allowed-IP entry as esxcli takes it: an address or a prefix (research-notes F). */
export function parseAllowedIp(text: string): Prefix | null {
  try {
    return text.includes('/') ? parsePrefix(text) : prefix(parseIp(text), 32);
  } catch {
    return null;
  }
}

/** True iff the ruleset's allowed-IP setting admits the remote address. */
export function admits(rs: Ruleset, remote: string): boolean {
  if (rs.allowedAll) return true;
  const ip = parseIp(remote);
  return rs.allowedIps.some((a) => {
    const p = parseAllowedIp(a);
    return p !== null && contains(p, ip);
  });
}

const showAllowed = (rs: Ruleset) =>
  rs.allowedIps.length === 0 ? 'no address' : rs.allowedIps.join(', ');

/** True iff the rule matches the packet: its direction (unless any will do), protocol and port. */
export function ruleMatches(r: Rule, p: Packet, anyDirection = false): boolean {
  return (
    (anyDirection || r.direction === p.direction) &&
    r.protocol === p.protocol &&
    r.begin <= p.port &&
    p.port <= r.end
  );
}

/** The firewall's verdict for a packet, naming the ruleset and rule, or default-drop. */
export function decide(fw: HostFirewall, p: Packet, variant: Variant): Verdict {
  if (!fw.enabled)
    return {
      action: 'allow',
      ruleset: '(firewall disabled)',
      rule: '-',
      reason: 'the firewall is disabled',
    };
  // Defect: a rule matches packets of either direction.
  const anyDirection = has(variant, 'rule-direction-ignored');
  let excluded: { rs: Ruleset; rule: Rule } | null = null;
  for (const rs of fw.rulesets) {
    if (!rs.enabled && !has(variant, 'ruleset-enabled-ignored')) continue;
    const r = rs.rules.find((x) => ruleMatches(x, p, anyDirection));
    if (!r) continue;
    // The allowed-IP list restricts every rule of its ruleset (research-notes A1, F).
    if (!admits(rs, p.remote) && !has(variant, 'allowed-ips-ignored')) {
      excluded ??= { rs, rule: r };
      continue;
    }
    return {
      action: 'allow',
      ruleset: rs.id,
      rule: showRule(r),
      reason: rs.allowedAll
        ? `${rs.id} allows ${showRule(r)}`
        : `${rs.id} allows ${showRule(r)} for ${p.remote} (allowed IPs ${showAllowed(rs)})`,
    };
  }
  const why = excluded
    ? `${excluded.rs.id} allows ${showRule(excluded.rule)} only for ${showAllowed(excluded.rs)}, not ${p.remote}`
    : `no enabled ruleset allows ${p.direction} ${p.protocol} ${p.port}`;
  return {
    action: 'drop',
    ruleset: 'default-drop',
    rule: '-',
    reason: `${why}; default action DROP`,
  };
}

/**
 * The packet NFC needs through the target host's firewall: the VR server opens TCP 902 into
 * the target host (research-notes A1, corrected; F), so the host judges it inbound, from the VR
 * server's address.
 */
export function nfcPacket(vrServer: string, variant: Variant): Packet {
  // Defect: the old reading, the target host's outgoing NFC ruleset gating NFC.
  if (has(variant, 'nfc-outbound-from-target'))
    return { direction: 'outbound', protocol: 'tcp', port: 902, remote: vrServer };
  return { direction: 'inbound', protocol: 'tcp', port: 902, remote: vrServer };
}

export type FirewallEvent =
  /** The VR appliance powers on: it pushes the vib to every connected host (notes D). */
  | { readonly type: 'ApplianceBoot' }
  /** A host registers, connects, reconnects or restarts: the appliance pushes the vib. */
  | { readonly type: 'HostConnect'; readonly host: string }
  | { readonly type: 'HostDisconnect'; readonly host: string }
  /** seed 003's workaround: `esxcli software vib install -v /vmfs/volumes/<ds>/vr2c-firewall.vib`. */
  | { readonly type: 'VibInstallManual'; readonly host: string }
  | { readonly type: 'VibRemove'; readonly host: string }
  | {
      readonly type: 'RulesetSet';
      readonly host: string;
      readonly ruleset: string;
      readonly enabled: boolean;
    }
  /** `esxcli network firewall ruleset set -r <ruleset> --allowed-all <true|false>`. */
  | {
      readonly type: 'RulesetAllowedAll';
      readonly host: string;
      readonly ruleset: string;
      readonly allowedAll: boolean;
    }
  /** `esxcli network firewall ruleset allowedip add -r <ruleset> -i <address or prefix>`. */
  | {
      readonly type: 'AllowedIpAdd';
      readonly host: string;
      readonly ruleset: string;
      readonly address: string;
    }
  /** `esxcli network firewall ruleset allowedip remove -r <ruleset> -i <address or prefix>`. */
  | {
      readonly type: 'AllowedIpRemove';
      readonly host: string;
      readonly ruleset: string;
      readonly address: string;
    }
  | { readonly type: 'FirewallTick'; readonly minutes: number };

function install(fw: HostFirewall, now: number, variant: Variant): HostFirewall {
  const already = fw.vibs.some((v) => v.name === VR2C_VIB);
  // Installing twice equals once (F6), unless the defect appends a second copy of the ruleset.
  if (already && !has(variant, 'vib-install-duplicates-ruleset')) return fw;
  return {
    ...fw,
    vibs: already
      ? fw.vibs
      : [
          ...fw.vibs,
          // Version, vendor and acceptance level are placeholders: no source gives them
          // (research-notes D, UNCONFIRMED).
          {
            name: VR2C_VIB,
            version: '6.5.0',
            vendor: 'VMware',
            acceptance: 'VMwareCertified',
            installedAt: now,
          },
        ],
    rulesets: [...fw.rulesets, toCloudRuleset(variant)],
  };
}

/** The appliance's automatic push through the vCenter reverse proxy on port 80 (notes D). */
function autoInstall(fw: HostFirewall, now: number, variant: Variant): HostFirewall {
  if (!fw.connected) return fw;
  if (fw.vibs.some((v) => v.name === VR2C_VIB) && !has(variant, 'vib-install-duplicates-ruleset'))
    return fw;
  // seed 003: ESXi 6.5U1 cannot fetch the vib; esxupdate.log has curl#56 and no ruleset appears.
  if (fw.version === '6.5U1' && !has(variant, 'vib-installs-on-65u1')) {
    return { ...fw, esxupdateLog: [...fw.esxupdateLog, CURL56] };
  }
  return install(fw, now, variant);
}

export interface FirewallWorld {
  readonly now: number;
  readonly hosts: Readonly<Record<string, HostFirewall>>;
}

export function firewallStep(
  w: FirewallWorld,
  e: FirewallEvent,
  variant: Variant,
): { world: FirewallWorld; error?: string } {
  const put = (fw: HostFirewall): FirewallWorld => ({ ...w, hosts: { ...w.hosts, [fw.host]: fw } });
  if (e.type === 'FirewallTick') return { world: { ...w, now: w.now + e.minutes } };
  if (e.type === 'ApplianceBoot') {
    const hosts: Record<string, HostFirewall> = {};
    for (const [k, fw] of Object.entries(w.hosts)) hosts[k] = autoInstall(fw, w.now, variant);
    return { world: { ...w, hosts } };
  }
  const fw = w.hosts[e.host];
  if (!fw) return { world: w, error: `no host named ${e.host}` };
  switch (e.type) {
    case 'HostConnect':
      return { world: put(autoInstall({ ...fw, connected: true }, w.now, variant)) };
    case 'HostDisconnect':
      return { world: put({ ...fw, connected: false }) };
    case 'VibInstallManual':
      // The manual install needs no download, so it works on every version (seed 003).
      return { world: put(install(fw, w.now, variant)) };
    case 'VibRemove':
      if (!fw.vibs.some((v) => v.name === VR2C_VIB))
        return { world: w, error: `${e.host}: ${VR2C_VIB} is not installed` };
      return {
        world: put({
          ...fw,
          vibs: fw.vibs.filter((v) => v.name !== VR2C_VIB),
          rulesets: fw.rulesets.filter((r) => r.vib !== VR2C_VIB),
        }),
      };
    case 'RulesetSet':
    case 'RulesetAllowedAll':
    case 'AllowedIpAdd':
    case 'AllowedIpRemove': {
      const rs = fw.rulesets.find((r) => r.id === e.ruleset);
      if (!rs) return { world: w, error: `${e.host}: no ruleset ${e.ruleset}` };
      const next = rulesetChange(rs, e);
      if (typeof next === 'string') return { world: w, error: `${e.host}: ${next}` };
      return {
        world: put({ ...fw, rulesets: fw.rulesets.map((r) => (r.id === e.ruleset ? next : r)) }),
      };
    }
  }
}

/**
 * One host's firewall after esxcli changes, in order; the first change the host refuses stops
 * them, and is returned with its error beside the firewall as it was before it.
 */
export function hostAfter(
  fw: HostFirewall,
  events: readonly FirewallEvent[],
  variant: Variant,
): { fw: HostFirewall; refused?: { event: FirewallEvent; error: string } } {
  let w: FirewallWorld = { now: 0, hosts: { [fw.host]: fw } };
  for (const event of events) {
    const r = firewallStep(w, event, variant);
    if (r.error !== undefined)
      return { fw: w.hosts[fw.host] ?? fw, refused: { event, error: r.error } };
    w = r.world;
  }
  return { fw: w.hosts[fw.host] ?? fw };
}

/** The ruleset after an esxcli change, or why esxcli refuses it. */
function rulesetChange(
  rs: Ruleset,
  e: Extract<
    FirewallEvent,
    { type: 'RulesetSet' | 'RulesetAllowedAll' | 'AllowedIpAdd' | 'AllowedIpRemove' }
  >,
): Ruleset | string {
  if (e.type === 'RulesetSet') {
    // 8.0U2 lists whether a ruleset may be switched; esxcli's wording for a refusal is not in
    // the sources, so this message is ours (research-notes F).
    if (rs.configurable?.enable === false)
      return `${rs.id}: its Enable/Disable configurable is false, so the host refuses to enable or disable it`;
    return { ...rs, enabled: e.enabled };
  }
  if (rs.configurable?.allowedIp === false) return `${rs.id}: ${ALLOWED_IP_REFUSED}`;
  if (e.type === 'RulesetAllowedAll') return { ...rs, allowedAll: e.allowedAll };
  const p = parseAllowedIp(e.address);
  if (!p)
    return `${rs.id}: expected an IPv4 address or prefix such as 10.12.12.10 or 10.12.12.0/24, got "${e.address}"`;
  if (e.type === 'AllowedIpAdd') {
    if (rs.allowedIps.some((a) => sameAllowedIp(a, p)))
      return `${rs.id}: ${e.address} is already an allowed IP`;
    return { ...rs, allowedIps: [...rs.allowedIps, e.address] };
  }
  if (!rs.allowedIps.some((a) => sameAllowedIp(a, p)))
    return `${rs.id}: ${e.address} is not an allowed IP`;
  return { ...rs, allowedIps: rs.allowedIps.filter((a) => !sameAllowedIp(a, p)) };
}

/** True iff an allowed-IP entry names the same address or prefix as `p`. */
function sameAllowedIp(entry: string, p: { addr: number; len: number }): boolean {
  const q = parseAllowedIp(entry);
  return q !== null && q.addr === p.addr && q.len === p.len;
}

/** `esxcli software vib list` rows for the vibs the model tracks. */
export function vibList(
  fw: HostFirewall,
): { name: string; version: string; vendor: string; acceptance: string }[] {
  return fw.vibs.map((v) => ({
    name: v.name,
    version: v.version,
    vendor: v.vendor,
    acceptance: v.acceptance,
  }));
}

/** `esxcli network firewall ruleset list` rows. */
export function rulesetList(fw: HostFirewall): { name: string; enabled: boolean }[] {
  return fw.rulesets.map((r) => ({ name: r.id, enabled: r.enabled }));
}
