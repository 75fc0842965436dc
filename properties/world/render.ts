// World cases in words: the sites, then events with names resolved.
import { hostFromSetup } from '../../model/network/host.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import {
  initWorld,
  type WorldEmitted,
  type WorldEvent,
  type WorldState,
  type WorldStep,
  worldStatus,
  worldStep,
} from '../../model/world/world.ts';
import { formatFirewallEvent } from '../firewall/render.ts';
import { formatNetEvent, hostLines } from '../network/render.ts';
import type { AnyScenario, AreaRender, Fact } from '../registry-types.ts';
import { formatEvent, formatSetup, stateFacts } from '../replication/render.ts';
import type { WorldCase } from './properties.ts';

export function formatWorldEvent(e: WorldEvent): string {
  switch (e.type) {
    case 'Tick':
      return `TimeAdvance(+${e.minutes} min)`;
    case 'Failover':
      return `${e.planned ? 'PlannedMigration' : 'Failover'}(${e.vm}, ${e.pick === 0 ? 'latest instance' : `instance ${e.pick} back`})`;
    case 'Reprotect':
      return `Reprotect(${e.vm}, back to the primary site)`;
    case 'RouteAdd':
    case 'RouteRemove':
    case 'Reboot':
    case 'TagRemove':
    case 'TagAdd':
      return formatNetEvent(e);
    case 'RulesetSet':
    case 'RulesetAllowedAll':
    case 'AllowedIpAdd':
    case 'AllowedIpRemove':
    case 'ApplianceBoot':
    case 'VibInstallManual':
    case 'VibRemove':
      return formatFirewallEvent(e);
    default:
      return formatEvent(e);
  }
}

/** What a reader needs about the world at one moment, one line per fact. */
export function worldLines(w: WorldState): string[] {
  const out: string[] = [`clock ${w.repl.clock} min, link ${w.repl.link}`];
  for (const vm of Object.values(w.repl.vms)) {
    const r = vm.repl;
    const latest = r?.instances[r.instances.length - 1];
    out.push(
      `${vm.name}: ${vm.power}, ${r ? `${r.cycle ? `${r.cycle.kind} cycle ${r.cycle.sent}/${r.cycle.toSend.length}` : 'idle'}, last instance of minute ${latest?.pitClock ?? 'none'}, RPO ${r.rpoMinutes} min, shows ${worldStatus(w, vm.name)}` : 'not replicated'}`,
    );
  }
  for (const [vm, rec] of Object.entries(w.recovered))
    out.push(
      `${vm} recovered from the instance of minute ${rec.pitClock}${rec.planned ? ' by a planned migration' : ''}`,
    );
  return out;
}

function formatWorldEmitted(e: WorldEmitted): string {
  switch (e.kind) {
    case 'committed':
      return `minute ${e.clock}: ${e.vm} instance of minute ${e.pitClock} committed`;
    case 'started':
      return `minute ${e.clock}: ${e.vm} ${e.cycle === 'full' ? 'full sync' : 'delta'} transfer starts`;
    case 'blocked':
      return `minute ${e.clock}: ${e.vm} blocked: ${e.reason}`;
    case 'nfcBlocked':
      return `minute ${e.clock}: ${e.vm} NFC blocked: ${e.reason}`;
    case 'delivered':
      return `minute ${e.clock}: ${e.vm} ${e.blocks} block(s) delivered`;
    case 'rpoViolated':
      return `minute ${e.clock}: rpoViolatedEvent ${e.vm}, violated by ${e.minutes} minute(s)`;
    case 'rpoRestored':
      return `minute ${e.clock}: rpoRestoredEvent ${e.vm}`;
    case 'failover':
      return `minute ${e.clock}: ${e.vm} failed over to the instance of minute ${e.pitClock}`;
    case 'reprotect':
      return `minute ${e.clock}: ${e.vm} reprotect sends ${e.sent} block(s) (${e.optimized ? 'optimized: the psf names them' : 'full sync: both disks checksummed'}), ${e.delivered ? 'delivered' : `blocked: ${e.reason}`}`;
  }
}

