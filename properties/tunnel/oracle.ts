// The tunnel invariants C1-C6 (README "What it checks", docs/tunnel.md) and the fold that
// checks them after every step. The oracle reads names, certificates and pinning its own way, from the
// sources (seed 003, research-notes E), not through the model's tls.ts.
import { TO_CLOUD_RULESET } from '../../model/firewall/firewall.ts';
import { directionHealthy, siteState } from '../../model/tunnel/status.ts';
import { init, step } from '../../model/tunnel/step.ts';
import {
  BALANCER,
  type Certificate,
  type Direction,
  type TunnelEmitted,
  type TunnelEvent,
  type TunnelSetup,
  type TunnelState,
  type TunnelStep,
} from '../../model/tunnel/types.ts';
import type { Variant } from '../../model/variants.ts';
import type { Violation } from '../registry-types.ts';
import type { TunnelCase } from './arbitraries.ts';

/** What the oracle keeps beside the model while it folds the events. */
export interface Memory {
  /** Thumbprints each tenant pinned, by the oracle's own account of pairings. */
  readonly pinned: Record<string, readonly string[]>;
  /** Each tenant's last from-the-cloud outcome: the error code of a failure, or 'ok'. */
  readonly lastFromCloud: Record<string, string>;
}

export interface View {
  /** 1-based position of the event. */
  readonly index: number;
  readonly event: TunnelEvent;
  readonly before: TunnelState;
  readonly after: TunnelState;
  readonly result: TunnelStep;
  /** The oracle's memory before this step. */
  readonly memory: Memory;
}

export interface Invariant {
  readonly id: string;
  readonly name: string;
  /** "True iff ..." */
  readonly doc: string;
  check(v: View): string | null;
}

const attempts = (v: View) =>
  v.result.emitted.filter(
    (e): e is Extract<TunnelEmitted, { kind: 'attempt' }> => e.kind === 'attempt',
  );

// ---- the oracle's reading of names and certificates ----

/**
 * True iff a certificate name covers a host name, read label by label: equal labels, or a
 * leading `*` standing for exactly one label (notes E, vCAT-SP 4.3.3; RFC 6125).
 */
export function oracleNameMatch(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().split('.');
  const h = host.toLowerCase().split('.');
  if (p.length !== h.length) return false;
  return p.every((label, i) => (i === 0 && label === '*' ? (h[0] ?? '') !== '' : label === h[i]));
}

/** True iff the CN or a SAN of the certificate covers the name. */
export function oracleCovers(c: Certificate, host: string): boolean {
  return [c.cn, ...c.sans].some((n) => oracleNameMatch(n, host));
}

/** Where public DNS and DNAT send a name: a proxy, 'vip', or nowhere (null). */
function resolves(setup: TunnelSetup, host: string): string | null {
  const e = setup.provider.names.find((n) => n.fqdn.toLowerCase() === host.toLowerCase());
  return e ? (e.proxy ?? 'vip') : null;
}

/**
 * The name a proxy must hand out (seed 003, notes E): its override; without one the VIP under
 * L7, and under L4 nothing usable (the same inference the model makes, stated in tls.ts).
 */
export function expectedReverseName(setup: TunnelSetup, proxy: string): string | null {
  const p = setup.provider.proxies.find((x) => x.name === proxy);
  if (!p) return null;
  return p.reverseFqdn ?? (setup.provider.balancer === 'L7' ? setup.provider.vip : null);
}

/** The certificate a connection shows that reached `proxy`, through the VIP or not. */
function shownCertificate(s: TunnelState, proxy: string, viaVip: boolean): Certificate | undefined {
  return viaVip && s.setup.provider.balancer === 'L7'
    ? s.certificates[BALANCER]
    : s.certificates[proxy];
}

/**
 * True iff the provider is healthy by C5's definition (issue 14): no TLS-terminating box; the
 * VIP resolves to the balancer and what is shown there covers it; every proxy hands out a
 * name that leads back to it (its own public name, or the VIP under L7 or when it is the only
 * proxy) and that its
 * certificate covers; and every tenant pinned every certificate shown.
 */
