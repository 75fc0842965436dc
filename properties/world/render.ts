// World cases in words: the sites, then events with names resolved.
import { hostFromSetup } from '../../model/network/host.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import { initWorld, type WorldEvent, type WorldState, worldStep } from '../../model/world/world.ts';
import { formatFirewallEvent } from '../firewall/render.ts';
import { formatNetEvent, hostLines } from '../network/render.ts';
import type { AnyScenario, AreaRender } from '../registry-types.ts';
import { formatEvent, formatSetup } from '../replication/render.ts';
import type { WorldCase } from './properties.ts';

export function formatWorldEvent(e: WorldEvent): string {
  switch (e.type) {
    case 'Tick':
      return `TimeAdvance(+${e.minutes} min)`;
    case 'Failover':
      return `Failover(${e.vm}, ${e.pick === 0 ? 'latest instance' : `instance ${e.pick} back`})`;
    case 'Reprotect':
      return `Reprotect(${e.vm}, back to the primary site)`;
    case 'RouteAdd':
    case 'RouteRemove':
    case 'Reboot':
    case 'TagRemove':
    case 'TagAdd':
      return formatNetEvent(e);
    case 'RulesetSet':
    case 'ApplianceBoot':
    case 'VibInstallManual':
    case 'VibRemove':
      return formatFirewallEvent(e);
    default:
      return formatEvent(e);
  }
}

/** What a reader needs about the world at one moment, one line per fact. */
export function worldFacts(w: WorldState): string[] {
  const out: string[] = [`clock ${w.repl.clock} min, link ${w.repl.link}`];
  for (const vm of Object.values(w.repl.vms)) {
    const r = vm.repl;
    const latest = r?.instances[r.instances.length - 1];
    out.push(
      `${vm.name}: ${vm.power}, ${r ? `${r.cycle ? `${r.cycle.kind} cycle ${r.cycle.sent}/${r.cycle.toSend.length}` : 'idle'}, last instance of minute ${latest?.pitClock ?? 'none'}, RPO ${r.rpoMinutes} min${w.violated[vm.name] ? ' (violated)' : ''}` : 'not replicated'}`,
    );
  }
  for (const [vm, rec] of Object.entries(w.recovered))
    out.push(`${vm} recovered from the instance of minute ${rec.pitClock}`);
  return out;
}

export const WORLD_RENDER: AreaRender = {
  formatSetup: (s) => {
    const c = s as WorldCase['setup'];
    const vrs = c.topology.appliances
      .filter((a) => a.role === 'vrs')
      .map((a) => `${a.site}: ${a.ip}`);
    return [
      `${c.toCloud ? 'to-the-cloud' : 'host-to-host'} replication, ${c.bandwidth} block(s)/min; VRS ${vrs.join(', ')}`,
      ...formatSetup(c.replication).slice(1),
      ...c.hosts.flatMap((h) => hostLines(hostFromSetup(h))),
    ];
  },
  formatEvent: (e) => formatWorldEvent(e as WorldEvent),
  stateDiff: (variantName, setup, events, at) => {
    if (at < 1) return [];
    const variant = variantByName(variantName) ?? CORRECT;
    let w = initWorld(setup as WorldCase['setup'], variant);
    for (let i = 0; i < at - 1; i++) w = worldStep(w, events[i] as WorldEvent).state;
    const r = worldStep(w, events[at - 1] as WorldEvent);
    const a = new Set(worldFacts(w));
    const out = worldFacts(r.state)
      .filter((l) => !a.has(l))
      .map((l) => `now ${l}`);
    const runs: { from: number; to: number; line: string; at: number }[] = [];
    for (const e of r.emitted) {
      if (e.kind === 'rpoViolated')
        out.push(
          `minute ${e.clock}: com.vmware.vcHms.rpoViolatedEvent ${e.vm}, violated by ${e.minutes} minute(s)`,
        );
      if (e.kind === 'rpoRestored')
        out.push(`minute ${e.clock}: com.vmware.vcHms.rpoRestoredEvent ${e.vm}`);
      if (e.kind === 'blocked') {
        // A blockage lasting many minutes reads as one line: "minutes 1-16: ...".
        const line = `${e.vm} blocked: ${e.reason}`;
        const last = runs[runs.length - 1];
        if (last && last.line === line && last.to === e.clock - 1) last.to = e.clock;
        else runs.push({ from: e.clock, to: e.clock, line, at: out.length });
        continue;
      }
      if (e.kind === 'reprotect')
        out.push(
          `${e.vm} reprotect: ${e.optimized ? 'optimized (psf) delta' : 'full sync'} sends ${e.sent} block(s); ${e.delivered ? 'delivered' : `blocked: ${e.reason}`}`,
        );
    }
    for (const run of [...runs].reverse()) {
      const when = run.from === run.to ? `minute ${run.from}` : `minutes ${run.from}-${run.to}`;
      out.splice(run.at, 0, `${when}: ${run.line}`);
    }
    if (r.error) out.push(`(refused: ${r.error})`);
    return out.slice(0, 40);
  },
  eventFields: {
    Tick: ['minutes'],
    GuestWrite: ['vm', 'disk', 'block'],
    ConfigureReplication: ['vm', 'rpoMinutes', 'retention', 'seed'],
    SyncNow: ['vm'],
    VMotion: ['vm', 'host'],
    LinkDown: [],
    LinkUp: [],
    VrsRestart: [],
    HostCrash: ['host', 'psf'],
    PowerOff: ['vm'],
    PowerOn: ['vm'],
    Pause: ['vm'],
    Resume: ['vm'],
    RouteAdd: ['host', 'netstack', 'network', 'gateway', 'persist'],
    RouteRemove: ['host', 'netstack', 'network'],
    Reboot: ['host'],
    TagRemove: ['host', 'vmk', 'tag'],
    TagAdd: ['host', 'vmk', 'tag'],
    RulesetSet: ['host', 'ruleset', 'enabled'],
    ApplianceBoot: [],
    VibInstallManual: ['host'],
    VibRemove: ['host'],
    Failover: ['vm', 'pick'],
    Reprotect: ['vm'],
  },
  reduce: (sc: AnyScenario) => {
    const c = sc as WorldCase;
    const vms = c.setup.replication.vms;
    if (vms.length <= 1) return [];
    return vms.map((vm) => ({
      setup: {
        ...c.setup,
        replication: { ...c.setup.replication, vms: vms.filter((v) => v.name !== vm.name) },
      },
      events: c.events.filter((e) => (e as { vm?: string }).vm !== vm.name),
    }));
  },
};
