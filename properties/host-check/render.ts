// Host-check cases in words: the sites, each host with its vmks, its firewall and the formatter
// its output was handed over in; the admin's esxcli changes as firewall events.
import type { HostFirewall } from '../../model/firewall/firewall.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import { FIREWALL_RENDER, formatFirewallEvent } from '../firewall/render.ts';
import type { AnyScenario, AreaRender, Fact } from '../registry-types.ts';
import type { CheckCase, FirewallSetup } from './arbitraries.ts';
import { modelFirewalls, runCase } from './properties.ts';

const rulesText = (
  rules: readonly { direction: string; protocol: string; begin: number; end: number }[],
) =>
  rules
    .map(
      (r) => `${r.direction} ${r.protocol} ${r.begin === r.end ? r.begin : `${r.begin}-${r.end}`}`,
    )
    .join(', ');

function firewallLine(f: FirewallSetup): string {
  const custom = f.custom.map(
    (c) => `${c.id}${c.enabled ? '' : ' (disabled)'}: ${rulesText(c.rules)}`,
  );
  return `${f.host} firewall: built-in rulesets in their default states${f.vib ? ', vr2c-firewall installed' : ', no vr2c-firewall'}${custom.length ? `; added ${custom.join('; ')}` : ''}; output as ${f.format === 'transcript' ? 'a transcript' : f.format}`;
}

const rulesetsText = (fw: HostFirewall) =>
  fw.rulesets
    .map(
      (r) =>
        `${r.id}${r.enabled ? '' : ' (disabled)'}${r.allowedAll ? '' : ` (allowed IPs: ${r.allowedIps.join(', ') || 'none'})`}`,
    )
    .join(', ');
const rulesetsLine = (fw: HostFirewall) => `${fw.host} rulesets: ${rulesetsText(fw)}`;

export const HOST_CHECK_RENDER: AreaRender = {
  formatSetup: (s) => {
    const c = s as CheckCase['setup'];
    const t = c.topology;
    return [
      `replication ${t.replication.map((r) => `${r.from} -> ${r.to}`).join(', ')}${t.toCloud ? '; to the cloud from every site' : ''}`,
      `appliances: ${t.appliances.map((a) => `${a.role} ${a.ip} at ${a.site}`).join(', ')}`,
      ...c.hosts.map(
        (h) =>
          `${h.name} (ESXi ${h.version}, ${t.hosts.find((x) => x.name === h.name)?.site}): ${h.vmks.map((v) => `${v.name} ${v.address}${v.tags?.length ? ` ${v.tags.join('+')}` : ''}`).join(', ')}`,
      ),
      ...c.firewalls.map(firewallLine),
    ];
  },
  formatEvent: (e) => formatFirewallEvent(e as never),
  stateDiff: (variantName, setup, events, at) => {
    if (at < 1) return [];
    const variant = variantByName(variantName) ?? CORRECT;
    const c = { setup: setup as CheckCase['setup'], events: events as CheckCase['events'] };
    const before = modelFirewalls(c, variant, at - 1).world;
    const after = modelFirewalls(c, variant, at);
    const out: string[] = [];
    for (const h of c.setup.hosts) {
      const a = before.hosts[h.name];
      const b = after.world.hosts[h.name];
      if (a && b && rulesetsLine(a) !== rulesetsLine(b))
        out.push(`- ${rulesetsLine(a)}`, `+ ${rulesetsLine(b)}`);
    }
    const refused = after.errors[at - 1];
    if (refused) out.push(`refused: ${refused}`);
    return out;
  },
  // After each step: each host's rulesets as the model holds them, and the check's verdict on
  // every flow it judges the firewall for, read from the hosts written out as esxcli prints them.
  facts: (variantName, setup, events) => {
    const variant = variantByName(variantName) ?? CORRECT;
    const c = { setup: setup as CheckCase['setup'], events: events as CheckCase['events'] };
    return Array.from({ length: c.events.length + 1 }, (_, k) => {
      const cut = { ...c, events: c.events.slice(0, k) };
      const { world, errors } = modelFirewalls(cut, variant);
      const facts: Fact[] = [];
      for (const h of c.setup.hosts) {
        const fw = world.hosts[h.name];
        if (fw) facts.push([`${h.name} rulesets`, rulesetsText(fw)]);
      }
      for (const x of runCase(cut, variant).result.checked)
        if (x.covered.includes('F1') || x.covered.includes('F2'))
          facts.push([`${x.host} ${x.class} ${x.flow}`, `${x.verdict}: ${x.detail}`]);
      const refused = k > 0 ? errors[k - 1] : undefined;
      if (refused) facts.push(['step outcome', `refused: ${refused}`]);
      return facts;
    });
  },
  eventFields: FIREWALL_RENDER.eventFields,
  // Smaller cases for the shortest story: a host's added ruleset, its vib, its formatter.
  reduce: (sc: AnyScenario) => {
    const c = sc as CheckCase;
    const withFw = (i: number, f: FirewallSetup): AnyScenario => ({
      ...c,
      setup: { ...c.setup, firewalls: c.setup.firewalls.map((x, j) => (j === i ? f : x)) },
    });
    return c.setup.firewalls.flatMap((f, i) => [
      ...f.custom.map((_, k) => withFw(i, { ...f, custom: f.custom.filter((__, j) => j !== k) })),
      ...(f.vib ? [withFw(i, { ...f, vib: false })] : []),
      ...(f.format !== 'text' ? [withFw(i, { ...f, format: 'text' })] : []),
    ]);
  },
};
