// Generators for tunnel cases. Bounds (proxies, tenants, events) live here, not in the model.
// Providers come healthy or with one of seed 003's mistakes (a missing override, a certificate
// without the proxy's name, a wildcard one label too short, a box on the path); the events
// interleave from-the-cloud sessions, so several wait at one proxy, with drops and restarts.
import fc from 'fast-check';
import { TO_CLOUD_RULESET } from '../../model/firewall/firewall.ts';
import {
  BALANCER,
  type BalancerMode,
  type Certificate,
  type ProxySetup,
  type PublicName,
  type TenantHost,
  type TenantSetup,
  type TunnelEvent,
  type TunnelSetup,
} from '../../model/tunnel/types.ts';
import type { EsxiVersion } from '../../model/variants.ts';

export interface TunnelCase {
  readonly setup: TunnelSetup;
  readonly events: readonly TunnelEvent[];
}

export const DOMAIN = 'example.com';
export const VIP = `cloud.${DOMAIN}`;

type CertStyle = 'wildcard' | 'san' | 'cn-own' | 'all-sans';

/**
 * Seed 003's mistakes, each made on one proxy (`at`) of an otherwise healthy provider: no
 * override, an override naming another proxy or the VIP, a certificate for the VIP only, a
 * wildcard one label too short for the proxies' names or the VIP, a proxy with no public name,
 * an L7 balancer certificate without the VIP, a TLS-terminating box, and a tenant whose pinned
 * thumbprint is an old one.
 */
export const MISTAKES = [
  'no-override',
  'no-override',
  'no-override',
  'no-override',
  'no-override',
  'other-override',
  'vip-override',
  'vip-only-cert',
  'vip-only-cert',
  'deep-names',
  'deep-names',
  'deep-vip',
  'no-dnat',
  'lb-cert',
  'tls-box',
  'stale-pin',
] as const;
export type Mistake = (typeof MISTAKES)[number];

interface Knobs {
  /** Only healthy providers: C5's progress half needs them often. */
  readonly healthy: boolean;
}

const certOf = (
  style: CertStyle,
  thumbprint: string,
  vip: string,
  own: string,
  all: readonly string[],
): Certificate => {
  switch (style) {
    case 'wildcard':
      return { thumbprint, cn: `*.${DOMAIN}`, sans: [] };
    case 'san':
      return { thumbprint, cn: vip, sans: [vip, own] };
    case 'cn-own':
      return { thumbprint, cn: own, sans: [vip] };
    case 'all-sans':
      return { thumbprint, cn: vip, sans: [vip, ...all] };
  }
};

const VERSIONS: readonly EsxiVersion[] = ['6.5', '6.7', '7.0', '7.0', '6.5U1'];

