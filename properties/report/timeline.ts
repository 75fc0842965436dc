// Who acts in each step of a counterexample: the lanes of the HTML swimlane and the
// participants of the Mermaid diagram come from this one table.
import type { CounterexampleRecord } from '../harness.ts';
import { areaOf } from '../registry.ts';

export type Lane = 'host' | 'network' | 'firewall' | 'vrs' | 'target';

export const LANES: readonly { readonly id: Lane; readonly label: string }[] = [
  { id: 'host', label: 'source host' },
  { id: 'network', label: 'network' },
  { id: 'firewall', label: 'firewall' },
  { id: 'vrs', label: 'VRS' },
  { id: 'target', label: 'NFC / target' },
];

/** Where each protocol step happens (seed 001: host filter -> 31031/44046 -> VRS -> NFC 902). */
const LANE_OF: Readonly<Record<string, Lane>> = {
  GuestWrite: 'host',
  TimeAdvance: 'host',
  CycleStart: 'host',
  SyncNow: 'host',
  HostCrash: 'host',
  PowerOff: 'host',
  PowerOn: 'host',
  Pause: 'host',
  Resume: 'host',
  ConfigureReplication: 'host',
  UnconfigureReplication: 'host',
  ChunkDelivered: 'network',
  LinkDown: 'network',
  LinkUp: 'network',
  VrsRestart: 'vrs',
  BundleCommit: 'target',
  NfcFail: 'target',
  SeedCopy: 'target',
  Reboot: 'host',
  VmkAdd: 'host',
  VmkRemove: 'host',
  TagAdd: 'host',
  TagRemove: 'host',
  NetstackAdd: 'host',
  RouteAdd: 'network',
  RouteRemove: 'network',
  RoutePersist: 'network',
  GatewaySet: 'network',
  HostConnect: 'host',
  HostDisconnect: 'host',
  Tick: 'host',
  FirewallTick: 'host',
  // The VR appliance runs the VRS and pushes the firewall vib on boot (seed 003).
  ApplianceBoot: 'vrs',
  VibInstallManual: 'firewall',
  VibRemove: 'firewall',
  RulesetSet: 'firewall',
  RulesetAllowedAll: 'firewall',
  AllowedIpAdd: 'firewall',
  AllowedIpRemove: 'firewall',
  Failover: 'target',
  Reprotect: 'target',
};

/** Steps that carry data from one role to another, drawn as arrows. */
const FLOW_OF: Readonly<Record<string, readonly [Lane, Lane]>> = {
  CycleStart: ['host', 'vrs'],
  ChunkDelivered: ['host', 'vrs'],
  BundleCommit: ['vrs', 'target'],
};

export function laneOf(eventType: string): Lane {
  // Event kinds added later (the firewall's rulesets, vib installs) land in their lane unlisted.
  return LANE_OF[eventType] ?? (/firewall|ruleset|rule|vib/i.test(eventType) ? 'firewall' : 'host');
}

export interface TimelineEntry {
  /** 1-based, as in the printed timeline. */
  readonly step: number;
  readonly type: string;
  readonly text: string;
  readonly lane: Lane;
  readonly flow?: readonly [Lane, Lane];
  /** The host an event names, when it names one (network and firewall changes do). */
  readonly host?: string;
  readonly failing: boolean;
}

export function timelineOf(rec: CounterexampleRecord): TimelineEntry[] {
  const area = areaOf(rec.area);
  return rec.events.map((e, i) => {
    const ev = (typeof e === 'object' && e !== null ? e : {}) as {
      type?: unknown;
      host?: unknown;
    };
    const type = String(ev.type ?? '?');
    const flow = FLOW_OF[type];
    return {
      step: i + 1,
      type,
      text: area.formatEvent(e),
      lane: laneOf(type),
      ...(flow ? { flow } : {}),
      ...(typeof ev.host === 'string' ? { host: ev.host } : {}),
      failing: i + 1 === rec.violation.step,
    };
  });
}
