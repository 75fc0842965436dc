// The tunnel layouts as host-check folders under properties/fixtures/hosts/: seed 003's two
// ESXi hosts (the vib installed) and a topology.json with its `cloud` section, written by
// properties/esxcli/generate.ts through render.ts like every other fixture set.
import type { CloudSpec } from '../../model/tunnel/spec.ts';
import {
  baseFirewall,
  type FixtureSet,
  fixtureFiles,
  seed003Host,
  seed003Topology,
  topologyFile,
  withVib,
} from '../esxcli/fixtures.ts';
import { TUNNEL_LAYOUTS, WILDCARD_SPEC } from './scenarios.ts';

/** The cloud section as topology.json spells it. */
export function cloudJson(spec: CloudSpec): Record<string, unknown> {
  const cert = (c: { cn: string; sans: readonly string[]; thumbprint: string }) => ({
    cn: c.cn,
    ...(c.sans.length ? { sans: c.sans } : {}),
    thumbprint: c.thumbprint,
  });
  return {
    balancer: spec.balancer,
    vip: spec.vip,
    ...(spec.balancerCertificate ? { balancerCertificate: cert(spec.balancerCertificate) } : {}),
    proxies: spec.proxies.map((p) => ({
      name: p.name,
      ...(p.host !== p.name ? { host: p.host } : {}),
      ...(p.publicFqdn ? { publicFqdn: p.publicFqdn } : {}),
      ...(p.reverseFqdn ? { reverseFqdn: `${p.reverseFqdn}:443` } : {}),
      certificate: cert(p.certificate),
    })),
    ...(spec.pinnedThumbprints ? { pinnedThumbprints: spec.pinnedThumbprints } : {}),
    ...(spec.tlsInspection ? { tlsInspection: true } : {}),
    vctaPorts: `${spec.vctaPorts[0]}-${spec.vctaPorts[1]}`,
  };
}

/** After the certificates were replaced (a new key, so a new thumbprint) and before a re-pair. */
export const CERT_REPLACED_SPEC: CloudSpec = {
  ...WILDCARD_SPEC,
  proxies: WILDCARD_SPEC.proxies.map((p) => ({
    ...p,
    certificate: { ...p.certificate, thumbprint: 'A7:0D:5C:E9:3B' },
  })),
};

export interface TunnelFixtureSet extends FixtureSet {
  readonly cloud: CloudSpec;
}

function set(name: string, cloud: CloudSpec, exit: 0 | 1): TunnelFixtureSet {
  const a = seed003Host('esx-01', 11, '6.7');
  const b = seed003Host('esx-02', 12, '7.0');
  return {
    name,
    topology: seed003Topology,
    cloud,
    exit,
    hosts: [
      { setup: a, firewall: withVib(baseFirewall(a)), style: { kind: 'folder', format: 'text' } },
      { setup: b, firewall: withVib(baseFirewall(b)), style: { kind: 'folder', format: 'text' } },
    ],
  };
}

const specOf = (name: string) => {
  const l = TUNNEL_LAYOUTS.find((x) => x.name === name);
  if (!l) throw new Error(`no tunnel layout ${name}`);
  return l.spec;
};

export const TUNNEL_FIXTURE_SETS: readonly TunnelFixtureSet[] = [
  set('seed-003-tunnel-wildcard', specOf('seed-003-tunnel-wildcard'), 0),
  set('seed-003-tunnel-vip-only-cert', specOf('seed-003-tunnel-vip-only-cert'), 1),
  set('seed-003-tunnel-l4-no-override', specOf('seed-003-tunnel-l4-no-override'), 1),
  set('seed-003-tunnel-cert-replaced', CERT_REPLACED_SPEC, 1),
  set('seed-003-tunnel-tls-inspection', specOf('seed-003-tunnel-tls-inspection'), 1),
];

/** Every file of a set: the host folders as for any set, and topology.json with `cloud`. */
export function tunnelFixtureFiles(s: TunnelFixtureSet): Record<string, string> {
  return {
    ...fixtureFiles(s),
    'topology.json': `${JSON.stringify(
      {
        ...topologyFile(
          s.topology,
          s.hosts.map((h) => h.setup),
        ),
        cloud: cloudJson(s.cloud),
      },
      null,
      2,
    )}\n`,
  };
}