export function healthy(s: TunnelState, m: Memory): boolean {
  const p = s.setup.provider;
  if (p.tlsBox || resolves(s.setup, p.vip) !== 'vip') return false;
  const shown: Certificate[] = [];
  for (const x of p.proxies) {
    const atVip = shownCertificate(s, x.name, true);
    if (!atVip || !oracleCovers(atVip, p.vip)) return false;
    shown.push(atVip);
    const name = expectedReverseName(s.setup, x.name);
    if (name === null) return false;
    const to = resolves(s.setup, name);
    const viaVip = to === 'vip';
    // Through the VIP only an L7 balancer routes back to x, or an L4 one with no other choice.
    if (!(to === x.name || (viaVip && (p.balancer === 'L7' || p.proxies.length === 1))))
      return false;
    const c = shownCertificate(s, x.name, viaVip);
    if (!c || !oracleCovers(c, name)) return false;
    shown.push(c);
  }
  return Object.values(m.pinned).every((pins) => shown.every((c) => pins.includes(c.thumbprint)));
}

/** True iff the tenant host's firewall lets TCP `port` out, read from its rulesets. */
function firewallAllows(s: TunnelState, host: string, port: number): boolean {
  const h = s.setup.hosts.find((x) => x.name === host);
  const fw = h ? s.tenants[h.tenant]?.firewall.hosts[host] : undefined;
  if (!fw) return false;
  if (!fw.enabled) return true;
  return fw.rulesets.some(
    (rs) =>
      rs.enabled &&
      rs.rules.some(
        (r) =>
          r.direction === 'outbound' && r.protocol === 'tcp' && r.begin <= port && port <= r.end,
      ),
  );
}

// ---- the invariants ----

export const C1: Invariant = {
  id: 'C1',
  name: 'on-premises initiates',
  doc: 'True iff every connection that crosses the tenant perimeter in the step was opened by the tenant, and the cloud reaches a vCTA only over a control connection that vCTA opened.',
  check(v) {
    for (const a of attempts(v)) {
      if (a.crossesPerimeter && a.opener !== 'tenant')
        return `${a.from} opened a connection to ${a.to} across the tenant perimeter (${a.purpose}); every connection must be opened from on-premises`;
    }
    for (const e of v.result.emitted) {
      if (e.kind !== 'message' || !e.to.startsWith('vcta:')) continue;
      const tenant = e.to.slice('vcta:'.length);
      const holders = v.before.tenants[tenant]?.control ?? [];
      if (e.over !== 'control' || !holders.some((p) => e.from === `proxy:${p}`))
        return `${e.from} reached ${e.to} ("${e.text}") without a control connection that ${tenant} opened to it`;
    }
    return null;
  },
};

export const C2: Invariant = {
  id: 'C2',
  name: 'tenant isolation at the stitch',
  doc: 'True iff every stitch joins a reverse connection only to the session that asked for it: the same request, so the same tenant and replication group, at the proxy holding it.',
  check(v) {
    for (const e of v.result.emitted) {
      if (e.kind !== 'stitched') continue;
      const r = v.before.requests.find((x) => x.id === e.request);
      const q = v.before.requests.find((x) => x.id === e.session);
      if (!r || !q) return `the stitch of ${e.request} names a session nobody started`;
      if (q.id !== r.id || q.proxy !== e.proxy || r.landed !== e.proxy) {
        const other = q.tenant !== r.tenant ? ': another tenant gets its data' : '';
        return `${r.id}'s reverse connection from ${r.tenant} (group ${r.group}) was joined at ${e.proxy} to ${q.id}, the session of ${q.tenant} (group ${q.group}) held at ${q.proxy}${other}`;
      }
    }
    return null;
  },
};

export const C3: Invariant = {
  id: 'C3',
  name: 'one control connection per tenant',
  doc: 'True iff no tenant has more than one control connection, and a control connection that opens leaves its tenant with exactly one.',
  check(v) {
    for (const [name, t] of Object.entries(v.after.tenants)) {
      if (t.control.length > 1)
        return `${name} has ${t.control.length} control connections (at ${t.control.join(', ')}); there is only one per tenant`;
    }
    for (const a of attempts(v)) {
      if (a.purpose !== 'control' || !a.ok) continue;
      const tenant = a.from.slice('vcta:'.length);
      const n = v.after.tenants[tenant]?.control.length ?? 0;
      if (n !== 1) return `${tenant} connected its control connection and holds ${n}`;
    }
    return null;
  },
};

