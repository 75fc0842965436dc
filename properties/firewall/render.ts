// Firewall cases in words.
import {
  decide,
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
  nfcPacket,
  type Packet,
} from '../../model/firewall/firewall.ts';
import { mobilityFindings } from '../../model/firewall/mobility.ts';
import { CORRECT, type Variant, variantByName } from '../../model/variants.ts';
import type { AnyScenario, AreaRender, Fact } from '../registry-types.ts';
import { type FwCase, VR_APPLIANCE, VR_SERVER } from './properties.ts';

export function formatFirewallEvent(e: FirewallEvent): string {
  switch (e.type) {
    case 'ApplianceBoot':
      return 'ApplianceBoot(VR appliance pushes vr2c-firewall.vib)';
    case 'FirewallTick':
      return `TimeAdvance(+${e.minutes} min)`;
    case 'RulesetSet':
      return `RulesetSet(${e.host}, ${e.ruleset}, ${e.enabled ? 'enabled' : 'disabled'})`;
    case 'RulesetAllowedAll':
      return `RulesetAllowedAll(${e.host}, ${e.ruleset}, ${e.allowedAll ? 'every address' : 'only its allowed IPs'})`;
    case 'AllowedIpAdd':
    case 'AllowedIpRemove':
      return `${e.type}(${e.host}, ${e.ruleset}, ${e.address})`;
    default:
      return `${e.type}(${e.host})`;
  }
}

function hostFacts(w: FirewallWorld, host: string): string[] {
  const fw = w.hosts[host];
  if (!fw) return [];
  return [
    `${host} vibs: ${fw.vibs.map((v) => v.name).join(', ') || 'none'}`,
    `${host} rulesets: ${fw.rulesets.map((r) => `${r.id}${r.enabled ? '' : ' (disabled)'}${r.allowedAll ? '' : ` (allowed IPs: ${r.allowedIps.join(', ') || 'none'})`}`).join(', ')}`,
    ...fw.esxupdateLog.map((l, i) => `${host} esxupdate.log[${i}]: ${l}`),
  ];
}

/** Every host's firewall as it starts, before any event. */
export function firewallsOf(hosts: FwCase['setup']['hosts'], variant: Variant): FirewallWorld {
  return {
    now: 0,
    hosts: Object.fromEntries(hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)])),
  };
}

/** Each host's vibs, rulesets, log and verdict per replication port; the mobility findings. */
function fwFacts(c: FwCase['setup'], w: FirewallWorld, variant: Variant, error?: string): Fact[] {
  const out: Fact[] = [];
  for (const h of c.hosts) {
    for (const line of hostFacts(w, h.name)) {
      const at = line.indexOf(': ');
      out.push([line.slice(0, at), line.slice(at + 2)]);
    }
    const fw = w.hosts[h.name];
    if (!fw) continue;
    // To the cloud and to the VR server out; NFC in from the VR server (research-notes A1).
    const packets: Packet[] = [
      { direction: 'outbound', protocol: 'tcp', port: 10000, remote: VR_APPLIANCE },
      { direction: 'outbound', protocol: 'tcp', port: 31031, remote: VR_SERVER },
      { direction: 'outbound', protocol: 'tcp', port: 44046, remote: VR_SERVER },
      nfcPacket(VR_SERVER, variant),
    ];
    for (const p of packets) {
      const v = decide(fw, p, variant);
      out.push([
        `${h.name} TCP ${p.port} ${p.direction === 'inbound' ? `in from ${p.remote}` : `out to ${p.remote}`}`,
        v.action === 'allow' ? `allowed: ${v.reason}` : 'dropped (default action DROP)',
      ]);
    }
  }
  const found = mobilityFindings(c.placements, w.hosts, variant, VR_APPLIANCE);
  out.push(['mobility findings', found.map((f) => f.message).join('; ') || 'none']);
  if (error !== undefined) out.push(['step outcome', `refused: ${error}`]);
  return out;
}

export const FIREWALL_RENDER: AreaRender = {
  formatSetup: (s) => {
    const c = s as FwCase['setup'];
    return [
      ...c.hosts.map((h) => `${h.name}: ESXi ${h.version}, firewall enabled, default action DROP`),
      ...(c.probes && c.probes.length > 0
        ? [
            `probes: ${c.probes.map((p) => `${p.direction} ${p.protocol} ${p.port} ${p.direction === 'inbound' ? 'from' : 'to'} ${p.remote}`).join('; ')}`,
          ]
        : []),
      ...c.placements.map(
        (p) =>
          `${p.vm} on ${p.host}${p.toCloud ? ', replicated to the cloud' : ''}; cluster ${p.cluster.join(', ')}`,
      ),
    ];
  },
  formatEvent: (e) => formatFirewallEvent(e as FirewallEvent),
  stateDiff: (variantName, setup, events, at) => {
    if (at < 1) return [];
    const variant = variantByName(variantName) ?? CORRECT;
    const c = setup as FwCase['setup'];
    let w = firewallsOf(c.hosts, variant);
    for (let i = 0; i < at - 1; i++) w = firewallStep(w, events[i] as FirewallEvent, variant).world;
    const next = firewallStep(w, events[at - 1] as FirewallEvent, variant).world;
    const out: string[] = [];
    for (const h of c.hosts) {
      const a = new Set(hostFacts(w, h.name));
      const b = hostFacts(next, h.name);
      // As a diff reads: what went, then what came.
      for (const l of a) if (!b.includes(l)) out.push(`- ${l}`);
      for (const l of b) if (!a.has(l)) out.push(`+ ${l}`);
    }
    return out;
  },
  facts: (variantName, setup, events) => {
    const variant = variantByName(variantName) ?? CORRECT;
    const c = setup as FwCase['setup'];
    let w = firewallsOf(c.hosts, variant);
    const out = [fwFacts(c, w, variant)];
    for (const e of events as FirewallEvent[]) {
      const r = firewallStep(w, e, variant);
      w = r.world;
      out.push(fwFacts(c, w, variant, r.error));
    }
    return out;
  },
  eventFields: {
    ApplianceBoot: [],
    HostConnect: ['host'],
    HostDisconnect: ['host'],
    VibInstallManual: ['host'],
    VibRemove: ['host'],
    RulesetSet: ['host', 'ruleset', 'enabled'],
    RulesetAllowedAll: ['host', 'ruleset', 'allowedAll'],
    AllowedIpAdd: ['host', 'ruleset', 'address'],
    AllowedIpRemove: ['host', 'ruleset', 'address'],
    FirewallTick: ['minutes'],
  },
  reduce: (sc: AnyScenario) => {
    const c = sc as FwCase;
    return c.setup.placements.map((_, i) => ({
      ...c,
      setup: { ...c.setup, placements: c.setup.placements.filter((__, j) => j !== i) },
    }));
  },
};
