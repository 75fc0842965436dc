// The cloud tunnel as a pure step function: init(setup, variant) and step(state, event).
// Sources: seed 003 (vCloud Availability: vCTA, control connection, Cloud Proxies behind a
// load balancer, the reverse connection and the stitch) and research-notes E and D.
import { type FirewallWorld, firewallStep, initFirewall } from '../firewall/firewall.ts';
import { has, type Variant } from '../variants.ts';
import { hostLetsOut } from './host-firewall.ts';
import {
  CERTIFICATE_MISMATCH,
  handshake,
  providerThumbprints,
  proxyOf,
  reach,
  reverseName,
} from './tls.ts';
import {
  BALANCER,
  type Certificate,
  type CommError,
  DEFAULT_VCTA_ADDRESS,
  type Direction,
  type FromCloudRequest,
  party,
  type TenantState,
  type TunnelEmitted,
  type TunnelEvent,
  type TunnelSetup,
  type TunnelState,
  type TunnelStep,
} from './types.ts';

/** Proxies answer tenants on 443, cloud hosts on 31031 (notes E: vCloud Availability 1.x/2.x). */
export const PROXY_PORT = 443;
export const FROM_CLOUD_LISTENER = 31031;

export function init(setup: TunnelSetup, variant: Variant): TunnelState {
  const certificates: Record<string, Certificate> = {};
  for (const p of setup.provider.proxies) certificates[p.name] = p.certificate;
  const lb = setup.provider.balancerCertificate;
  if (setup.provider.balancer === 'L7' && lb) certificates[BALANCER] = lb;
  const tenants: Record<string, TenantState> = {};
  for (const t of setup.tenants) {
    let firewall: FirewallWorld = {
      now: 0,
      hosts: Object.fromEntries(
        setup.hosts
          .filter((h) => h.tenant === t.name)
          .map((h) => [h.name, initFirewall(h.name, h.version, variant)]),
      ),
    };
    // The VR appliance pushes the vr2c-firewall vib to its hosts when it boots (notes D).
    firewall = firewallStep(firewall, { type: 'ApplianceBoot' }, variant).world;
    tenants[t.name] = {
      vcta: 'up',
      pinned: t.pinned ?? providerThumbprints(certificates),
      session: 'valid',
      control: [],
      toCloud: null,
      errors: { toCloud: null, fromCloud: null },
      firewall,
    };
  }
  return { setup, variant, tick: 0, certificates, reissued: 0, tenants, requests: [] };
}

/** Folds step over events from init: the replay path, with no generator involved. */
export function run(
  setup: TunnelSetup,
  variant: Variant,
  events: readonly TunnelEvent[],
): TunnelState {
  let s = init(setup, variant);
  for (const e of events) s = step(s, e).state;
  return s;
}

interface Ctx {
  s: TunnelState;
  emitted: TunnelEmitted[];
}

function refuse(s: TunnelState, why: string): TunnelStep {
  return { state: { ...s, tick: s.tick + 1 }, emitted: [], refused: why };
}

function setTenant(c: Ctx, name: string, t: TenantState): void {
  c.s = { ...c.s, tenants: { ...c.s.tenants, [name]: t } };
}

function setRequest(c: Ctx, r: FromCloudRequest): void {
  c.s = { ...c.s, requests: c.s.requests.map((x) => (x.id === r.id ? r : x)) };
}

/**
 * The error a direction shows now, unless the defect keeps from-the-cloud failures silent.
 * Control and to-the-cloud connections report as outgoing (notes E: outgoingCommError), reverse
 * connections as from the cloud: the direction of the data, an inference.
 */
function report(c: Ctx, tenant: string, d: Direction, error: CommError | null): void {
  const t = c.s.tenants[tenant] as TenantState;
  // Alternative reading (notes E, UNCONFIRMED symptom): the site never shows a failed reverse
  // connection. The reverse-failure-silent variant.
  if (error && d === 'fromCloud' && has(c.s.variant, 'reverse-failure-silent')) return;
  setTenant(c, tenant, { ...t, errors: { ...t.errors, [d]: error } });
}

const failure = (code: string, message: string): CommError => ({ code, message });

const isOpen = (r: FromCloudRequest) =>
  r.phase === 'pending' || r.phase === 'relayed' || r.phase === 'connected';