function setupArb(k: Knobs): fc.Arbitrary<TunnelSetup> {
  return fc
    .record({
      balancer: fc.constantFrom<BalancerMode>('L4', 'L4', 'L7'),
      count: fc.constantFrom(1, 2, 2, 3),
      styles: fc.array(fc.constantFrom<CertStyle>('wildcard', 'san', 'san', 'cn-own', 'all-sans'), {
        minLength: 3,
        maxLength: 3,
      }),
      shared: fc.boolean(),
      l7Override: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      lbStyle: fc.constantFrom('vip', 'san-only', 'wildcard'),
      mistakes: k.healthy
        ? fc.constant<{ kind: Mistake; at: number }[]>([])
        : fc.array(fc.record({ kind: fc.constantFrom(...MISTAKES), at: fc.nat(2) }), {
            maxLength: 2,
          }),
      tenants: fc.constantFrom(1, 2, 2),
      groups: fc.array(fc.constantFrom(1, 2), { minLength: 2, maxLength: 2 }),
      versions: fc.array(fc.constantFrom(...VERSIONS), { minLength: 2, maxLength: 2 }),
      wide: fc.array(fc.constantFrom(false, false, false, true), { minLength: 2, maxLength: 2 }),
    })
    .map((c) => {
      const names = Array.from({ length: c.count }, (_, i) => `cp-${i + 1}`);
      const made = (m: Mistake) =>
        c.mistakes.filter((x) => x.kind === m).map((x) => x.at % c.count);
      const wrong = (m: Mistake, i: number) => made(m).includes(i);
      const deep = made('deep-names').length > 0;
      const deepVip = made('deep-vip').length > 0;
      const base = deep ? `dr.${DOMAIN}` : DOMAIN;
      const vip = deepVip ? `cloud.dr.${DOMAIN}` : VIP;
      const publicOf = (n: string) => `${n}.${base}`;
      const proxies: ProxySetup[] = names.map((name, i) => {
        // The wildcard is what a too-deep name defeats; the VIP-only certificate has one name.
        const tooDeep = wrong('deep-names', i) || wrong('deep-vip', i);
        const style: CertStyle = tooDeep
          ? 'wildcard'
          : ((c.shared ? c.styles[0] : c.styles[i]) ?? 'san');
        const own = c.shared && !tooDeep && !wrong('vip-only-cert', i);
        const thumbprint = own ? 'tp-shared' : `tp-${name}`;
        const certificate = wrong('vip-only-cert', i)
          ? { thumbprint, cn: vip, sans: [] }
          : certOf(
              c.shared && style === 'san' ? 'all-sans' : style,
              thumbprint,
              vip,
              publicOf(name),
              names.map(publicOf),
            );
        const other = names[(i + 1) % names.length] as string;
        const reverseFqdn = wrong('no-override', i)
          ? null
          : wrong('vip-override', i)
            ? vip
            : wrong('other-override', i)
              ? publicOf(other)
              : c.balancer === 'L7' && !c.l7Override[i]
                ? null
                : publicOf(name);
        return { name, host: `${name}.provider.internal`, reverseFqdn, certificate };
      });
      const publicNames: PublicName[] = [
        { fqdn: vip, proxy: null },
        ...names.flatMap((n, i) => (wrong('no-dnat', i) ? [] : [{ fqdn: publicOf(n), proxy: n }])),
      ];
      const lb: Certificate | null =
        c.balancer !== 'L7'
          ? null
          : made('lb-cert').length > 0
            ? { thumbprint: 'tp-lb', cn: `lb.${DOMAIN}`, sans: [] }
            : c.lbStyle === 'vip'
              ? { thumbprint: 'tp-lb', cn: vip, sans: [vip] }
              : c.lbStyle === 'san-only'
                ? { thumbprint: 'tp-lb', cn: `lb.${DOMAIN}`, sans: [vip] }
                : { thumbprint: 'tp-lb', cn: `*.${DOMAIN}`, sans: [] };
      const thumbprints = [
        ...new Set([
          ...proxies.map((x) => x.certificate.thumbprint),
          ...(lb ? [lb.thumbprint] : []),
        ]),
      ];
      const stale = made('stale-pin').map((i) => proxies[i]?.certificate.thumbprint);
      const letters = ['a', 'b'].slice(0, c.tenants);
      const tenants: TenantSetup[] = letters.map((l, i) => ({
        name: `tenant-${l}`,
        vctaPorts: [10000, c.wide[i] ? 10012 : 10010],
        groups: Array.from({ length: c.groups[i] ?? 1 }, (_, j) => `g-${l}${j + 1}`),
        // Paired before a certificate was replaced: the old thumbprint is pinned instead.
        ...(stale.length > 0 && i === 0
          ? { pinned: thumbprints.map((t) => (stale.includes(t) ? `${t}-old` : t)) }
          : {}),
      }));
      const hosts: TenantHost[] = letters.map((l, i) => ({
        name: `esx-${l}1`,
        tenant: `tenant-${l}`,
        version: c.versions[i] ?? '7.0',
      }));
      return {
        provider: {
          balancer: c.balancer,
          vip,
          balancerCertificate: lb,
          proxies,
          names: publicNames,
          tlsBox: made('tls-box').length > 0,
        },
        tenants,
        hosts,
      };
    });
}

/** One step of a story before request numbers are known: `k` picks among the started ones. */
type Seg =
  | { readonly s: 'connect' | 'tocloud'; readonly t: number; readonly pick: number }
  | { readonly s: 'send'; readonly h: number; readonly port: number }
  | { readonly s: 'start'; readonly g: number; readonly pick: number }
  | { readonly s: 'relay' | 'stitch'; readonly k: number }
  | { readonly s: 'dial'; readonly k: number; readonly pick: number }
  | { readonly s: 'burst'; readonly g: number; readonly pick: number; readonly pick2: number }
  | { readonly s: 'drive'; readonly k: number; readonly pick: number }
  | {
      readonly s: 'drop' | 'stop' | 'start-vcta' | 'repair' | 'expire' | 'login';
      readonly t: number;
    }
  | { readonly s: 'restart' | 'replace'; readonly p: number }
  /** A link blip: the vCTA's connections drop and it reconnects (no timer: events, notes E). */
  | { readonly s: 'blip'; readonly t: number; readonly pick: number; readonly pick2: number }
  /** The provider replaces a certificate and a tenant reconnects through it. */
  | { readonly s: 'rotate'; readonly p: number; readonly t: number; readonly pick: number }
  | { readonly s: 'ruleset'; readonly h: number; readonly on: boolean }
  | { readonly s: 'vib'; readonly h: number };

