// The optional `cloud` section of topology.json: the provider a site replicates to, as the
// tenant can learn it (the balancer mode, the VIP, each proxy's public name, override and
// certificate, the pinned thumbprints), checked field by field so a mistake is named:
// `topology.json: cloud.proxies[1].reverseFqdn: expected a host name ...`.
import { EsxcliParseError, jsonKind, jsonObject, show } from '../esxcli/records.ts';
import type { BalancerMode, Certificate, TunnelSetup } from './types.ts';

export interface CloudProxySpec {
  readonly name: string;
  /** The proxy cell's own host name (what it hands out with no override); its name if not given. */
  readonly host: string;
  /** The public FQDN DNATed 1:1 to this proxy, if it has one (seed 003). */
  readonly publicFqdn: string | null;
  /** cloudproxy.reverseconnection.fqdn, without `:443`; null when not set. */
  readonly reverseFqdn: string | null;
  readonly certificate: Certificate;
}

export interface CloudSpec {
  readonly balancer: BalancerMode;
  readonly vip: string;
  readonly balancerCertificate: Certificate | null;
  readonly proxies: readonly CloudProxySpec[];
  /** What pairing stored; null: not given, so pinning is taken as current and not checked. */
  readonly pinnedThumbprints: readonly string[] | null;
  readonly tlsInspection: boolean;
  /** The vCTA's port range (notes D: TCP 10000-10010 unless reconfigured). */
  readonly vctaPorts: readonly [number, number];
}

export const DEFAULT_VCTA_PORTS: readonly [number, number] = [10000, 10010];
const FIELDS = [
  'balancer',
  'vip',
  'balancerCertificate',
  'proxies',
  'pinnedThumbprints',
  'tlsInspection',
  'vctaPorts',
];
const PROXY_FIELDS = ['name', 'host', 'publicFqdn', 'reverseFqdn', 'certificate'];
const CERT_FIELDS = ['cn', 'sans', 'thumbprint'];
const HOST_NAME =
  /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

type Obj = Record<string, unknown>;

