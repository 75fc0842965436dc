// VMkernel networking: vmks, netstacks with their own routing tables, static routes, and the
// events that change them. Addresses are numbers in state and dotted strings in events.
import type { EsxiVersion } from '../variants.ts';
import type { Ip, Prefix } from './ipv4.ts';

/** esxcli tag spellings (research-notes B; only Management and VSAN are confirmed verbatim). */
export const TAGS = [
  'Management',
  'VMotion',
  'vSphereReplication',
  'vSphereReplicationNFC',
  'faultToleranceLogging',
  'vSphereProvisioning',
  'VSAN',
] as const;
export type Tag = (typeof TAGS)[number];

export const DEFAULT_STACK = 'defaultTcpipStack';

/**
 * Where a vmk plugs in, as `esxcli network ip interface list` shows it (research-notes C1):
 * what re-creating the vmk needs, so that a printed fix can do it without a placeholder.
 */
export interface VmkAttach {
  /** The standard switch portgroup, or null on a distributed switch. */
  readonly portgroup: string | null;
  /** The distributed switch and port, or null on a standard switch. */
  readonly dvs: string | null;
  readonly dvport: string | null;
  readonly mtu: number;
}

export interface Vmk {
  readonly name: string;
  /** Creation order: among vmks sharing a subnet the first created one sends (KB 429518). */
  readonly order: number;
  readonly ip: Ip;
  readonly len: number;
  readonly netstack: string;
  readonly tags: readonly Tag[];
  /** Per-vmk gateway override, 6.5+ (research-notes B); null when none. */
  readonly gateway: Ip | null;
  /** Known when the host came from esxcli output; null for a generated host. */
  readonly attach: VmkAttach | null;
}

export interface StaticRoute {
  readonly netstack: string;
  readonly network: Prefix;
  readonly gateway: Ip;
  /** Also written where it survives a reboot on every build (local.sh, seed 000). */
  readonly persisted: boolean;
}

export interface Netstack {
  readonly name: string;
  /**
   * The stack's default gateway, its one default route (research-notes B: one default gateway
   * per stack); set in the UI or host profile, so it survives reboots.
   */
  readonly gateway: Ip | null;
}

/**
 * Where routes live across a reboot: the sources disagree. Seed 000 says a route added with
 * esxcli is lost unless also in /etc/rc.local.d/local.sh; Broadcom KB 344105 says manual
 * routes are written to esx.conf and persist.
 */
export type RoutePersistence = 'esx.conf' | 'local.sh';

/**
 * When the routing interface follows vmk changes: at once, or (seed 004) "may not change
 * until there is a host restart".
 */
export type RoutingRefresh = 'immediate' | 'restart';

/** A connected subnet and the vmk that owns it in the stack's table. */
export interface Connected {
  readonly netstack: string;
  readonly network: Prefix;
  readonly vmk: string;
}

export interface NetHost {
  readonly name: string;
  readonly version: EsxiVersion;
  readonly persistence: RoutePersistence;
  readonly refresh: RoutingRefresh;
  readonly vmks: readonly Vmk[];
  readonly netstacks: readonly Netstack[];
  readonly routes: readonly StaticRoute[];
  /** The connected part of each stack's table as the stack last built it. */
  readonly connected: readonly Connected[];
  readonly nextOrder: number;
}

export interface VmkSetup {
  readonly name: string;
  /** "10.11.12.5/24" */
  readonly address: string;
  readonly netstack?: string;
  readonly tags?: readonly Tag[];
  readonly gateway?: string;
  readonly attach?: VmkAttach;
}

export interface RouteSetup {
  readonly netstack?: string;
  readonly network: string;
  readonly gateway: string;
  readonly persisted?: boolean;
}

export interface HostSetup {
  readonly name: string;
  readonly version: EsxiVersion;
  readonly persistence?: RoutePersistence;
  readonly refresh?: RoutingRefresh;
  /** In creation order. */
  readonly vmks: readonly VmkSetup[];
  readonly netstacks?: readonly { readonly name: string; readonly gateway?: string }[];
  /** Static routes; a 0.0.0.0/0 or `default` one is the netstack's default gateway. */
  readonly routes?: readonly RouteSetup[];
}

export type NetEvent =
  | {
      readonly type: 'RouteAdd';
      readonly host: string;
      readonly netstack: string;
      readonly network: string;
      readonly gateway: string;
      /** Also added to local.sh (seed 000's advice). */
      readonly persist: boolean;
    }
  | {
      readonly type: 'RouteRemove';
      readonly host: string;
      readonly netstack: string;
      readonly network: string;
    }
  | {
      readonly type: 'RoutePersist';
      readonly host: string;
      readonly netstack: string;
      readonly network: string;
    }
  | { readonly type: 'Reboot'; readonly host: string }
  | { readonly type: 'TagAdd'; readonly host: string; readonly vmk: string; readonly tag: Tag }
  | { readonly type: 'TagRemove'; readonly host: string; readonly vmk: string; readonly tag: Tag }
  | {
      readonly type: 'VmkAdd';
      readonly host: string;
      readonly vmk: string;
      readonly address: string;
      readonly netstack: string;
      readonly tags: readonly Tag[];
      readonly attach?: VmkAttach;
    }
  | { readonly type: 'VmkRemove'; readonly host: string; readonly vmk: string }
  | { readonly type: 'NetstackAdd'; readonly host: string; readonly netstack: string }
  | {
      readonly type: 'GatewaySet';
      readonly host: string;
      readonly vmk: string;
      readonly gateway: string | null;
    };

export interface NetStepResult {
  readonly hosts: Readonly<Record<string, NetHost>>;
  readonly error?: string;
}
