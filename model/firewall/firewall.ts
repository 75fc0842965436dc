// The ESXi host firewall and the vr2c-firewall vib's lifecycle, as a pure step function.
// Sources: research-notes C7 and D, seed 003.

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
  readonly allowedAll: boolean;
  readonly rules: readonly Rule[];
  /** The vib that brought it, for rulesets that are not built in. */
  readonly vib: string | null;
}

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
/** seed 003: the 6.5U1 download failure, as esxupdate.log records it. */
export const CURL56 = '[Errno 14] curl#56 - "Content-Length: in 200 response"';

/** Built-in rulesets for replication: HBR (31031, 44046) and NFC (902) outgoing (notes A1, D). */
export function builtInRulesets(): Ruleset[] {
  const out = (begin: number, end = begin): Rule => ({
    direction: 'outbound',
    protocol: 'tcp',
    portType: 'dst',
    begin,
    end,
  });
  return [
    {
      id: 'HBR',
      label: 'vSphere Replication',
      enabled: true,
      allowedAll: true,
      rules: [out(31031), out(44046)],
      vib: null,
    },
    { id: 'NFC', label: 'NFC', enabled: true, allowedAll: true, rules: [out(902)], vib: null },
    {
      id: 'httpClient',
      label: 'httpClient',
      enabled: true,
      allowedAll: true,
      rules: [out(80), out(443)],
      vib: null,
    },
  ];
}

/** What the vr2c-firewall vib adds: TCP 10000-10010 outgoing, enabled at once (notes D). */
function toCloudRuleset(variant: Variant): Ruleset {
  const rules: Rule[] = [
    { direction: 'outbound', protocol: 'tcp', portType: 'dst', begin: 10000, end: 10010 },
  ];
  if (has(variant, 'hbr-rule-in-vib')) {
    rules.push({
      direction: 'outbound',
      protocol: 'tcp',
      portType: 'dst',
      begin: 31031,
      end: 31031,
    });
  }
  return {
    id: TO_CLOUD_RULESET,
    label: 'Replication-to-Cloud Traffic',
    enabled: true,
    allowedAll: true,
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

/** The firewall's verdict for a packet, naming the ruleset and rule, or default-drop. */
export function decide(fw: HostFirewall, p: Packet, variant: Variant): Verdict {
  if (!fw.enabled)
    return {
      action: 'allow',
      ruleset: '(firewall disabled)',
      rule: '-',
      reason: 'the firewall is disabled',
    };
  for (const rs of fw.rulesets) {
    if (!rs.enabled && !has(variant, 'ruleset-enabled-ignored')) continue;
    const rule = rs.rules.find(
      (r) =>
        r.direction === p.direction &&
        r.protocol === p.protocol &&
        r.begin <= p.port &&
        p.port <= r.end,
    );
    if (rule) {
      return {
        action: 'allow',
        ruleset: rs.id,
        rule: showRule(rule),
        reason: `${rs.id} allows ${showRule(rule)}`,
      };
    }
  }
  return {
    action: 'drop',
    ruleset: 'default-drop',
    rule: '-',
    reason: `no enabled ruleset allows ${p.direction} ${p.protocol} ${p.port}; default action DROP`,
  };
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
    return { ...fw, esxupdateLog: [...fw.esxupdateLog, `${VR2C_VIB}: ${CURL56}`] };
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
    case 'RulesetSet': {
      if (!fw.rulesets.some((r) => r.id === e.ruleset))
        return { world: w, error: `${e.host}: no ruleset ${e.ruleset}` };
      return {
        world: put({
          ...fw,
          rulesets: fw.rulesets.map((r) => (r.id === e.ruleset ? { ...r, enabled: e.enabled } : r)),
        }),
      };
    }
  }
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