const dirOf = (purpose: string): Direction => (purpose === 'reverse' ? 'fromCloud' : 'toCloud');

export const C4: Invariant = {
  id: 'C4',
  name: 'TLS iff the name is covered and the peer is pinned',
  doc: 'True iff every handshake succeeds exactly when no TLS-terminating box is on the path, the certificate shown covers the dialled name (CN or SAN, a wildcard one label deep) and its thumbprint was pinned at pairing; a failed one shows its error on the site, and a mismatch stays shown until a re-pair or a later attempt in that direction.',
  check(v) {
    for (const a of attempts(v)) {
      if (!a.tls || a.landed === null || a.name === null) continue;
      const tenant = a.from.slice('vcta:'.length);
      const box = v.before.setup.provider.tlsBox;
      const cert = box ? null : shownCertificate(v.before, a.landed, a.to === 'vip');
      const covered = box || (cert !== undefined && cert !== null && oracleCovers(cert, a.name));
      const pinned =
        !box &&
        cert !== undefined &&
        cert !== null &&
        (v.memory.pinned[tenant] ?? []).includes(cert.thumbprint);
      const want = !covered ? 'CertificateNameMismatch' : !pinned ? 'CertificateMismatch' : null;
      const got = a.tls.ok ? null : (a.tls.error?.code ?? 'error');
      if (want !== got) {
        const what = box
          ? 'a TLS-terminating box answered'
          : `${a.landed} showed ${cert ? `CN ${cert.cn}, SANs ${cert.sans.join(' ') || 'none'}, thumbprint ${cert.thumbprint}` : 'no certificate'}`;
        return `${tenant} dialled ${a.name} for ${a.purpose}; ${what}; pinned: ${(v.memory.pinned[tenant] ?? []).join(' ') || 'none'}: the handshake ${got === null ? 'succeeded' : `failed with ${got}`}, but it should ${want === null ? 'succeed' : `fail with ${want}`}`;
      }
      const shown = v.after.tenants[tenant]?.errors[dirOf(a.purpose)];
      if (want !== null && shown?.code !== want)
        return `${tenant}'s ${a.purpose} handshake failed with ${want}, but the site shows ${shown ? shown.code : 'no error'} for ${dirOf(a.purpose) === 'toCloud' ? 'to' : 'from'} the cloud`;
    }
    for (const [name, t] of Object.entries(v.before.tenants)) {
      for (const d of ['toCloud', 'fromCloud'] as const) {
        if (t.errors[d]?.code !== 'CertificateMismatch') continue;
        if (v.after.tenants[name]?.errors[d]?.code === 'CertificateMismatch') continue;
        const repaired = v.event.type === 'RePair' && v.event.tenant === name && !v.result.refused;
        // A later attempt in that direction shows its own outcome instead.
        const later =
          attempts(v).some((a) => a.from === `vcta:${name}` && dirOf(a.purpose) === d) ||
          v.result.emitted.some(
            (e) =>
              (e.kind === 'stitched' || e.kind === 'stitch-refused') &&
              v.before.requests.find((r) => r.id === e.request)?.tenant === name,
          );
        if (!repaired && !later)
          return `${name}: the CertificateMismatch shown ${d === 'toCloud' ? 'to' : 'from'} the cloud went away without a re-pair or a later attempt`;
      }
    }
    return null;
  },
};

/** How a request ends when the vCTA's reverse connection goes to each proxy in turn. */
function endings(s: TunnelState, id: string): { pick: string; end: string }[] {
  return s.setup.provider.proxies.map((p) => {
    let x = s;
    if (x.requests.find((r) => r.id === id)?.phase === 'pending')
      x = step(x, { type: 'RelayRequest', request: id }).state;
    x = step(x, { type: 'ReverseConnect', request: id, pick: p.name }).state;
    x = step(x, { type: 'Stitch', request: id }).state;
    const r = x.requests.find((y) => y.id === id);
    return {
      pick: p.name,
      end: r ? `${r.phase}${r.joined && r.joined !== id ? ` to ${r.joined}` : ''}` : '?',
    };
  });
}