export function step(s: TunnelState, e: TunnelEvent): TunnelStep {
  const c: Ctx = { s, emitted: [] };
  const refused = apply(c, e);
  if (refused !== undefined) return refuse(s, refused);
  return { state: { ...c.s, tick: s.tick + 1 }, emitted: c.emitted };
}

/** Applies the event to c, or returns why a guard refused it. */
function apply(c: Ctx, e: TunnelEvent): string | undefined {
  const s = c.s;
  switch (e.type) {
    case 'ControlConnect':
    case 'ToCloudConnect':
      return connectToVip(
        c,
        e.type === 'ControlConnect' ? 'control' : 'to-cloud',
        e.tenant,
        e.pick,
      );
    case 'LinkDrop':
    case 'VctaStop': {
      const t = s.tenants[e.tenant];
      if (!t) return `no tenant ${e.tenant}`;
      if (e.type === 'VctaStop' && t.vcta === 'down') return `the vCTA of ${e.tenant} is stopped`;
      const held = t.control.length > 0 || t.toCloud !== null;
      const reversing = s.requests.some((r) => r.tenant === e.tenant && r.phase === 'connected');
      if (e.type === 'LinkDrop' && !held && !reversing)
        return `${e.tenant} has no connection to drop`;
      for (const p of t.control) c.emitted.push(dropped(p, `control connection of ${e.tenant}`));
      if (t.toCloud !== null)
        c.emitted.push(dropped(t.toCloud, `to-the-cloud connection of ${e.tenant}`));
      setTenant(c, e.tenant, {
        ...t,
        control: [],
        toCloud: null,
        vcta: e.type === 'VctaStop' ? 'down' : t.vcta,
      });
      for (const r of s.requests.filter((x) => x.tenant === e.tenant)) {
        if (r.phase === 'connected') {
          c.emitted.push(dropped(r.landed ?? r.proxy, `reverse connection for ${r.id}`));
          setRequest(c, { ...r, phase: 'lost', reason: `${e.type} dropped it before the stitch` });
        } else if (r.phase === 'relayed' && e.type === 'VctaStop') {
          // The vCTA kept the request in memory (an inference); the proxy still holds the
          // session, so it waits to be relayed again once a control connection is back.
          setRequest(c, { ...r, phase: 'pending' });
        }
      }
      return;
    }
    case 'VctaStart': {
      const t = s.tenants[e.tenant];
      if (!t) return `no tenant ${e.tenant}`;
      if (t.vcta === 'up') return `the vCTA of ${e.tenant} is running`;
      setTenant(c, e.tenant, { ...t, vcta: 'up' });
      return;
    }
    case 'ProxyRestart':
      return proxyRestart(c, e.proxy);
    case 'ToCloudSend':
      return toCloudSend(c, e.host, e.port);
    case 'CloudSessionStart':
      return cloudSessionStart(c, e.request, e.group, e.pick);
    case 'RelayRequest':
      return relay(c, e.request);
    case 'ReverseConnect':
      return reverseConnect(c, e.request, e.pick);
    case 'Stitch':
      return stitch(c, e.request);
    case 'CertificateReplace': {
      const old = s.certificates[e.target];
      if (!old) return `no certificate ${e.target}`;
      const n = s.reissued + 1;
      c.s = {
        ...s,
        reissued: n,
        certificates: {
          ...s.certificates,
          [e.target]: { ...old, thumbprint: `${old.thumbprint}/r${n}` },
        },
      };
      return;
    }
    case 'RePair': {
      const t = s.tenants[e.tenant];
      if (!t) return `no tenant ${e.tenant}`;
      const now = providerThumbprints(s.certificates);
      if (now.length === t.pinned.length && now.every((x) => t.pinned.includes(x)))
        return `${e.tenant} is paired with these certificates already`;
      // Re-pairing pins the provider's certificates again and clears the mismatch (notes E).
      const clear = (x: CommError | null) => (x?.code === CERTIFICATE_MISMATCH.code ? null : x);
      setTenant(c, e.tenant, {
        ...t,
        pinned: now,
        errors: { toCloud: clear(t.errors.toCloud), fromCloud: clear(t.errors.fromCloud) },
      });
      return;
    }
    case 'SessionExpire':
    case 'Login': {
      const t = s.tenants[e.tenant];
      if (!t) return `no tenant ${e.tenant}`;
      const next = e.type === 'Login' ? 'valid' : 'expired';
      if (t.session === next) return `the session of ${e.tenant} is ${next} already`;
      setTenant(c, e.tenant, { ...t, session: next });
      return;
    }
    case 'RulesetSet':
    case 'VibInstallManual': {
      const h = s.setup.hosts.find((x) => x.name === e.host);
      const t = h ? s.tenants[h.tenant] : undefined;
      if (!h || !t) return `no tenant host ${e.host}`;
      const r = firewallStep(t.firewall, e, s.variant);
      if (r.error) return r.error;
      setTenant(c, h.tenant, { ...t, firewall: r.world });
      return;
    }
  }
}

