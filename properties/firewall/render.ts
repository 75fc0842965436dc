// Firewall cases in words.
import {
  type FirewallEvent,
  type FirewallWorld,
  firewallStep,
  initFirewall,
} from '../../model/firewall/firewall.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import type { AnyScenario, AreaRender } from '../registry-types.ts';
import type { FwCase } from './properties.ts';

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
    let w: FirewallWorld = {
      now: 0,
      hosts: Object.fromEntries(
        c.hosts.map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
      ),
    };
    for (let i = 0; i < at - 1; i++) w = firewallStep(w, events[i] as FirewallEvent, variant).world;
    const next = firewallStep(w, events[at - 1] as FirewallEvent, variant).world;
    const out: string[] = [];
    for (const h of c.hosts) {
      const a = new Set(hostFacts(w, h.name));
      const b = hostFacts(next, h.name);
      for (const l of b) if (!a.has(l)) out.push(`+ ${l}`);
      for (const l of a) if (!b.includes(l)) out.push(`- ${l}`);
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
