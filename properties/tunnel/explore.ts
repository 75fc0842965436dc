// Exhaustive exploration of the cloud tunnel: the scopes (data), and how a scope's states are
// stepped by model/tunnel's own step, checked by the tunnel properties' own predicates (C1-C6,
// C5-picks) and encoded. Every balancer pick is event data, so every pick is tried: the public
// balancer's for control and to-the-cloud connections and the vCTA's reverse connection, the
// internal balancer's for a cloud host's session. The oracle's memory (what each tenant pinned
// by its own account, each tenant's last from-the-cloud outcome) is part of the explored state,
// updated by the oracle's own nextMemory, exactly as the property's fold does.
//
// Symmetry: proxies, and tenants with their groups and hosts, are renamed when the renaming
// maps the scope's setup onto itself (an automorphism, found by trying every permutation on
// the setup, not assumed), and the least encoding over those renamings is kept. The model
// looks proxies, tenants, groups and hosts up by name only, never by their position in the
// setup, so two states that differ by such a renaming behave alike.
import { TO_CLOUD_RULESET } from '../../model/firewall/firewall.ts';
import { init, step } from '../../model/tunnel/step.ts';
import type {
  Certificate,
  FromCloudRequest,
  ProxySetup,
  TenantHost,
  TenantSetup,
  TenantState,
  TunnelEvent,
  TunnelEventType,
  TunnelSetup,
  TunnelState,
} from '../../model/tunnel/types.ts';
import type { Variant } from '../../model/variants.ts';
import { assertKnownFields, compareWords, Encoder, permutations } from '../explore/encoder.ts';
import { checksOf, goalsOf, selected } from '../explore/select.ts';
import type { Scope, StepModel, SteppedArea, Successor } from '../explore/types.ts';
import type { PropertyDef } from '../registry-types.ts';
import { initialMemory, type Memory, nextMemory, type View } from './oracle.ts';
import { TUNNEL_PROPERTIES } from './properties.ts';

export interface TunnelScope {
  readonly setup: TunnelSetup;
  /** The event kinds offered, each over every tenant, proxy, request, host as it applies. */
  readonly events: readonly TunnelEventType[];
  /** CloudSessionStart is offered while fewer requests than this were started. */
  readonly maxRequests: number;
  /** CertificateReplace is offered while fewer certificates than this were replaced. */
  readonly maxReplacements?: number;
  /** The vCTA ports ToCloudSend sends to. */
  readonly ports?: readonly number[];
  /** The safety properties checked (default: every tunnel property but C5, healthy scopes only). */
  readonly properties?: readonly string[];
}

// ---- setups: the names follow the tunnel generators' (properties/tunnel/arbitraries.ts) ----

const DOMAIN = 'example.com';
const VIP = `cloud.${DOMAIN}`;
const WILDCARD = `*.${DOMAIN}`;

const cert = (n: number, cn = WILDCARD, sans: readonly string[] = []): Certificate => ({
  thumbprint: `tp-cp-${n}`,
  cn,
  sans,
});

const proxy = (n: number, o: { override?: string | null; certificate?: Certificate } = {}) =>
  ({
    name: `cp-${n}`,
    host: `cp-${n}.provider.internal`,
    reverseFqdn: o.override === undefined ? `cp-${n}.${DOMAIN}` : o.override,
    certificate: o.certificate ?? cert(n),
  }) satisfies ProxySetup;

const tenant = (l: string, groups = 1, pinned?: readonly string[]): TenantSetup => ({
  name: `tenant-${l}`,
  vctaPorts: [10000, 10010],
  groups: Array.from({ length: groups }, (_, i) => `g-${l}${i + 1}`),
  ...(pinned ? { pinned } : {}),
});

const host = (l: string): TenantHost => ({
  name: `esx-${l}1`,
  tenant: `tenant-${l}`,
  version: '6.5',
});

/** An L4 provider whose proxies each have a public name DNATed to them (seed 003). */
function setupOf(
  proxies: readonly ProxySetup[],
  tenants: readonly TenantSetup[],
  o: { vip?: string; extraNames?: readonly { fqdn: string; proxy: string }[] } = {},
): TunnelSetup {
  const vip = o.vip ?? VIP;
  return {
    provider: {
      balancer: 'L4',
      vip,
      balancerCertificate: null,
      proxies,
      names: [
        { fqdn: vip, proxy: null },
        ...proxies.map((p) => ({ fqdn: `${p.name}.${DOMAIN}`, proxy: p.name })),
        ...(o.extraNames ?? []),
      ],
      tlsBox: false,
    },
    tenants,
    hosts: tenants.map((t) => host(t.name.slice('tenant-'.length))),
  };
}

