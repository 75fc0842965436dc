// Setup, state and events of the cloud tunnel (seed 003's vCloud Availability design;
// research-notes E). Events are plain JSON, a closed union named with protocol verbs; every
// choice a balancer makes is event data, so a search tries every pick. No timers: the sources
// publish none (notes E), so reconnects are events too.
import type { FirewallEvent, FirewallWorld } from '../firewall/firewall.ts';
import type { EsxiVersion, Variant } from '../variants.ts';

export type BalancerMode = 'L4' | 'L7';

/** An X.509 certificate as far as the vCTA looks at it (notes E, vCAT-SP 4.3.3). */
export interface Certificate {
  /** What pairing pins (notes E: PeerSiteInfo.apiThumbprint). */
  readonly thumbprint: string;
  readonly cn: string;
  readonly sans: readonly string[];
}

export interface ProxySetup {
  readonly name: string;
  /** The proxy cell's own host name, known inside the provider only. */
  readonly host: string;
  /** `cloudproxy.reverseconnection.fqdn` without its `:443`, or null when not set (seed 003). */
  readonly reverseFqdn: string | null;
  readonly certificate: Certificate;
}

/** A public DNS name and where the 1:1 DNAT behind it leads: one proxy, or (null) the VIP. */
export interface PublicName {
  readonly fqdn: string;
  readonly proxy: string | null;
}

export interface ProviderSetup {
  readonly balancer: BalancerMode;
  /** The CloudProxyBase VIP's FQDN: control connections and to-the-cloud traffic (seed 003). */
  readonly vip: string;
  /** L7 only: the balancer terminates TLS at the VIP and presents this certificate (notes E). */
  readonly balancerCertificate: Certificate | null;
  readonly proxies: readonly ProxySetup[];
  /** Public name resolution with its 1:1 DNAT (seed 003: "DNATed 1:1 to the Cloud Proxy"). */
  readonly names: readonly PublicName[];
  /** A TLS-terminating box (an inspecting firewall) on the path from the tenants (notes E). */
  readonly tlsBox: boolean;
}

export interface TenantSetup {
  readonly name: string;
  /** The vCTA's port range: TCP 10000-10010 unless an admin changed it (notes D). */
  readonly vctaPorts: readonly [number, number];
  /** Replication group ids of this tenant's VMs protected to or from the cloud. */
  readonly groups: readonly string[];
  /** Thumbprints pinned at pairing; absent: paired with the certificates the provider has. */
  readonly pinned?: readonly string[];
  /** The VR appliance's address, where the vCTA listens; absent: DEFAULT_VCTA_ADDRESS. */
  readonly vcta?: string;
}

/**
 * The far end the tenant hosts' firewalls judge when a setup names no VR appliance address:
 * only an allowed-IP list looks at it (research-notes F), and the built-in and vib rulesets
 * allow all addresses unless an admin restricts them.
 */
export const DEFAULT_VCTA_ADDRESS = '172.16.0.20';

/** A tenant's ESXi host: it sends to-the-cloud replication to its site's vCTA (seed 003). */
export interface TenantHost {
  readonly name: string;
  readonly tenant: string;
  readonly version: EsxiVersion;
}

export interface TunnelSetup {
  readonly provider: ProviderSetup;
  readonly tenants: readonly TenantSetup[];
  readonly hosts: readonly TenantHost[];
}

/** What the VR UI shows for a failed direction (notes E: outgoingCommError). */
export interface CommError {
  readonly code: string;
  readonly message: string;
}

/** The site connection states of VR (notes E: VR 6.5 p.28). */
export type SiteState = 'Connected' | 'Not authenticated' | 'Connection issue';

export type Direction = 'toCloud' | 'fromCloud';

export interface TenantState {
  readonly vcta: 'up' | 'down';
  readonly pinned: readonly string[];
  readonly session: 'valid' | 'expired';
  /** Proxies holding this tenant's control connection: one at most, save under a defect. */
  readonly control: readonly string[];
  /** The proxy holding the vCTA's to-the-cloud connection through the VIP, if one is open. */
  readonly toCloud: string | null;
  readonly errors: Readonly<Record<Direction, CommError | null>>;
  /** The tenant's ESXi hosts' firewalls (model/firewall). */
  readonly firewall: FirewallWorld;
}

/**
 * A from-the-cloud session, from the cloud host's connection to the stitch (vCAT-SP 4.3.1):
 * pending at its proxy, relayed to the vCTA, connected back, stitched; or failed or lost.
 */
export type RequestPhase = 'pending' | 'relayed' | 'connected' | 'stitched' | 'failed' | 'lost';

export interface FromCloudRequest {
  readonly id: string;
  readonly tenant: string;
  readonly group: string;
  /** P1: the proxy the internal balancer gave the cloud host's connection to; it holds it. */
  readonly proxy: string;
  /** The name P1 handed out in its reverse-connection request. */
  readonly name: string;
  readonly phase: RequestPhase;
  /** The proxy the vCTA's reverse connection reached, once connected. */
  readonly landed: string | null;
  /** The session (request id) the reverse connection was joined to, once stitched. */
  readonly joined: string | null;
  readonly reason: string | null;
}

