// The tunnel layouts as host-check folders under properties/fixtures/hosts/: a site's two
// ESXi hosts (the vib installed) and a topology.json with its `cloud` section, written by
// properties/esxcli/generate.ts through render.ts like every other fixture set.
import { firewallStep } from '../../model/firewall/firewall.ts';
import type { Topology } from '../../model/network/intent.ts';
import type { HostSetup } from '../../model/network/types.ts';
import type { CloudSpec } from '../../model/tunnel/spec.ts';
import { CORRECT } from '../../model/variants.ts';
import { baseFirewall, type FixtureSet, fixtureFiles } from '../esxcli/fixtures.ts';
import { TUNNEL_LAYOUTS, WILDCARD_SPEC } from './scenarios.ts';

/** The on-premises site of seed 003: hosts behind a perimeter, the VR appliance with its vCTA. */
const SITE: Topology = {
  subnets: [
    { site: 'primary', network: '172.16.0.0/24', gateway: '172.16.0.1', purpose: 'management' },
    { site: 'primary', network: '192.168.10.0/24', gateway: null, purpose: 'vmotion' },
  ],
  hosts: [
    { name: 'esx-01', site: 'primary' },
    { name: 'esx-02', site: 'primary' },
  ],
  appliances: [
    { role: 'vcenter', site: 'primary', ip: '172.16.0.10' },
    { role: 'vr-appliance', site: 'primary', ip: '172.16.0.20' },
  ],
  replication: [],
  toCloud: true,
};

const host = (name: string, n: number, version: HostSetup['version']): HostSetup => ({
  name,
  version,
  vmks: [
    { name: 'vmk0', address: `172.16.0.${n}/24`, tags: ['Management'] },
    { name: 'vmk1', address: `192.168.10.${n}/24`, tags: ['VMotion'] },
  ],
  netstacks: [{ name: 'defaultTcpipStack', gateway: '172.16.0.1' }],
});

function withVib(h: HostSetup) {
  const fw = baseFirewall(h);
  return (
    firewallStep(
      { now: 0, hosts: { [h.name]: fw } },
      { type: 'VibInstallManual', host: h.name },
      CORRECT,
    ).world.hosts[h.name] ?? fw
  );
}

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
  const a = host('esx-01', 11, '6.7');
  const b = host('esx-02', 12, '7.0');
  return {
    name,
    topology: SITE,
    cloud,
    exit,
    hosts: [
      { setup: a, firewall: withVib(a), style: { kind: 'folder', format: 'text' } },
      { setup: b, firewall: withVib(b), style: { kind: 'folder', format: 'text' } },
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
    'topology.json': `${JSON.stringify({ ...s.topology, cloud: cloudJson(s.cloud) }, null, 2)}\n`,
  };
}