export interface Profile {
  readonly weights: Partial<Record<Seg['s'], number>>;
  readonly maxSegments: number;
  readonly healthy: boolean;
}

export const GENERAL: Profile = {
  weights: {
    connect: 6,
    tocloud: 3,
    send: 3,
    start: 5,
    relay: 3,
    dial: 3,
    stitch: 3,
    burst: 5,
    drive: 5,
    drop: 2,
    stop: 1,
    'start-vcta': 1,
    restart: 2,
    replace: 2,
    repair: 3,
    expire: 1,
    login: 1,
    ruleset: 1,
    vib: 1,
    blip: 3,
    rotate: 2,
  },
  maxSegments: 16,
  healthy: false,
};

/** Many sessions at once, few faults: several wait at one proxy while another is stitched. */
export const SESSIONS: Profile = {
  ...GENERAL,
  weights: {
    ...GENERAL.weights,
    start: 8,
    burst: 8,
    drive: 6,
    relay: 2,
    dial: 2,
    stitch: 2,
    drop: 1,
    stop: 0,
    'start-vcta': 0,
    restart: 1,
    replace: 1,
    repair: 1,
    send: 1,
    tocloud: 1,
    blip: 1,
    rotate: 1,
  },
};

function segArb(p: Profile): fc.Arbitrary<Seg> {
  const i = fc.nat(5);
  const port = fc.integer({ min: 10000, max: 10012 });
  const all: Record<Seg['s'], fc.Arbitrary<Seg>> = {
    connect: fc.record({ s: fc.constant('connect' as const), t: i, pick: i }),
    tocloud: fc.record({ s: fc.constant('tocloud' as const), t: i, pick: i }),
    send: fc.record({ s: fc.constant('send' as const), h: i, port }),
    start: fc.record({ s: fc.constant('start' as const), g: i, pick: i }),
    relay: fc.record({ s: fc.constant('relay' as const), k: i }),
    stitch: fc.record({ s: fc.constant('stitch' as const), k: i }),
    dial: fc.record({ s: fc.constant('dial' as const), k: i, pick: i }),
    burst: fc.record({ s: fc.constant('burst' as const), g: i, pick: i, pick2: i }),
    drive: fc.record({ s: fc.constant('drive' as const), k: i, pick: i }),
    drop: fc.record({ s: fc.constant('drop' as const), t: i }),
    stop: fc.record({ s: fc.constant('stop' as const), t: i }),
    'start-vcta': fc.record({ s: fc.constant('start-vcta' as const), t: i }),
    repair: fc.record({ s: fc.constant('repair' as const), t: i }),
    expire: fc.record({ s: fc.constant('expire' as const), t: i }),
    login: fc.record({ s: fc.constant('login' as const), t: i }),
    restart: fc.record({ s: fc.constant('restart' as const), p: i }),
    replace: fc.record({ s: fc.constant('replace' as const), p: i }),
    ruleset: fc.record({ s: fc.constant('ruleset' as const), h: i, on: fc.boolean() }),
    vib: fc.record({ s: fc.constant('vib' as const), h: i }),
    blip: fc.record({ s: fc.constant('blip' as const), t: i, pick: i, pick2: i }),
    rotate: fc.record({ s: fc.constant('rotate' as const), p: i, t: i, pick: i }),
  };
  const entries = Object.entries(p.weights).filter(([, w]) => (w ?? 0) > 0) as [Seg['s'], number][];
  return fc.oneof(...entries.map(([s, weight]) => ({ weight, arbitrary: all[s] })));
}

const at = <T>(xs: readonly T[], n: number): T => xs[n % xs.length] as T;

