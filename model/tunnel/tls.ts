// Names and certificates on the tunnel: where a public name leads (DNS and 1:1 DNAT, seed
// 003), which name each proxy hands out for reverse connections, and the vCTA's TLS check of
// the certificate it is shown (notes E: both names on the certificate, pinned thumbprints).
import { has } from '../variants.ts';
import {
  BALANCER,
  type Certificate,
  type CommError,
  type Party,
  type ProxySetup,
  party,
  type TlsResult,
  type TunnelState,
} from './types.ts';

/** notes E (VCDA 4.x): outgoingCommError CertificateMismatch, with this message. */
export const CERTIFICATE_MISMATCH: CommError = {
  code: 'CertificateMismatch',
  message: 'Certificate differs from the expected one.',
};

// Only CertificateMismatch and its message come from a source (notes E); the other codes
// below are the model's own names for what the vCTA runs into.
export function nameMismatch(who: string, c: Certificate, name: string): CommError {
  return {
    code: 'CertificateNameMismatch',
    message: `The certificate of ${who} (${describeCertificate(c)}) does not cover ${name}.`,
  };
}

export function describeCertificate(c: Certificate): string {
  return `CN ${c.cn}${c.sans.length > 0 ? `, SANs ${c.sans.join(' ')}` : ', no SANs'}`;
}

/**
 * True iff one certificate name (CN or SAN) covers a host name: equal ignoring case, or a
 * wildcard `*.base` for exactly one label in front of base (notes E, vCAT-SP 4.3.3:
 * `*.proxy.example.com`). The wildcard-matches-any-depth defect lets it cover any depth.
 */
export function nameCovers(pattern: string, name: string, anyDepth: boolean): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (!p.startsWith('*.')) return p === n;
  const base = p.slice(1);
  if (!n.endsWith(base)) return false;
  const label = n.slice(0, n.length - base.length);
  return label.length > 0 && (anyDepth || !label.includes('.'));
}

/** True iff the certificate covers the name by its CN or one of its SANs. */
export function covers(c: Certificate, name: string, s: Pick<TunnelState, 'variant'>): boolean {
  const names = has(s.variant, 'cert-checks-cn-only') ? [c.cn] : [c.cn, ...c.sans];
  const anyDepth = has(s.variant, 'wildcard-matches-any-depth');
  return names.some((p) => nameCovers(p, name, anyDepth));
}

export function proxyOf(s: TunnelState, name: string): ProxySetup | undefined {
  return s.setup.provider.proxies.find((p) => p.name === name);
}

/**
 * The name a proxy hands out in its reverse-connection request: its override when set (seed
 * 003). Without one, an L7 proxy hands out the VIP, and the balancer routes the URI back to it
 * (notes E); an L4 proxy hands out its own cell host name, which the tenant cannot resolve.
 * UNCONFIRMED: no source says what an unset override hands out; this is the reading the
 * design implies (an L4 proxy "needs" the override). The alternative, an L4 proxy that hands
 * out the VIP, is the zoo variant reverse-fqdn-defaults-to-vip.
 */
export function reverseName(s: TunnelState, p: ProxySetup): string {
  if (p.reverseFqdn !== null) return p.reverseFqdn;
  if (s.setup.provider.balancer === 'L7') return s.setup.provider.vip;
  return has(s.variant, 'reverse-fqdn-defaults-to-vip') ? s.setup.provider.vip : p.host;
}

export type Reach =
  | { readonly ok: true; readonly proxy: string; readonly viaVip: boolean; readonly how: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Where the tenant's connection to a name ends up: public DNS and the 1:1 DNAT lead to one
 * proxy, or to the VIP, where an L4 balancer forwards to the pick and an L7 balancer to the
 * proxy the URI names (`route`), when it names one (notes E).
 */
export function reach(s: TunnelState, name: string, pick: string, route: string | null): Reach {
  const entry = s.setup.provider.names.find((n) => n.fqdn.toLowerCase() === name.toLowerCase());
  if (!entry) return { ok: false, reason: `${name} does not resolve from the tenant's site` };
  if (entry.proxy !== null)
    return { ok: true, proxy: entry.proxy, viaVip: false, how: `DNAT to ${entry.proxy}` };
  if (s.setup.provider.balancer === 'L7' && route !== null)
    return {
      ok: true,
      proxy: route,
      viaVip: true,
      how: `the L7 balancer routes the URI to ${route}`,
    };
  return {
    ok: true,
    proxy: pick,
    viaVip: true,
    how: `the ${s.setup.provider.balancer} balancer picks ${pick}`,
  };
}

/** The certificate the vCTA is shown on a connection to `name` that reached `proxy`. */
export function presented(
  s: TunnelState,
  proxy: string,
  viaVip: boolean,
  name: string,
): { certificate: Certificate; by: Party } {
  // A TLS-terminating box answers the handshake itself with a certificate it makes for the
  // name (notes E: such boxes are not supported; how the vCTA fails is not stated, so the
  // model takes the pinning check as what fails).
  if (s.setup.provider.tlsBox)
    return {
      certificate: { thumbprint: `tls-box:${name.toLowerCase()}`, cn: name, sans: [name] },
      by: party.box,
    };
  const balancer = s.certificates[BALANCER];
  if (viaVip && s.setup.provider.balancer === 'L7' && balancer)
    return { certificate: balancer, by: party.vip };
  return { certificate: s.certificates[proxy] as Certificate, by: party.proxy(proxy) };
}

/**
 * The vCTA's handshake: the certificate must cover the dialled name, then match a thumbprint
 * pinned at pairing (notes E); the thumbprint-not-pinned defect skips the second check.
 */
export function handshake(
  s: TunnelState,
  tenant: string,
  proxy: string,
  viaVip: boolean,
  name: string,
): TlsResult {
  const { certificate, by } = presented(s, proxy, viaVip, name);
  const who = by === party.box ? 'the TLS-terminating box' : by === party.vip ? 'the VIP' : proxy;
  if (!covers(certificate, name, s))
    return { certificate, presentedBy: by, ok: false, error: nameMismatch(who, certificate, name) };
  const pinned = s.tenants[tenant]?.pinned ?? [];
  if (!has(s.variant, 'thumbprint-not-pinned') && !pinned.includes(certificate.thumbprint))
    return { certificate, presentedBy: by, ok: false, error: CERTIFICATE_MISMATCH };
  return { certificate, presentedBy: by, ok: true, error: null };
}

/**
 * Every certificate the provider presents to tenants: what pairing pins. VCDA pins one
 * apiThumbprint per peer site (notes E); one per certificate shown is the inference that makes
 * that work when proxies show different certificates.
 */
export function providerThumbprints(certificates: TunnelState['certificates']): string[] {
  return Object.values(certificates).map((c) => c.thumbprint);
}