function dropped(proxy: string, what: string): TunnelEmitted {
  return { kind: 'dropped', at: party.proxy(proxy), what };
}

/** The vCTA's control or to-the-cloud connection: to the VIP, through the public balancer. */
function connectToVip(
  c: Ctx,
  purpose: 'control' | 'to-cloud',
  tenant: string,
  pick: string,
): string | undefined {
  const s = c.s;
  const t = s.tenants[tenant];
  if (!t) return `no tenant ${tenant}`;
  if (!proxyOf(s, pick)) return `no proxy ${pick}`;
  if (t.vcta === 'down') return `the vCTA of ${tenant} is stopped`;
  // One control connection per tenant (notes E); the defect opens another beside it.
  if (purpose === 'control' && t.control.length > 0 && !has(s.variant, 'second-control-connection'))
    return `${tenant} has its control connection at ${t.control[0]}`;
  if (purpose === 'to-cloud' && t.toCloud !== null)
    return `${tenant} has its to-the-cloud connection at ${t.toCloud}`;
  const vip = s.setup.provider.vip;
  const where = reach(s, vip, pick, null);
  if (!where.ok) {
    c.emitted.push(attempt(purpose, party.vcta(tenant), party.dns, vip, null, null, where.reason));
    report(c, tenant, 'toCloud', failure('ConnectionFailed', where.reason));
    return;
  }
  const tls = handshake(s, tenant, where.proxy, where.viaVip, vip);
  const to = where.viaVip ? party.vip : party.proxy(where.proxy);
  c.emitted.push(
    attempt(
      purpose,
      party.vcta(tenant),
      to,
      vip,
      where.proxy,
      tls,
      tls.error?.message ?? where.how,
    ),
  );
  if (!tls.ok) {
    report(c, tenant, 'toCloud', tls.error);
    return;
  }
  const cur = c.s.tenants[tenant] as TenantState;
  setTenant(c, tenant, {
    ...cur,
    ...(purpose === 'control'
      ? { control: [...cur.control, where.proxy] }
      : { toCloud: where.proxy }),
    errors: { ...cur.errors, toCloud: null },
  });
}

function attempt(
  purpose: 'control' | 'to-cloud' | 'reverse',
  from: string,
  to: string,
  name: string,
  landed: string | null,
  tls: ReturnType<typeof handshake> | null,
  reason: string,
): TunnelEmitted {
  return {
    kind: 'attempt',
    purpose,
    from,
    to,
    name,
    port: PROXY_PORT,
    opener: 'tenant',
    crossesPerimeter: true,
    landed,
    tls,
    ok: landed !== null && tls?.ok === true,
    reason,
  };
}

function proxyRestart(c: Ctx, proxy: string): string | undefined {
  const s = c.s;
  if (!proxyOf(s, proxy)) return `no proxy ${proxy}`;
  for (const [name, t] of Object.entries(s.tenants)) {
    if (!t.control.includes(proxy) && t.toCloud !== proxy) continue;
    if (t.control.includes(proxy)) c.emitted.push(dropped(proxy, `control connection of ${name}`));
    if (t.toCloud === proxy) c.emitted.push(dropped(proxy, `to-the-cloud connection of ${name}`));
    setTenant(c, name, {
      ...t,
      control: t.control.filter((p) => p !== proxy),
      toCloud: t.toCloud === proxy ? null : t.toCloud,
    });
  }
  // Pending sessions live in the proxy's memory: a restart loses them (issue 14; no source
  // says where they live).
  for (const r of s.requests) {
    if (isOpen(r) && (r.proxy === proxy || (r.phase === 'connected' && r.landed === proxy))) {
      c.emitted.push(dropped(proxy, `session ${r.id}`));
      setRequest(c, { ...r, phase: 'lost', reason: `${proxy} restarted` });
    }
  }
}

