// Tunnel cases in words: the provider and tenants, each event as a protocol step with its
// names, and what changed at the failing step.
import { siteState } from '../../model/tunnel/status.ts';
import { init, run, step } from '../../model/tunnel/step.ts';
import { describeCertificate } from '../../model/tunnel/tls.ts';
import {
  BALANCER,
  type TunnelEmitted,
  type TunnelEvent,
  type TunnelSetup,
  type TunnelState,
} from '../../model/tunnel/types.ts';
import { CORRECT, variantByName } from '../../model/variants.ts';
import type { AnyScenario, AreaRender, Fact } from '../registry-types.ts';

export function formatTunnelEvent(e: TunnelEvent): string {
  switch (e.type) {
    case 'ControlConnect':
      return `ControlConnect(${e.tenant} vCTA -> VIP, balancer picks ${e.pick})`;
    case 'ToCloudConnect':
      return `ToCloudConnect(${e.tenant} vCTA -> VIP, balancer picks ${e.pick})`;
    case 'ToCloudSend':
      return `ToCloudSend(${e.host} -> vCTA, TCP ${e.port})`;
    case 'CloudSessionStart':
      return `CloudSessionStart(${e.request}: cloud host -> ${e.pick} for group ${e.group})`;
    case 'RelayRequest':
    case 'Stitch':
      return `${e.type}(${e.request})`;
    case 'ReverseConnect':
      return `ReverseConnect(${e.request}, an L4 VIP would pick ${e.pick})`;
    case 'ProxyRestart':
      return `ProxyRestart(${e.proxy})`;
    case 'CertificateReplace':
      return `CertificateReplace(${e.target === BALANCER ? 'the L7 balancer' : e.target})`;
    case 'RulesetSet':
      return `RulesetSet(${e.host}, ${e.ruleset}, ${e.enabled ? 'enabled' : 'disabled'})`;
    case 'VibInstallManual':
      return `VibInstallManual(${e.host})`;
    default:
      return `${e.type}(${e.tenant})`;
  }
}

export function formatTunnelSetup(s: TunnelSetup): string[] {
  const p = s.provider;
  const lines = [
    `provider: ${p.balancer} balancer, VIP ${p.vip}${p.tlsBox ? '; a TLS-terminating box on the path' : ''}`,
  ];
  if (p.balancerCertificate)
    lines.push(
      `  L7 balancer certificate: ${describeCertificate(p.balancerCertificate)} (${p.balancerCertificate.thumbprint})`,
    );
  for (const x of p.proxies) {
    lines.push(
      `  ${x.name} (${x.host}): cloudproxy.reverseconnection.fqdn ${x.reverseFqdn === null ? 'not set' : `${x.reverseFqdn}:443`}; certificate ${describeCertificate(x.certificate)} (${x.certificate.thumbprint})`,
    );
  }
  lines.push(
    `  public names: ${p.names.map((n) => `${n.fqdn} -> ${n.proxy ?? 'VIP'}`).join(', ') || 'none'}`,
  );
  for (const t of s.tenants) {
    const hosts = s.hosts.filter((h) => h.tenant === t.name);
    lines.push(
      `tenant ${t.name}: vCTA on TCP ${t.vctaPorts[0]}-${t.vctaPorts[1]}; groups ${t.groups.join(', ')}; hosts ${hosts.map((h) => `${h.name} (ESXi ${h.version})`).join(', ') || 'none'}${t.pinned ? `; pinned ${t.pinned.join(' ')}` : ''}`,
    );
  }
  return lines;
}

/** The facts a reader needs about the tunnel at one moment, as key/value pairs. */
export function tunnelFacts(s: TunnelState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, t] of Object.entries(s.tenants)) {
    out[`${name} site`] = siteState(t);
    out[`${name} vCTA`] = t.vcta;
    out[`${name} control connection`] = t.control.length ? `at ${t.control.join(' and ')}` : 'none';
    out[`${name} to-the-cloud connection`] = t.toCloud ? `at ${t.toCloud}` : 'none';
    out[`${name} to-the-cloud error`] = t.errors.toCloud
      ? `${t.errors.toCloud.code}: ${t.errors.toCloud.message}`
      : 'none';
    out[`${name} from-the-cloud error`] = t.errors.fromCloud
      ? `${t.errors.fromCloud.code}: ${t.errors.fromCloud.message}`
      : 'none';
    out[`${name} pinned`] = t.pinned.join(' ');
    out[`${name} session`] = t.session;
    for (const fw of Object.values(t.firewall.hosts))
      out[`${fw.host} rulesets`] = fw.rulesets
        .map((r) => `${r.id}${r.enabled ? '' : ' (disabled)'}`)
        .join(', ');
  }
  for (const [k, c] of Object.entries(s.certificates))
    out[`${k === BALANCER ? 'L7 balancer' : k} certificate`] = c.thumbprint;
  for (const r of s.requests) {
    out[`${r.id}`] =
      `${r.tenant}/${r.group} held at ${r.proxy}, dial ${r.name}: ${r.phase}` +
      (r.landed ? `, reached ${r.landed}` : '') +
      (r.joined && r.joined !== r.id ? `, joined to ${r.joined}` : '') +
      (r.reason ? ` (${r.reason})` : '');
  }
  return out;
}