/** The `cloud` section of a topology.json text, or null when it has none. */
export function parseCloud(file: string, text: string): CloudSpec | null {
  const bad = (path: string, detail: string): never => {
    throw new EsxcliParseError(file, 0, `${path}: ${detail}`);
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new EsxcliParseError(file, 0, `not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || !('cloud' in raw)) return null;
  const what = jsonKind;
  const obj = (v: unknown, path: string, fields: readonly string[]): Obj =>
    jsonObject(v, path, fields, bad);
  const name = (v: unknown, path: string, wildcard = false): string => {
    if (typeof v !== 'string' || !HOST_NAME.test(v) || (!wildcard && v.startsWith('*.')))
      return bad(
        path,
        `expected a host name such as ${wildcard ? '*.proxy.example.com or ' : ''}cp1.proxy.example.com, got ${what(v)}`,
      );
    return v;
  };
  const cert = (v: unknown, path: string): Certificate => {
    const o = obj(v, path, CERT_FIELDS);
    const sans =
      o.sans === undefined
        ? []
        : Array.isArray(o.sans)
          ? o.sans.map((x, i) => name(x, `${path}.sans[${i}]`, true))
          : bad(`${path}.sans`, `expected an array of names, got ${what(o.sans)}`);
    const thumbprint =
      o.thumbprint === undefined
        ? `(${path})`
        : typeof o.thumbprint === 'string' && o.thumbprint !== ''
          ? o.thumbprint
          : bad(`${path}.thumbprint`, `expected a non-empty string, got ${what(o.thumbprint)}`);
    return { cn: name(o.cn, `${path}.cn`, true), sans, thumbprint };
  };
  const c = obj((raw as Obj).cloud, 'cloud', FIELDS);
  const balancer =
    c.balancer === 'L4' || c.balancer === 'L7'
      ? c.balancer
      : bad('cloud.balancer', `expected one of L4, L7, got ${what(c.balancer)}`);
  const vip = name(c.vip, 'cloud.vip');
  const proxiesRaw = Array.isArray(c.proxies)
    ? c.proxies
    : bad('cloud.proxies', `expected an array of proxies, got ${what(c.proxies)}`);
  if (proxiesRaw.length === 0) bad('cloud.proxies', 'expected at least one proxy');
  const proxies = proxiesRaw.map((v, i): CloudProxySpec => {
    const p = `cloud.proxies[${i}]`;
    const o = obj(v, p, PROXY_FIELDS);
    const n =
      typeof o.name === 'string' && /^[A-Za-z0-9_.-]+$/.test(o.name)
        ? o.name
        : bad(`${p}.name`, `expected a proxy name (letters, digits, . _ -), got ${what(o.name)}`);
    let reverse: string | null = null;
    if (o.reverseFqdn !== undefined && o.reverseFqdn !== null) {
      const r = typeof o.reverseFqdn === 'string' ? o.reverseFqdn : '';
      // The property is written FQDN:443 (seed 003); the port, if given, must be 443.
      const m = /^(.*?)(?::(\d+))?$/.exec(r);
      if (m?.[2] !== undefined && m[2] !== '443')
        bad(`${p}.reverseFqdn`, `expected port 443 (FQDN:443), got ${show(r)}`);
      reverse = name(m?.[1] ?? r, `${p}.reverseFqdn`);
    }
    return {
      name: n,
      host: o.host === undefined ? n : name(o.host, `${p}.host`),
      publicFqdn:
        o.publicFqdn === undefined || o.publicFqdn === null
          ? null
          : name(o.publicFqdn, `${p}.publicFqdn`),
      reverseFqdn: reverse,
      certificate: cert(o.certificate, `${p}.certificate`),
    };
  });
  proxies.forEach((p, i) => {
    if (proxies.findIndex((x) => x.name === p.name) !== i)
      bad(`cloud.proxies[${i}].name`, `${p.name} listed twice`);
  });
  const lb =
    c.balancerCertificate === undefined || c.balancerCertificate === null
      ? null
      : cert(c.balancerCertificate, 'cloud.balancerCertificate');
  if (balancer === 'L7' && !lb)
    bad(
      'cloud.balancerCertificate',
      'missing: an L7 balancer terminates TLS and shows its own certificate',
    );
  const pinned =
    c.pinnedThumbprints === undefined || c.pinnedThumbprints === null
      ? null
      : Array.isArray(c.pinnedThumbprints)
        ? c.pinnedThumbprints.map((x, i) =>
            typeof x === 'string' && x !== ''
              ? x
              : bad(`cloud.pinnedThumbprints[${i}]`, `expected a non-empty string, got ${what(x)}`),
          )
        : bad(
            'cloud.pinnedThumbprints',
            `expected an array of thumbprints, got ${what(c.pinnedThumbprints)}`,
          );
  if (pinned) {
    proxies.forEach((p, i) => {
      if (p.certificate.thumbprint.startsWith('('))
        bad(
          `cloud.proxies[${i}].certificate.thumbprint`,
          'missing: needed to compare with pinnedThumbprints',
        );
    });
  }
  const tls =
    c.tlsInspection === undefined
      ? false
      : typeof c.tlsInspection === 'boolean'
        ? c.tlsInspection
        : bad('cloud.tlsInspection', `expected true or false, got ${what(c.tlsInspection)}`);
  let ports = DEFAULT_VCTA_PORTS;
  if (c.vctaPorts !== undefined) {
    const m = typeof c.vctaPorts === 'string' ? /^(\d+)-(\d+)$/.exec(c.vctaPorts) : null;
    const lo = Number(m?.[1]);
    const hi = Number(m?.[2]);
    if (!m || lo < 1 || hi > 65535 || lo > hi)
      bad(
        'cloud.vctaPorts',
        `expected a TCP port range such as "10000-10010", got ${what(c.vctaPorts)}`,
      );
    ports = [lo, hi];
  }
  return {
    balancer,
    vip,
    balancerCertificate: lb,
    proxies,
    pinnedThumbprints: pinned,
    tlsInspection: tls,
    vctaPorts: ports,
  };
}

/** The tenant the host check speaks for: the site whose hosts are in the topology. */
export const CHECKED_TENANT = 'this-site';
export const CHECKED_GROUP = 'group-1';

/** The model's setup for a cloud section: one tenant (the checked site) and the provider. */
export function setupOf(spec: CloudSpec, hosts: TunnelSetup['hosts'] = []): TunnelSetup {
  return {
    provider: {
      balancer: spec.balancer,
      vip: spec.vip,
      balancerCertificate: spec.balancer === 'L7' ? spec.balancerCertificate : null,
      proxies: spec.proxies.map((p) => ({
        name: p.name,
        host: p.host,
        reverseFqdn: p.reverseFqdn,
        certificate: p.certificate,
      })),
      names: [
        { fqdn: spec.vip, proxy: null },
        ...spec.proxies.flatMap((p) =>
          p.publicFqdn ? [{ fqdn: p.publicFqdn, proxy: p.name }] : [],
        ),
      ],
      tlsBox: spec.tlsInspection,
    },
    tenants: [
      {
        name: CHECKED_TENANT,
        vctaPorts: spec.vctaPorts,
        groups: [CHECKED_GROUP],
        ...(spec.pinnedThumbprints ? { pinned: spec.pinnedThumbprints } : {}),
      },
    ],
    hosts,
  };
}