const requestOf = (e: TunnelEvent) =>
  e.type === 'CloudSessionStart' ||
  e.type === 'RelayRequest' ||
  e.type === 'ReverseConnect' ||
  e.type === 'Stitch'
    ? e.request
    : null;

/**
 * The request an event touched, if it is still open and its tenant's vCTA can go on with it:
 * a control connection is up, or the request has been relayed already.
 */
export function onward(v: View): { id: string; proxy: string; name: string } | null {
  const id = requestOf(v.event);
  const r = id ? v.after.requests.find((x) => x.id === id) : undefined;
  if (!r || !(r.phase === 'pending' || r.phase === 'relayed')) return null;
  const t = v.after.tenants[r.tenant];
  if (!t || t.vcta === 'down') return null;
  if (r.phase === 'pending' && t.control.length === 0) return null;
  return { id: r.id, proxy: r.proxy, name: r.name };
}

export const C5_PICKS: Invariant = {
  id: 'C5-picks',
  name: 'stitched whatever the balancers pick',
  doc: "True iff a request the step touched, once relayed, would end the same way (dialled back and stitched, or failed) whichever proxy the public balancer picks for its reverse connection, unless its proxy's override names an L4 VIP.",
  check(v) {
    const next = onward(v);
    if (!next) return null;
    const own = v.after.setup.provider.proxies.find((p) => p.name === next.proxy)?.reverseFqdn;
    // An override that names the VIP of an L4 balancer leaves the stitch to luck by
    // configuration, not by the model: the host check reports that layout.
    const byConfig =
      v.after.setup.provider.balancer === 'L4' &&
      own != null &&
      resolves(v.after.setup, own) === 'vip';
    const ends = endings(v.after, next.id);
    const first = ends[0];
    const odd = ends.find((o) => o.end !== first?.end);
    if (first && odd && !byConfig)
      return `${next.id} (held at ${next.proxy}, the vCTA is to dial ${next.name}) ends ${first.end} if the balancer picks ${first.pick} for its reverse connection, but ${odd.end} if it picks ${odd.pick}: the stitch depends on the balancer`;
    return null;
  },
};

export const C5: Invariant = {
  id: 'C5',
  name: 'a healthy provider stitches every request',
  doc: 'True iff every step of a stitch (relay, reverse connection, stitch) and every control and to-the-cloud connection succeeds in its turn, whatever the balancers pick, and a send passes exactly when its host firewall lets it out: what a healthy provider must do (C5 runs on healthy providers only, as issue 14 defines them; `healthy` states the definition).',
  check(v) {
    const e = v.event;
    const b = v.before;
    const a = v.after;
    switch (e.type) {
      case 'ControlConnect':
      case 'ToCloudConnect': {
        const t = b.tenants[e.tenant];
        const idle = e.type === 'ControlConnect' ? t?.control.length === 0 : t?.toCloud === null;
        const up =
          e.type === 'ControlConnect'
            ? (a.tenants[e.tenant]?.control.length ?? 0) > 0
            : a.tenants[e.tenant]?.toCloud != null;
        if (t?.vcta === 'up' && idle && !up)
          return `${e.tenant}'s ${e.type === 'ControlConnect' ? 'control' : 'to-the-cloud'} connection did not open when the balancer picked ${e.pick}${attempts(v)[0] ? `: ${attempts(v)[0]?.reason}` : ''}`;
        return null;
      }
      case 'ToCloudSend': {
        const h = b.setup.hosts.find((x) => x.name === e.host);
        const t = h ? b.tenants[h.tenant] : undefined;
        if (!t || t.vcta === 'down' || t.toCloud === null) return null;
        const want = firewallAllows(b, e.host, e.port);
        const sent = attempts(v).some((x) => x.purpose === 'send' && x.ok);
        if (want !== sent)
          return `replication from ${e.host} to the vCTA on TCP ${e.port} was ${sent ? 'delivered' : 'blocked'}, but its firewall ${want ? 'lets it out' : `drops it (${TO_CLOUD_RULESET})`}`;
        return null;
      }
      case 'RelayRequest':
      case 'ReverseConnect':
      case 'Stitch': {
        const r = b.requests.find((x) => x.id === e.request);
        const r2 = a.requests.find((x) => x.id === e.request);
        if (!r || !r2) return null;
        const due =
          e.type === 'RelayRequest'
            ? r.phase === 'pending' && (b.tenants[r.tenant]?.control.length ?? 0) > 0
            : e.type === 'ReverseConnect'
              ? r.phase === 'relayed'
              : r.phase === 'connected';
        const done =
          e.type === 'RelayRequest'
            ? r2.phase === 'relayed'
            : e.type === 'ReverseConnect'
              ? r2.phase === 'connected' && r2.landed === r.proxy
              : r2.phase === 'stitched' && r2.joined === r.id;
        if (due && !done)
          return r2.phase === 'stitched' && r2.joined !== r.id
            ? `${e.type}(${e.request}) joined it to the session of ${r2.joined}, not to its own; each step of the stitch must succeed in turn`
            : `${e.type}(${e.request}) left it ${r2.phase}${r2.landed && r2.landed !== r.proxy ? ` at ${r2.landed}, not at ${r.proxy}` : ''}${r2.reason ? ` (${r2.reason})` : ''}; each step of the stitch must succeed in turn`;
        return null;
      }
      default:
        return null;
    }
  },
};