/** The from-the-cloud path, step by step, with the drops that interrupt it. */
const STITCHING: readonly TunnelEventType[] = [
  'ControlConnect',
  'LinkDrop',
  'ProxyRestart',
  'CloudSessionStart',
  'RelayRequest',
  'ReverseConnect',
  'Stitch',
];

/** Every tunnel property but C5, whose domain is healthy providers (issue 14). */
const ANY_PROVIDER = ['C1', 'C2', 'C3', 'C4', 'C5-picks', 'C6'];

/** The certificate goals only a scope with certificate mistakes and replacements reaches. */
const CERTIFICATE_GOALS = [
  'C4-reach: name only in a SAN accepted',
  'C4-reach: name not covered',
  'C4-reach: wildcard one label too short',
  'C4-reach: replaced certificate refused',
  'C4-reach: mismatch cleared by re-pair',
];
/** The from-the-cloud failures a healthy provider never has. */
const FAILURE_GOALS = ['C6-reach: reverse connection failed', 'C6-reach: stitched after a failure'];

export const TUNNEL_SCOPES: readonly Scope<TunnelScope>[] = [
  {
    name: 'default',
    description:
      'one tenant (two groups, one host) and two L4 proxies with their overrides and a wildcard certificate (healthy); the control and to-the-cloud connections on every pick, sends on TCP 10000 with the to-cloud ruleset off and on, up to two from-the-cloud sessions relayed, dialled back on every pick and stitched; link drops, proxy restarts, vCTA stop and start, session expiry and login',
    params: {
      setup: setupOf([proxy(1), proxy(2)], [tenant('a', 2)]),
      events: [
        ...STITCHING,
        'ToCloudConnect',
        'ToCloudSend',
        'RulesetSet',
        'VctaStop',
        'VctaStart',
        'SessionExpire',
        'Login',
      ],
      maxRequests: 2,
      ports: [10000],
    },
    outOfScope: [
      "C2-reach: stitched beside another tenant's waiting session",
      ...CERTIFICATE_GOALS,
      'C5-picks-reach: L4 proxy without its override judged',
      ...FAILURE_GOALS,
    ],
    nightly: true,
  },
  {
    name: 'tiny',
    description:
      'one tenant and one L4 proxy with its override and a wildcard certificate (healthy); control and to-the-cloud connections, sends on TCP 10000 with the to-cloud ruleset off and on, link drops, proxy restarts, session expiry and login, up to two from-the-cloud sessions relayed, dialled back and stitched',
    params: {
      setup: setupOf([proxy(1)], [tenant('a')]),
      events: [
        ...STITCHING,
        'ToCloudConnect',
        'ToCloudSend',
        'RulesetSet',
        'SessionExpire',
        'Login',
      ],
      maxRequests: 2,
    },
    pinned: 816,
    outOfScope: [
      "C2-reach: stitched beside another tenant's waiting session",
      ...CERTIFICATE_GOALS,
      'C5-reach: stitched across proxies',
      'C5-picks-reach: judged for several picks',
      'C5-picks-reach: L4 proxy without its override judged',
      ...FAILURE_GOALS,
    ],
  },
  {
    name: 'two-tenants',
    description:
      'two tenants (one group and one host each) and two L4 proxies with their overrides and a wildcard certificate (healthy): tenants and proxies interchangeable; control connections, link drops, up to two from-the-cloud sessions relayed, dialled back and stitched on every pick',
    params: {
      setup: setupOf([proxy(1), proxy(2)], [tenant('a'), tenant('b')]),
      events: [
        'ControlConnect',
        'LinkDrop',
        'CloudSessionStart',
        'RelayRequest',
        'ReverseConnect',
        'Stitch',
      ],
      maxRequests: 2,
    },
    outOfScope: [
      ...CERTIFICATE_GOALS,
      'C5-reach: stitched while Not authenticated',
      'C5-reach: to-the-cloud delivered',
      'C5-reach: to-the-cloud blocked by the host firewall',
      'C5-picks-reach: L4 proxy without its override judged',
      ...FAILURE_GOALS,
    ],
  },
  {
    name: 'certificates',
    description:
      "one tenant and two L4 proxies: cp-1's certificate names itself with the VIP as a SAN, cp-2's is *.example.com but cp-2 hands out cp-2.dr.example.com (a wildcard one label too short); control and to-the-cloud connections on every pick, one from-the-cloud session, one certificate replaced, re-pairing, link drops",
    params: {
      setup: setupOf(
        [
          proxy(1, { certificate: cert(1, `cp-1.${DOMAIN}`, [VIP]) }),
          proxy(2, { override: `cp-2.dr.${DOMAIN}` }),
        ],
        [tenant('a')],
        { extraNames: [{ fqdn: `cp-2.dr.${DOMAIN}`, proxy: 'cp-2' }] },
      ),
      events: [...STITCHING, 'ToCloudConnect', 'CertificateReplace', 'RePair'],
      maxRequests: 1,
      maxReplacements: 1,
      properties: ANY_PROVIDER,
    },
    outOfScope: [
      "C2-reach: stitched beside another tenant's waiting session",
      'C2-reach: stitched beside another waiting session',
      'C5-picks-reach: L4 proxy without its override judged',
      'C6-reach: stitched after a failure',
    ],
  },
  {
    name: 'l4-no-override',
    description:
      'one tenant and two L4 proxies with a wildcard certificate, cp-1 without cloudproxy.reverseconnection.fqdn (seed 003: its reverse connections cannot find it); control connection, link drop, up to two from-the-cloud sessions relayed, dialled back on every pick and stitched',
    params: {
      setup: setupOf([proxy(1, { override: null }), proxy(2)], [tenant('a')]),
      events: STITCHING,
      maxRequests: 2,
      properties: ANY_PROVIDER,
    },
    outOfScope: [
      "C2-reach: stitched beside another tenant's waiting session",
      ...CERTIFICATE_GOALS,
    ],
  },
  {
    name: 'deep-vip',
    description:
      'one tenant and one L4 proxy whose wildcard certificate *.example.com is one label too short for the VIP cloud.dr.example.com; control and to-the-cloud connections, link drops, one from-the-cloud session',
    params: {
      setup: setupOf([proxy(1)], [tenant('a')], { vip: `cloud.dr.${DOMAIN}` }),
      events: [...STITCHING, 'ToCloudConnect'],
      maxRequests: 1,
      properties: ANY_PROVIDER,
    },
    outOfScope: [
      'C1-reach: request relayed over the control connection',
      'C1-reach: reverse connection dialled',
      'C2-reach: stitched',
      "C2-reach: stitched beside another tenant's waiting session",
      'C2-reach: stitched beside another waiting session',
      'C3-reach: reconnected after a drop',
      'C3-reach: second connection refused',
      'C4-reach: name only in a SAN accepted',
      'C4-reach: wildcard accepted',
      'C4-reach: replaced certificate refused',
      'C4-reach: mismatch cleared by re-pair',
      'C5-picks-reach: judged for several picks',
      'C5-picks-reach: L4 proxy without its override judged',
      ...FAILURE_GOALS,
    ],
  },
  {
    name: 'stale-pin',
    description:
      "one tenant paired with an old thumbprint of the one L4 proxy's certificate; control and to-the-cloud connections, link drops, re-pairing, one from-the-cloud session",
    params: {
      setup: setupOf([proxy(1)], [tenant('a', 1, ['tp-cp-1-old'])]),
      events: [...STITCHING, 'ToCloudConnect', 'RePair'],
      maxRequests: 1,
      properties: ANY_PROVIDER,
    },
    outOfScope: [
      "C2-reach: stitched beside another tenant's waiting session",
      'C2-reach: stitched beside another waiting session',
      'C4-reach: name only in a SAN accepted',
      'C4-reach: name not covered',
      'C4-reach: wildcard one label too short',
      'C5-picks-reach: judged for several picks',
      'C5-picks-reach: L4 proxy without its override judged',
      ...FAILURE_GOALS,
    ],
  },
];