function toCloudSend(c: Ctx, host: string, port: number): string | undefined {
  const s = c.s;
  const h = s.setup.hosts.find((x) => x.name === host);
  const t = h ? s.tenants[h.tenant] : undefined;
  const ts = h ? s.setup.tenants.find((x) => x.name === h.tenant) : undefined;
  if (!h || !t || !ts) return `no tenant host ${host}`;
  const [lo, hi] = ts.vctaPorts;
  if (port < lo || port > hi) return `the vCTA of ${h.tenant} listens on ${lo}-${hi}, not ${port}`;
  const fw = t.firewall.hosts[host];
  const verdict = fw ? hostLetsOut(fw, port, ts.vcta ?? DEFAULT_VCTA_ADDRESS, s.variant) : null;
  const send = (ok: boolean, reason: string): TunnelEmitted => ({
    kind: 'attempt',
    purpose: 'send',
    from: party.host(host),
    to: party.vcta(h.tenant),
    name: null,
    port,
    opener: 'tenant',
    crossesPerimeter: false,
    landed: null,
    tls: null,
    ok,
    reason,
  });
  // seed 003: ESXi (VR agent) -> vCTA on TCP 10000-10010 through the host's firewall.
  if (verdict?.action === 'drop') {
    c.emitted.push(send(false, `${host}'s firewall drops TCP ${port}: ${verdict.reason}`));
    return;
  }
  if (t.vcta === 'down') {
    c.emitted.push(send(false, `the vCTA of ${h.tenant} is stopped`));
    return;
  }
  if (t.toCloud === null) {
    c.emitted.push(send(false, `the vCTA of ${h.tenant} has no to-the-cloud connection`));
    return;
  }
  c.emitted.push(send(true, verdict ? verdict.reason : 'no firewall'));
  // Then through the tunnel: the proxy decrypts and hands it to the cloud vRS (seed 003).
  c.emitted.push({
    kind: 'message',
    from: party.vcta(h.tenant),
    to: party.proxy(t.toCloud),
    text: `replication from ${host} through the tunnel`,
    over: 'to-cloud',
  });
  c.emitted.push({
    kind: 'message',
    from: party.proxy(t.toCloud),
    to: party.vrs,
    text: `replication from ${host}`,
    over: 'internal',
  });
}

function cloudSessionStart(c: Ctx, id: string, group: string, pick: string): string | undefined {
  const s = c.s;
  if (s.requests.some((r) => r.id === id)) return `a session ${id} exists already`;
  const p = proxyOf(s, pick);
  if (!p) return `no proxy ${pick}`;
  const tenant = s.setup.tenants.find((t) => t.groups.includes(group));
  if (!tenant) return `no tenant replicates group ${group}`;
  // vCAT-SP 4.3.1 (3)-(5): the internal balancer hands the cloud host's connection to P1, which
  // resolves the group to its tenant, holds the session, and broadcasts a reverse-connection
  // request carrying its own reverse name.
  const name = reverseName(s, p);
  c.emitted.push({
    kind: 'attempt',
    purpose: 'cloud-session',
    from: party.cloudHost,
    to: party.proxy(pick),
    name: null,
    port: FROM_CLOUD_LISTENER,
    opener: 'cloud',
    crossesPerimeter: false,
    landed: pick,
    tls: null,
    ok: true,
    reason: `the internal balancer picks ${pick}`,
  });
  c.emitted.push({
    kind: 'message',
    from: party.proxy(pick),
    to: party.proxy(pick),
    text: `holds ${id} (${tenant.name}/${group}); broadcasts: dial ${name}`,
    over: 'bus',
  });
  c.s = {
    ...s,
    requests: [
      ...s.requests,
      {
        id,
        tenant: tenant.name,
        group,
        proxy: pick,
        name,
        phase: 'pending',
        landed: null,
        joined: null,
        reason: null,
      },
    ],
  };
}