/** The world's facts: the replication state, RPO verdicts, recoveries, and the step's events. */
export function worldFacts(w: WorldState, r?: WorldStep): Fact[] {
  // The status as the world shows it: "(RPO violation)" and Recovered are world facts.
  const shown = new Map(Object.keys(w.repl.vms).map((vm) => [`${vm} status`, worldStatus(w, vm)]));
  const out: Fact[] = stateFacts(w.repl)
    .filter(([k]) => k !== 'step outcome')
    .map(([k, v]) => (shown.has(k) ? [k, shown.get(k) ?? 'not replicated'] : [k, v]));
  for (const vm of Object.keys(w.repl.vms))
    out.push([`${vm} RPO violation raised`, w.violated[vm] ? 'yes' : 'no']);
  const image = (b: Readonly<Record<number, number>>) =>
    Object.entries(b)
      .map(([k, c]) => `${k}=w${c}`)
      .join(' ') || 'empty';
  for (const [vm, rec] of Object.entries(w.recovered)) {
    out.push([`${vm} recovered from`, `the instance of minute ${rec.pitClock}`]);
    for (const [d, b] of Object.entries(rec.disks)) out.push([`${vm} recovered ${d}`, image(b)]);
  }
  for (const [vm, s] of Object.entries(w.reversed)) {
    const r = s.vms[vm]?.repl;
    const inst = r?.instances[r.instances.length - 1];
    out.push([`${vm} reverse replication`, r ? `${r.blocksSent} block(s) sent` : 'none']);
    for (const [d, b] of Object.entries(inst?.disks ?? {}))
      out.push([`${vm} primary copy ${d} after reprotect`, image(b)]);
  }
  if (r) {
    out.push(['step outcome', r.error ? `refused: ${r.error}` : 'applied']);
    // Minute-by-minute lines of one Tick can be many: blocked minutes collapse to a count.
    const blocked = r.emitted.filter((e) => e.kind === 'blocked').length;
    const rest = r.emitted.filter((e) => e.kind !== 'blocked').map(formatWorldEmitted);
    out.push([
      'step emitted',
      [...(blocked > 0 ? [`${blocked} blocked minute(s)`] : []), ...rest].join('; ') || 'nothing',
    ]);
  }
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
    const a = new Set(worldLines(w));
    const out = worldLines(r.state)
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
      if (e.kind === 'started')
        out.push(
          `minute ${e.clock}: ${e.vm} starts a ${e.cycle === 'full' ? 'full sync' : 'delta'}`,
        );
      if (e.kind === 'blocked' || e.kind === 'nfcBlocked') {
        // A blockage lasting many minutes reads as one line: "minutes 1-16: ...".
        const line = `${e.vm} ${e.kind === 'blocked' ? 'blocked' : 'NFC blocked'}: ${e.reason}`;
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
  facts: (variantName, setup, events) => {
    let w = initWorld(setup as WorldCase['setup'], variantByName(variantName) ?? CORRECT);
    const out = [worldFacts(w)];
    for (const e of events as WorldEvent[]) {
      const r = worldStep(w, e);
      w = r.state;
      out.push(worldFacts(w, r));
    }
    return out;
  },
  eventFields: {
    Tick: ['minutes'],
    GuestWrite: ['vm', 'disk', 'block'],
    ConfigureReplication: ['vm', 'rpoMinutes', 'perDay', 'days', 'seed'],
    SyncNow: ['vm'],
    SeedCopy: ['vm', 'uuid'],
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
    RulesetAllowedAll: ['host', 'ruleset', 'allowedAll'],
    AllowedIpAdd: ['host', 'ruleset', 'address'],
    AllowedIpRemove: ['host', 'ruleset', 'address'],
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