// ---- events ----

function eventsOf(p: TunnelScope, s: TunnelState): TunnelEvent[] {
  const { setup } = p;
  const tenants = setup.tenants.map((t) => t.name);
  const proxies = setup.provider.proxies.map((x) => x.name);
  const out: TunnelEvent[] = [];
  for (const type of p.events) {
    switch (type) {
      case 'ControlConnect':
      case 'ToCloudConnect':
        for (const t of tenants) for (const pick of proxies) out.push({ type, tenant: t, pick });
        break;
      case 'LinkDrop':
      case 'VctaStop':
      case 'VctaStart':
      case 'RePair':
      case 'SessionExpire':
      case 'Login':
        for (const t of tenants) out.push({ type, tenant: t });
        break;
      case 'ProxyRestart':
        for (const x of proxies) out.push({ type, proxy: x });
        break;
      case 'ToCloudSend':
        for (const h of setup.hosts)
          for (const port of p.ports ?? [10000]) out.push({ type, host: h.name, port });
        break;
      case 'CloudSessionStart':
        // Request ids are numbered in order of their start, as the generators number them.
        if (s.requests.length < p.maxRequests) {
          const request = `r${s.requests.length + 1}`;
          for (const t of setup.tenants)
            for (const group of t.groups)
              for (const pick of proxies) out.push({ type, request, group, pick });
        }
        break;
      case 'RelayRequest':
      case 'Stitch':
        for (const r of s.requests) out.push({ type, request: r.id });
        break;
      case 'ReverseConnect':
        for (const r of s.requests)
          for (const pick of proxies) out.push({ type, request: r.id, pick });
        break;
      case 'CertificateReplace':
        if (s.reissued < (p.maxReplacements ?? 0))
          for (const target of Object.keys(s.certificates)) out.push({ type, target });
        break;
      case 'RulesetSet':
        for (const h of setup.hosts)
          for (const enabled of [false, true])
            out.push({ type, host: h.name, ruleset: TO_CLOUD_RULESET, enabled });
        break;
      case 'VibInstallManual':
        for (const h of setup.hosts) out.push({ type, host: h.name });
        break;
    }
  }
  return out;
}