/** One line per thing the step did: who dialled whom, what was relayed, stitched or dropped. */
export function describeEmitted(e: TunnelEmitted): string {
  switch (e.kind) {
    case 'attempt':
      return `${e.from} -> ${e.to}${e.name ? ` (${e.name})` : ''} TCP ${e.port}, ${e.purpose}: ${e.ok ? 'connected' : `failed${e.landed ? ` at ${e.landed}` : ''}`}; ${e.reason}`;
    case 'message':
      return `${e.from} => ${e.to}: ${e.text}`;
    case 'stitched':
      return `${e.proxy} stitched ${e.request}'s reverse connection to session ${e.session}`;
    case 'stitch-refused':
      return `stitch of ${e.request} refused: ${e.reason}`;
    case 'dropped':
      return `${e.at} lost the ${e.what}`;
  }
}

export function tunnelStateDiff(
  variantName: string,
  setup: TunnelSetup,
  events: readonly TunnelEvent[],
  at: number,
): string[] {
  if (at < 1) return [];
  const variant = variantByName(variantName) ?? CORRECT;
  const s = run(setup, variant, events.slice(0, at - 1));
  const r = step(s, events[at - 1] as TunnelEvent);
  const out: string[] = [];
  if (r.refused) out.push(`(event refused: ${r.refused})`);
  for (const x of r.emitted) out.push(`happened: ${describeEmitted(x)}`);
  const a = tunnelFacts(s);
  const b = tunnelFacts(r.state);
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
    if (a[k] !== b[k]) out.push(`${k}: ${a[k] ?? '-'} -> ${b[k] ?? '-'}`);
  return out;
}

/** The tunnel's facts after each step, and what the step did: what --against compares. */
export function tunnelFactsOf(
  s: TunnelState,
  r?: { readonly refused?: string; readonly emitted: readonly TunnelEmitted[] },
): Fact[] {
  const out: Fact[] = Object.entries(tunnelFacts(s));
  if (r) {
    out.push(['step outcome', r.refused ? `refused: ${r.refused}` : 'applied']);
    out.push(['step did', r.emitted.map(describeEmitted).join('; ') || 'nothing']);
  }
  return out;
}

export const TUNNEL_RENDER: AreaRender = {
  formatSetup: (s) => formatTunnelSetup(s as TunnelSetup),
  formatEvent: (e) => formatTunnelEvent(e as TunnelEvent),
  stateDiff: (v, setup, events, at) =>
    tunnelStateDiff(v, setup as TunnelSetup, events as TunnelEvent[], at),
  facts: (variantName, setup, events) => {
    let s = init(setup as TunnelSetup, variantByName(variantName) ?? CORRECT);
    const out = [tunnelFactsOf(s)];
    for (const e of events as TunnelEvent[]) {
      const r = step(s, e);
      s = r.state;
      out.push(tunnelFactsOf(s, r));
    }
    return out;
  },
  eventFields: {
    ControlConnect: ['tenant', 'pick'],
    LinkDrop: ['tenant'],
    ProxyRestart: ['proxy'],
    VctaStop: ['tenant'],
    VctaStart: ['tenant'],
    ToCloudConnect: ['tenant', 'pick'],
    ToCloudSend: ['host', 'port'],
    CloudSessionStart: ['request', 'group', 'pick'],
    RelayRequest: ['request'],
    ReverseConnect: ['request', 'pick'],
    Stitch: ['request'],
    CertificateReplace: ['target'],
    RePair: ['tenant'],
    SessionExpire: ['tenant'],
    Login: ['tenant'],
    RulesetSet: ['host', 'ruleset', 'enabled'],
    VibInstallManual: ['host'],
  },
  // A tenant fewer (its hosts, groups and events with it), or a proxy fewer where nothing
  // names it.
  reduce: (sc: AnyScenario) => {
    const c = sc as { setup: TunnelSetup; events: readonly TunnelEvent[] };
    const out: AnyScenario[] = [];
    if (c.setup.tenants.length > 1) {
      for (const t of c.setup.tenants) {
        const hosts = c.setup.hosts.filter((h) => h.tenant === t.name).map((h) => h.name);
        const ids = new Set(
          c.events.flatMap((e) =>
            e.type === 'CloudSessionStart' && t.groups.includes(e.group) ? [e.request] : [],
          ),
        );
        const mentions = (e: TunnelEvent) =>
          ('tenant' in e && e.tenant === t.name) ||
          ('host' in e && hosts.includes(e.host)) ||
          ('request' in e && ids.has(e.request));
        out.push({
          setup: {
            ...c.setup,
            tenants: c.setup.tenants.filter((x) => x.name !== t.name),
            hosts: c.setup.hosts.filter((h) => h.tenant !== t.name),
          },
          events: c.events.filter((e) => !mentions(e)),
        });
      }
    }
    return out;
  },
};