export const C6: Invariant = {
  id: 'C6',
  name: 'honest status from the cloud',
  doc: 'True iff, after a from-the-cloud attempt of a tenant failed and until one of its reverse connections is stitched (or a re-pair cures a certificate mismatch), its site never shows that direction healthy.',
  check(v) {
    for (const [name, code] of Object.entries(nextMemory(v).lastFromCloud)) {
      if (code === 'ok') continue;
      const t = v.after.tenants[name];
      if (t && directionHealthy(t, 'fromCloud'))
        return `${name}: a reverse connection failed (${code}) and none has been stitched since, yet the site shows ${siteState(t)} with no from-the-cloud error`;
    }
    return null;
  },
};

export const INVARIANTS: readonly Invariant[] = [C1, C2, C3, C4, C5, C5_PICKS, C6];

// ---- the fold ----

export function initialMemory(s: TunnelState): Memory {
  const all = Object.values(s.certificates).map((c) => c.thumbprint);
  return {
    pinned: Object.fromEntries(s.setup.tenants.map((t) => [t.name, t.pinned ?? all])),
    lastFromCloud: {},
  };
}

/** The oracle's memory after the step of a view. */
export function nextMemory(v: View): Memory {
  const pinned = { ...v.memory.pinned };
  const last = { ...v.memory.lastFromCloud };
  const e = v.event;
  if (e.type === 'RePair' && !v.result.refused) {
    pinned[e.tenant] = Object.values(v.before.certificates).map((c) => c.thumbprint);
    if (last[e.tenant] === 'CertificateMismatch') delete last[e.tenant];
  }
  const tenantOf = (id: string) => v.before.requests.find((r) => r.id === id)?.tenant;
  for (const x of v.result.emitted) {
    if (x.kind === 'attempt' && x.purpose === 'reverse' && !x.ok) {
      last[x.from.slice('vcta:'.length)] = x.tls?.error?.code ?? 'ReverseConnectionFailed';
    } else if (x.kind === 'stitch-refused') {
      const t = tenantOf(x.request);
      if (t) last[t] = 'ReverseConnectionFailed';
    } else if (x.kind === 'stitched') {
      const t = tenantOf(x.request);
      if (t) last[t] = 'ok';
    }
  }
  return { pinned, lastFromCloud: last };
}

export type Check = (v: View) => string | null;

/** Folds the model over the events, checking after every step; the first failure in words. */
export function simulate(c: TunnelCase, variant: Variant, check: Check): Violation | null {
  let s = init(c.setup, variant);
  let memory = initialMemory(s);
  for (const [i, event] of c.events.entries()) {
    const result = step(s, event);
    const v: View = { index: i + 1, event, before: s, after: result.state, result, memory };
    const m = check(v);
    if (m) return { step: i + 1, invariant: '', message: m };
    memory = nextMemory(v);
    s = result.state;
  }
  return null;
}