// ---- symmetry ----

/** A renaming of the scope's names: atom -> image, applied inside every string of a state. */
interface Renaming {
  readonly identity: boolean;
  readonly map: ReadonlyMap<string, string>;
  readonly memo: Map<string, string>;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The setup with every list in a fixed order, so that renamed setups compare by text. */
function normalised(setup: TunnelSetup): string {
  const sorted = <T>(xs: readonly T[]) => xs.map((x) => JSON.stringify(x)).sort();
  return JSON.stringify({
    ...setup,
    provider: {
      ...setup.provider,
      proxies: sorted(setup.provider.proxies),
      names: sorted(setup.provider.names),
    },
    tenants: sorted(setup.tenants),
    hosts: sorted(setup.hosts),
  });
}

/**
 * Every renaming of proxies and of tenants (their groups and hosts by position) that maps the
 * setup onto itself, the identity first. Names are replaced inside every string (`cp-1`
 * becomes `cp-2` in `cp-1.example.com` and `tp-cp-1` too), which is how the setups derive them.
 */
export function automorphisms(setup: TunnelSetup): { renamings: Renaming[]; group: number } {
  const proxies = setup.provider.proxies.map((p) => p.name);
  const tenants = setup.tenants;
  const hostsOf = (t: string) => setup.hosts.filter((h) => h.tenant === t).map((h) => h.name);
  const atoms = [
    ...proxies,
    ...tenants.flatMap((t) => [t.name, ...t.groups, ...hostsOf(t.name)]),
  ].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(atoms.map(escapeRe).join('|'), 'g');
  const base = normalised(setup);
  const out: Renaming[] = [];
  let group = 0;
  for (const pp of permutations(proxies))
    for (const tp of permutations(tenants)) {
      const map = new Map<string, string>();
      const pair = (a: readonly string[], b: readonly string[]) => {
        if (a.length !== b.length) return false;
        for (const [i, x] of a.entries()) map.set(x, b[i] as string);
        return true;
      };
      pair(proxies, pp);
      let ok = tenants.every(
        (t, i) =>
          pair([t.name], [(tp[i] as TenantSetup).name]) &&
          pair(t.groups, (tp[i] as TenantSetup).groups) &&
          pair(hostsOf(t.name), hostsOf((tp[i] as TenantSetup).name)),
      );
      const identity = [...map].every(([a, b]) => a === b);
      const sub = (s: string) => s.replace(pattern, (m) => map.get(m) ?? m);
      ok = ok && normalised(JSON.parse(sub(JSON.stringify(setup))) as TunnelSetup) === base;
      if (!ok) continue;
      group++;
      const r: Renaming = { identity, map, memo: new Map() };
      if (identity) out.unshift(r);
      else out.push(r);
    }
  return { renamings: out, group };
}

function rename(g: Renaming, pattern: RegExp, s: string): string {
  if (g.identity) return s;
  const known = g.memo.get(s);
  if (known !== undefined) return known;
  const r = s.replace(pattern, (m) => g.map.get(m) ?? m);
  if (g.memo.size > 50_000) g.memo.clear();
  g.memo.set(s, r);
  return r;
}

// ---- the explored state and its encoding ----

interface Explored {
  readonly s: TunnelState;
  /** The oracle's memory after the events that led here. */
  readonly m: Memory;
}

const FILE = 'properties/tunnel/explore.ts';
// `tick` counts the events applied (refusals too); no step reads it, so it is not encoded
// (the view's index, which only two twins' goals read, is the representative's).
const STATE_FIELDS = new Set([
  'setup',
  'variant',
  'tick',
  'certificates',
  'reissued',
  'tenants',
  'requests',
]);
const TENANT_FIELDS = new Set([
  'vcta',
  'pinned',
  'session',
  'control',
  'toCloud',
  'errors',
  'firewall',
]);
const REQUEST_FIELDS = new Set([
  'id',
  'tenant',
  'group',
  'proxy',
  'name',
  'phase',
  'landed',
  'joined',
  'reason',
]);
const MEMORY_FIELDS = new Set(['pinned', 'lastFromCloud']);
const CERT_FIELDS = new Set(['thumbprint', 'cn', 'sans']);
const FIREWALL_FIELDS = new Set(['now', 'hosts']);

/** A host firewall's fingerprint with its own name left out (it is written renamed). */
const firewallHashes = new WeakMap<object, readonly [number, number]>();
function firewallHash(fw: { readonly host: string }): readonly [number, number] {
  const known = firewallHashes.get(fw);
  if (known) return known;
  const e = new Encoder();
  e.str(JSON.stringify(fw).split(fw.host).join('\u0000'));
  const f = e.fingerprint();
  const h = [f.hi | 0, f.lo | 0] as const;
  firewallHashes.set(fw, h);
  return h;
}

/**
 * Writes a tunnel state and the oracle's memory (null: none kept) with every name renamed by
 * `g`: records in the order of their renamed keys, sets (pins) sorted, lists as they are.
 */
function write(
  g: Renaming,
  pattern: RegExp,
  x: { readonly s: TunnelState; readonly m: Memory | null },
  enc: Encoder,
  audit: boolean,
): void {
  const n = (s: string) => rename(g, pattern, s);
  const str = (s: string) => enc.str(n(s));
  const opt = (s: string | null) => enc.optStr(s === null ? null : n(s));
  const set = (xs: readonly string[]) => {
    const ys = xs.map(n).sort();
    enc.push(ys.length);
    for (const y of ys) enc.str(y);
  };
  const list = (xs: readonly string[]) => {
    enc.push(xs.length);
    for (const y of xs) str(y);
  };
  const keyed = <T>(o: Readonly<Record<string, T>>, each: (v: T) => void) => {
    const ks = Object.keys(o)
      .map((k) => [n(k), k] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    enc.push(ks.length);
    for (const [k, raw] of ks) {
      enc.str(k);
      each(o[raw] as T);
    }
  };
  const s = x.s;
  if (audit) assertKnownFields('TunnelState', s, STATE_FIELDS, FILE);
  enc.push(s.reissued);
  keyed(s.certificates, (c) => {
    if (audit) assertKnownFields('Certificate', c, CERT_FIELDS, FILE);
    str(c.thumbprint);
    str(c.cn);
    list(c.sans);
  });
  keyed(s.tenants, (t: TenantState) => {
    if (audit) {
      assertKnownFields('TenantState', t, TENANT_FIELDS, FILE);
      assertKnownFields('FirewallWorld', t.firewall, FIREWALL_FIELDS, FILE);
    }
    enc.push((t.vcta === 'up' ? 1 : 0) | (t.session === 'valid' ? 2 : 0));
    set(t.pinned);
    list(t.control);
    opt(t.toCloud);
    for (const e of [t.errors.toCloud, t.errors.fromCloud]) {
      opt(e?.code ?? null);
      opt(e?.message ?? null);
    }
    enc.num(t.firewall.now);
    keyed(t.firewall.hosts, (fw) => {
      const [a, b] = firewallHash(fw);
      enc.push(a);
      enc.push(b);
    });
  });
  enc.push(s.requests.length);
  for (const r of s.requests as readonly FromCloudRequest[]) {
    if (audit) assertKnownFields('FromCloudRequest', r, REQUEST_FIELDS, FILE);
    str(r.id);
    str(r.tenant);
    str(r.group);
    str(r.proxy);
    str(r.name);
    enc.str(r.phase);
    opt(r.landed);
    opt(r.joined);
    opt(r.reason);
  }
  if (!x.m) return;
  if (audit) assertKnownFields('the oracle memory', x.m, MEMORY_FIELDS, FILE);
  keyed(x.m.pinned, set);
  keyed(x.m.lastFromCloud, (code) => enc.str(code));
}

const IDENTITY: Renaming = { identity: true, map: new Map(), memo: new Map() };

/** A tunnel state's encoding with no renaming (the cloud world's: one tenant, as it is). */
export function encodeTunnel(enc: Encoder, s: TunnelState, audit: boolean): void {
  write(IDENTITY, /(?!)/g, { s, m: null }, enc, audit);
}

export function tunnelModel(
  scope: Scope<TunnelScope>,
  variant: Variant,
  opts: { symmetry: boolean } = { symmetry: true },
): StepModel<Explored, TunnelEvent, View> & { readonly symmetryGroup: number } {
  const p = scope.params;
  const ids = p.properties ?? TUNNEL_PROPERTIES.filter((d) => d.kind === 'always').map((d) => d.id);
  const { checks, twins } = selected(TUNNEL_PROPERTIES as readonly PropertyDef[], ids);
  const found = opts.symmetry
    ? automorphisms(p.setup)
    : { renamings: automorphisms(p.setup).renamings.slice(0, 1), group: 1 };
  const renamings = found.renamings;
  const atoms = [...(renamings.find((g) => !g.identity)?.map.keys() ?? [])].sort(
    (a, b) => b.length - a.length,
  );
  const pattern = new RegExp(atoms.length > 0 ? atoms.map(escapeRe).join('|') : '(?!)', 'g');
  const s0 = init(p.setup, variant);
  const start: Explored = { s: s0, m: initialMemory(s0) };
  const kinds = [...new Set(p.events)];
  let encoded = 0;

  return {
    setup: p.setup,
    symmetryGroup: found.group,
    init: () => start,
    events: (x) => eventsOf(p, x.s),
    kind: (e) => e.type,
    kinds,
    next(x, e): Successor<Explored, View> {
      const result = step(x.s, e);
      const view: View = {
        index: x.s.tick + 1,
        event: e,
        before: x.s,
        after: result.state,
        result,
        memory: x.m,
      };
      if (result.refused !== undefined) return { state: x, view, stutter: true };
      return { state: { s: result.state, m: nextMemory(view) }, view, stutter: false };
    },
    checks: checksOf<View>(checks),
    goals: goalsOf<View>(twins),
    within: () => true,
    encode(x, enc: Encoder): number {
      encoded++;
      const audit = encoded < 4096 || encoded % 997 === 0;
      if (renamings.length === 1) {
        enc.reset();
        write(renamings[0] as Renaming, pattern, x, enc, audit);
        return 1;
      }
      // The least encoding over the setup's automorphisms; the orbit is how many differ.
      const seen: Int32Array[] = [];
      let least: Int32Array | null = null;
      for (const g of renamings) {
        enc.reset();
        write(g, pattern, x, enc, audit && g.identity);
        const words = enc.snapshot();
        if (!seen.some((w) => compareWords(w, words) === 0)) seen.push(words);
        if (least === null || compareWords(words, least) < 0) least = words;
      }
      enc.reset();
      for (const w of least as Int32Array) enc.push(w);
      return seen.length;
    },
    extra: () => ({ symmetryGroup: found.group }),
  };
}

export const TUNNEL_EXPLORE: SteppedArea<TunnelScope> = {
  kind: 'stepped',
  area: 'tunnel',
  scopes: TUNNEL_SCOPES,
  model: (scope, variant, opts) =>
    tunnelModel(scope, variant, opts) as unknown as StepModel<unknown, unknown, unknown>,
};