/** Concrete events for the segments: request ids numbered in order of their start. */
export function eventsOf(setup: TunnelSetup, segs: readonly Seg[]): TunnelEvent[] {
  const tenants = setup.tenants.map((t) => t.name);
  const proxies = setup.provider.proxies.map((p) => p.name);
  const groups = setup.tenants.flatMap((t) => t.groups);
  const targets = [...proxies, ...(setup.provider.balancerCertificate ? [BALANCER] : [])];
  const out: TunnelEvent[] = [];
  let started = 0;
  const ref = (k: number) => (started === 0 ? null : `r${1 + (k % started)}`);
  const reconnect = (tenant: string, pick: number, pick2: number) => {
    out.push({ type: 'LinkDrop', tenant });
    out.push({ type: 'ControlConnect', tenant, pick: at(proxies, pick) });
    out.push({ type: 'ToCloudConnect', tenant, pick: at(proxies, pick2) });
  };
  const drive = (id: string, pick: number) => {
    out.push({ type: 'RelayRequest', request: id });
    out.push({ type: 'ReverseConnect', request: id, pick: at(proxies, pick) });
    out.push({ type: 'Stitch', request: id });
  };
  for (const g of segs) {
    switch (g.s) {
      case 'connect':
        out.push({ type: 'ControlConnect', tenant: at(tenants, g.t), pick: at(proxies, g.pick) });
        break;
      case 'tocloud':
        out.push({ type: 'ToCloudConnect', tenant: at(tenants, g.t), pick: at(proxies, g.pick) });
        break;
      case 'send': {
        const h = at(setup.hosts, g.h);
        const [lo, hi] = setup.tenants.find((t) => t.name === h.tenant)?.vctaPorts ?? [0, 0];
        out.push({
          type: 'ToCloudSend',
          host: h.name,
          port: lo + ((g.port - 10000) % (hi - lo + 1)),
        });
        break;
      }
      case 'start':
      case 'burst': {
        started++;
        const id = `r${started}`;
        out.push({
          type: 'CloudSessionStart',
          request: id,
          group: at(groups, g.g),
          pick: at(proxies, g.pick),
        });
        if (g.s === 'burst') drive(id, g.pick2);
        break;
      }
      case 'relay':
      case 'stitch':
      case 'dial':
      case 'drive': {
        const id = ref(g.k);
        if (id === null) break;
        if (g.s === 'relay') out.push({ type: 'RelayRequest', request: id });
        else if (g.s === 'stitch') out.push({ type: 'Stitch', request: id });
        else if (g.s === 'dial')
          out.push({ type: 'ReverseConnect', request: id, pick: at(proxies, g.pick) });
        else if (g.s === 'drive') drive(id, g.pick);
        break;
      }
      case 'drop':
        out.push({ type: 'LinkDrop', tenant: at(tenants, g.t) });
        break;
      case 'stop':
        out.push({ type: 'VctaStop', tenant: at(tenants, g.t) });
        break;
      case 'start-vcta':
        out.push({ type: 'VctaStart', tenant: at(tenants, g.t) });
        break;
      case 'repair': {
        // Re-pairing, then connecting again with the certificates now pinned.
        const tenant = at(tenants, g.t);
        out.push({ type: 'RePair', tenant });
        out.push({ type: 'ControlConnect', tenant, pick: at(proxies, g.t + 1) });
        break;
      }
      case 'expire':
        out.push({ type: 'SessionExpire', tenant: at(tenants, g.t) });
        break;
      case 'login':
        out.push({ type: 'Login', tenant: at(tenants, g.t) });
        break;
      case 'restart':
        out.push({ type: 'ProxyRestart', proxy: at(proxies, g.p) });
        break;
      case 'replace':
        out.push({ type: 'CertificateReplace', target: at(targets, g.p) });
        break;
      case 'ruleset':
        out.push({
          type: 'RulesetSet',
          host: at(setup.hosts, g.h).name,
          ruleset: TO_CLOUD_RULESET,
          enabled: g.on,
        });
        break;
      case 'vib':
        out.push({ type: 'VibInstallManual', host: at(setup.hosts, g.h).name });
        break;
      case 'rotate': {
        // The tenant reconnects through the proxy whose certificate changed, if it was one.
        const target = at(targets, g.p);
        const through = proxies.indexOf(target);
        out.push({ type: 'CertificateReplace', target });
        reconnect(at(tenants, g.t), through >= 0 ? through : g.pick, g.pick);
        break;
      }
      case 'blip':
        reconnect(at(tenants, g.t), g.pick, g.pick2);
        break;
    }
  }
  return out;
}

export function caseArb(p: Profile): fc.Arbitrary<TunnelCase> {
  return setupArb({ healthy: p.healthy }).chain((setup) =>
    fc
      .record({
        // Sites start paired and connected: each tenant's control and to-the-cloud connection.
        picks: fc.array(fc.nat(5), { minLength: 4, maxLength: 4 }),
        segs: fc.array(segArb(p), { minLength: 3, maxLength: p.maxSegments }),
      })
      .map(({ picks, segs }) => ({
        setup,
        events: eventsOf(setup, [
          ...setup.tenants.flatMap((_, t): Seg[] => [
            { s: 'connect', t, pick: picks[2 * t] ?? 0 },
            { s: 'tocloud', t, pick: picks[2 * t + 1] ?? 0 },
          ]),
          ...segs,
        ]),
      })),
  );
}