export interface TunnelState {
  readonly setup: TunnelSetup;
  readonly variant: Variant;
  /** Events applied so far. */
  readonly tick: number;
  /** Each proxy's certificate now (by proxy name), and the L7 balancer's under "(balancer)". */
  readonly certificates: Readonly<Record<string, Certificate>>;
  /** Bumped with every certificate replacement, to give the new one its own thumbprint. */
  readonly reissued: number;
  readonly tenants: Readonly<Record<string, TenantState>>;
  /** Oldest first: a proxy's pending sessions are kept in the order they arrived. */
  readonly requests: readonly FromCloudRequest[];
}

export const BALANCER = '(balancer)';

type HostFirewallEvent = Extract<FirewallEvent, { type: 'RulesetSet' | 'VibInstallManual' }>;

export type TunnelEvent =
  /** The vCTA opens its control connection to the VIP; the public balancer picks a proxy. */
  | { readonly type: 'ControlConnect'; readonly tenant: string; readonly pick: string }
  /** The tenant's Internet link drops: every connection of its vCTA goes. */
  | { readonly type: 'LinkDrop'; readonly tenant: string }
  /** A proxy restarts: it loses the connections it held and its pending sessions. */
  | { readonly type: 'ProxyRestart'; readonly proxy: string }
  | { readonly type: 'VctaStop'; readonly tenant: string }
  | { readonly type: 'VctaStart'; readonly tenant: string }
  /** The vCTA opens its to-the-cloud connection through the VIP (seed 003). */
  | { readonly type: 'ToCloudConnect'; readonly tenant: string; readonly pick: string }
  /** A tenant host sends replication to its vCTA on a port of the vCTA's range. */
  | { readonly type: 'ToCloudSend'; readonly host: string; readonly port: number }
  /**
   * A cloud ESXi host starts a replication session for a group; the internal balancer hands
   * it to proxy `pick` (P1), which holds it and broadcasts a reverse-connection request.
   */
  | {
      readonly type: 'CloudSessionStart';
      readonly request: string;
      readonly group: string;
      readonly pick: string;
    }
  /** The proxy holding the tenant's control connection relays the request to its vCTA. */
  | { readonly type: 'RelayRequest'; readonly request: string }
  /** The vCTA dials the name it was given and shakes hands (TLS); `pick` if an L4 VIP. */
  | { readonly type: 'ReverseConnect'; readonly request: string; readonly pick: string }
  /** The proxy the reverse connection reached joins it to a pending session. */
  | { readonly type: 'Stitch'; readonly request: string }
  /** The provider replaces a proxy's (or the L7 balancer's) certificate: same names, new key. */
  | { readonly type: 'CertificateReplace'; readonly target: string }
  /** The tenant re-pairs its site with the cloud: the provider's certificates are pinned again. */
  | { readonly type: 'RePair'; readonly tenant: string }
  | { readonly type: 'SessionExpire'; readonly tenant: string }
  | { readonly type: 'Login'; readonly tenant: string }
  | HostFirewallEvent;

export type TunnelEventType = TunnelEvent['type'];

/** A participant of the tunnel: who dials and who answers. */
export type Party = string;

export const party = {
  vcta: (tenant: string): Party => `vcta:${tenant}`,
  host: (host: string): Party => `esx:${host}`,
  proxy: (proxy: string): Party => `proxy:${proxy}`,
  vip: 'vip' as Party,
  cloudHost: 'cloud-esx' as Party,
  vrs: 'cloud-vrs' as Party,
  box: 'tls-box' as Party,
  dns: 'dns' as Party,
};

export interface TlsResult {
  /** The certificate the vCTA was shown. */
  readonly certificate: Certificate;
  /** Who presented it: a proxy, the L7 balancer, or the TLS-terminating box. */
  readonly presentedBy: Party;
  readonly ok: boolean;
  readonly error: CommError | null;
}

export type Purpose = 'control' | 'to-cloud' | 'reverse' | 'relay' | 'cloud-session' | 'send';

/** What a step did, for the oracle and the reports: connection attempts and messages. */
export type TunnelEmitted =
  | {
      readonly kind: 'attempt';
      readonly purpose: Purpose;
      readonly from: Party;
      readonly to: Party;
      readonly name: string | null;
      readonly port: number;
      /** Which side opened it. */
      readonly opener: 'tenant' | 'cloud';
      /** Whether it crosses the tenant perimeter (the tenant's firewall to the Internet). */
      readonly crossesPerimeter: boolean;
      /** The proxy it reached through DNAT or a balancer, if any. */
      readonly landed: string | null;
      readonly tls: TlsResult | null;
      readonly ok: boolean;
      readonly reason: string;
    }
  | {
      readonly kind: 'message';
      readonly from: Party;
      readonly to: Party;
      readonly text: string;
      /**
       * How it travels: over the control or to-the-cloud connection the tenant opened, on the
       * proxies' message bus (notes E), or inside the provider.
       */
      readonly over: 'control' | 'to-cloud' | 'bus' | 'internal';
    }
  | {
      readonly kind: 'stitched';
      readonly request: string;
      readonly session: string;
      readonly proxy: string;
    }
  | { readonly kind: 'stitch-refused'; readonly request: string; readonly reason: string }
  | { readonly kind: 'dropped'; readonly at: Party; readonly what: string };

export interface TunnelStep {
  readonly state: TunnelState;
  readonly emitted: readonly TunnelEmitted[];
  /** Why the event changed nothing (a guard refused it); the state is returned as is. */
  readonly refused?: string;
}