function relay(c: Ctx, id: string): string | undefined {
  const s = c.s;
  const r = s.requests.find((x) => x.id === id);
  if (!r) return `no session ${id}`;
  if (r.phase !== 'pending') return `${id} is ${r.phase}, not pending`;
  const t = s.tenants[r.tenant] as TenantState;
  const holder = t.control[0];
  if (holder === undefined) return `${r.tenant} has no control connection: ${id} waits`;
  if (has(s.variant, 'cloud-dials-tenant')) {
    // Defect: the proxy dials the vCTA instead of using the control connection; the tenant's
    // perimeter lets connections out and none in (seed 003), so it never arrives.
    c.emitted.push({
      kind: 'attempt',
      purpose: 'relay',
      from: party.proxy(holder),
      to: party.vcta(r.tenant),
      name: null,
      port: PROXY_PORT,
      opener: 'cloud',
      crossesPerimeter: true,
      landed: null,
      tls: null,
      ok: false,
      reason: `the perimeter of ${r.tenant} lets no connection in`,
    });
    return;
  }
  // notes E: only the proxy holding the tenant's control connection sends it requests. That
  // it relays P1's broadcast is vCAT-SP 4.3.1 step 6, UNCONFIRMED past the stored copy's cut.
  c.emitted.push({
    kind: 'message',
    from: party.proxy(holder),
    to: party.vcta(r.tenant),
    text: `reverse connection for ${r.id}: dial ${r.name}`,
    over: 'control',
  });
  setRequest(c, { ...r, phase: 'relayed' });
}

function reverseConnect(c: Ctx, id: string, pick: string): string | undefined {
  const s = c.s;
  const r = s.requests.find((x) => x.id === id);
  if (!r) return `no session ${id}`;
  if (!proxyOf(s, pick)) return `no proxy ${pick}`;
  if (r.phase !== 'relayed') return `${id} is ${r.phase}, not relayed`;
  const route = s.setup.provider.balancer === 'L7' ? r.proxy : null;
  const where = reach(s, r.name, pick, route);
  const fail = (error: CommError, landed: string | null) => {
    setRequest(c, { ...r, phase: 'failed', landed, reason: error.message });
    report(c, r.tenant, 'fromCloud', error);
  };
  if (!where.ok) {
    c.emitted.push(
      attempt('reverse', party.vcta(r.tenant), party.dns, r.name, null, null, where.reason),
    );
    fail(failure('ReverseConnectionFailed', `${id}: ${where.reason}`), null);
    return;
  }
  const tls = handshake(s, r.tenant, where.proxy, where.viaVip, r.name);
  const to = where.viaVip ? party.vip : party.proxy(where.proxy);
  c.emitted.push(
    attempt(
      'reverse',
      party.vcta(r.tenant),
      to,
      r.name,
      where.proxy,
      tls,
      tls.error?.message ?? where.how,
    ),
  );
  if (!tls.ok) {
    fail(tls.error as CommError, where.proxy);
    return;
  }
  setRequest(c, { ...r, phase: 'connected', landed: where.proxy });
}

function stitch(c: Ctx, id: string): string | undefined {
  const s = c.s;
  const r = s.requests.find((x) => x.id === id);
  if (!r) return `no session ${id}`;
  if (r.phase !== 'connected' || r.landed === null) return `${id} is ${r.phase}, not connected`;
  const at = r.landed;
  // vCAT-SP 4.3.1 (step 10 in seed 003; UNCONFIRMED in detail past the stored copy's cut):
  // the proxy joins the reverse connection to the session it holds for that
  // (tenant, group). The defect joins the first session it holds, whoever it belongs to.
  const session = has(s.variant, 'stitch-any-pending')
    ? s.requests.find((x) => x.proxy === at && isOpen(x))
    : r.proxy === at
      ? r
      : undefined;
  if (!session) {
    const reason = `${at} holds no session for ${id} (${r.proxy} holds it)`;
    c.emitted.push({ kind: 'stitch-refused', request: id, reason });
    setRequest(c, { ...r, phase: 'failed', reason });
    report(c, r.tenant, 'fromCloud', failure('ReverseConnectionFailed', `${id}: ${reason}`));
    return;
  }
  c.emitted.push({ kind: 'stitched', request: id, session: session.id, proxy: at });
  setRequest(c, { ...r, phase: 'stitched', joined: session.id, reason: null });
  if (session.id !== id) setRequest(c, { ...session, phase: 'stitched', joined: id });
  report(c, r.tenant, 'fromCloud', null);
}
