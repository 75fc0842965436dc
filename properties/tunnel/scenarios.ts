// Seed 003's provider layouts as fixtures with the verdicts the sources give (seed 003, notes
// E): a wildcard certificate for the VIP and every proxy's reverse FQDN works; a certificate
// for the VIP only, or L4 proxies without their override, break from-the-cloud replication;
// an L7 balancer needs no override; a replaced certificate fails until the sites re-pair; a
// TLS-terminating box fails every connection.
import { type ProbeFailure, probe } from '../../model/tunnel/check.ts';
import { CHECKED_TENANT, type CloudSpec, setupOf } from '../../model/tunnel/spec.ts';
import { run } from '../../model/tunnel/step.ts';
import type { Certificate, TunnelEvent, TunnelSetup } from '../../model/tunnel/types.ts';
import type { Variant } from '../../model/variants.ts';
import { type CounterexampleRecord, FAST_CHECK_VERSION } from '../harness.ts';
import { propertyById } from '../registry.ts';

export interface TunnelLayout {
  readonly name: string;
  readonly source: string;
  readonly spec: CloudSpec;
  /** What happened to the layout before it is judged (a certificate replacement, a re-pair). */
  readonly events: readonly TunnelEvent[];
  readonly expected: 'found' | 'clean';
}

export const VIP = 'vcav.proxy.example.com';
const WILDCARD: Certificate = {
  cn: '*.proxy.example.com',
  sans: [],
  thumbprint: '5E:21:7A:C4:0B',
};
const proxy = (n: number, certificate: Certificate, override: boolean) => ({
  name: `cp-${n}`,
  host: `cp-${n}`,
  publicFqdn: `cp${n}.proxy.example.com`,
  reverseFqdn: override ? `cp${n}.proxy.example.com` : null,
  certificate,
});

/** vCAT-SP 4.3.3's layout: L4, each proxy with its override and a wildcard certificate. */
export const WILDCARD_SPEC: CloudSpec = {
  balancer: 'L4',
  vip: VIP,
  balancerCertificate: null,
  proxies: [proxy(1, WILDCARD, true), proxy(2, WILDCARD, true)],
  pinnedThumbprints: [WILDCARD.thumbprint],
  tlsInspection: false,
  vctaPorts: [10000, 10010],
};

const vipOnly = (n: number): Certificate => ({
  cn: VIP,
  sans: [],
  thumbprint: `9B:0${n}:44:E1:7C`,
});
const VIP_ONLY_SPEC: CloudSpec = {
  ...WILDCARD_SPEC,
  proxies: [proxy(1, vipOnly(1), true), proxy(2, vipOnly(2), true)],
  pinnedThumbprints: [vipOnly(1).thumbprint, vipOnly(2).thumbprint],
};

const L4_NO_OVERRIDE_SPEC: CloudSpec = {
  ...WILDCARD_SPEC,
  proxies: [proxy(1, WILDCARD, false), proxy(2, WILDCARD, false)],
};

const internal = (n: number): Certificate => ({
  cn: `cp-${n}.provider.internal`,
  sans: [],
  thumbprint: `0C:${n}7:D2:19:A8`,
});
const LB: Certificate = { cn: VIP, sans: [VIP], thumbprint: '71:AF:3E:90:52' };
/** notes E: the L7 balancer terminates TLS at the one VIP and routes each URI to its proxy. */
const L7_SPEC: CloudSpec = {
  ...WILDCARD_SPEC,
  balancer: 'L7',
  balancerCertificate: LB,
  proxies: [
    { ...proxy(1, internal(1), false), publicFqdn: null },
    { ...proxy(2, internal(2), false), publicFqdn: null },
  ],
  pinnedThumbprints: [LB.thumbprint, internal(1).thumbprint, internal(2).thumbprint],
};

const replaced: TunnelEvent[] = [
  { type: 'CertificateReplace', target: 'cp-1' },
  { type: 'CertificateReplace', target: 'cp-2' },
];

export const TUNNEL_LAYOUTS: readonly TunnelLayout[] = [
  {
    name: 'seed-003-tunnel-wildcard',
    source: 'seed 003; notes E (vCAT-SP 4.3.3)',
    spec: WILDCARD_SPEC,
    events: [],
    expected: 'clean',
  },
  {
    name: 'seed-003-tunnel-vip-only-cert',
    source: 'seed 003; notes E (vCAT-SP 4.3.3)',
    spec: VIP_ONLY_SPEC,
    events: [],
    expected: 'found',
  },
  {
    name: 'seed-003-tunnel-l4-no-override',
    source: 'seed 003; notes E (vCAV 1.0.1 L4)',
    spec: L4_NO_OVERRIDE_SPEC,
    events: [],
    expected: 'found',
  },
  {
    name: 'seed-003-tunnel-l7',
    source: 'notes E (vCAV 1.0.1 L7)',
    spec: L7_SPEC,
    events: [],
    expected: 'clean',
  },
  {
    name: 'seed-003-tunnel-cert-replaced',
    source: 'notes E (VCDA 4.x pinned peers)',
    spec: WILDCARD_SPEC,
    events: replaced,
    expected: 'found',
  },
  {
    name: 'seed-003-tunnel-cert-replaced-repaired',
    source: 'notes E (VCDA 4.x pinned peers)',
    spec: WILDCARD_SPEC,
    events: [...replaced, { type: 'RePair', tenant: CHECKED_TENANT }],
    expected: 'clean',
  },
  {
    name: 'seed-003-tunnel-tls-inspection',
    source: 'notes E (VCDA 3.x/4.x: no TLS-terminating middlebox)',
    spec: { ...WILDCARD_SPEC, tlsInspection: true },
    events: [],
    expected: 'found',
  },
];

/** One host at the site, so the layouts carry a to-the-cloud sender too. */
export const LAYOUT_HOSTS: TunnelSetup['hosts'] = [
  { name: 'esx-01', tenant: CHECKED_TENANT, version: '6.7' },
];

export function layoutSetup(l: TunnelLayout): TunnelSetup {
  return setupOf(l.spec, LAYOUT_HOSTS);
}

/** Every failure of the layout after its events, on a variant. */
export function layoutFailures(l: TunnelLayout, variant: Variant): ProbeFailure[] {
  return probe(run(layoutSetup(l), variant, l.events));
}

const where = (f: ProbeFailure) =>
  f.direction === 'to-cloud'
    ? `when the balancer picks ${f.picks.join(' or ')}`
    : f.events.at(-1)?.type === 'ControlConnect'
      ? 'no control connection opens'
      : `session held at ${f.proxy}`;

export function judgeTunnel(
  l: TunnelLayout,
  variant: Variant,
): { verdict: 'found' | 'clean'; flow?: string } {
  const fs = layoutFailures(l, variant);
  if (fs.length === 0) return { verdict: 'clean' };
  const part = (dir: ProbeFailure['direction'], label: string) => {
    const mine = fs.filter((f) => f.direction === dir);
    return mine.length === 0
      ? `${label} works`
      : `${label} fails (${mine.map((f) => `${where(f)}: ${f.message}`).join('; ')})`;
  };
  return {
    verdict: 'found',
    flow: `C5: ${part('from-cloud', 'from the cloud')}; ${part('to-cloud', 'to the cloud')}`,
  };
}

/**
 * A found layout told as a counterexample of C5 (what a healthy provider must do): the
 * layout's events and then the first failing probe's, judged by C5's own check.
 */
export function tunnelLayoutStory(
  name: string,
  variant: Variant,
): CounterexampleRecord | undefined {
  const l = TUNNEL_LAYOUTS.find((x) => x.name === name);
  const f = l ? layoutFailures(l, variant)[0] : undefined;
  if (!l || !f) return undefined;
  const def = propertyById('C5');
  const setup = layoutSetup(l);
  const all = [...l.events, ...f.events];
  const violation = def?.check?.({ setup, events: all }, variant);
  if (!def || !violation) return undefined;
  // The story ends where C5 fails: what the probe would have done next is not needed.
  const events = all.slice(0, violation.step);
  return {
    id: name,
    property: def.id,
    title: `${def.title} (${l.source} layout ${name})`,
    invariants: def.invariants,
    variant: variant.name,
    area: 'tunnel',
    setup,
    events,
    violation,
    seed: 0,
    path: 'fixture',
    fastCheckVersion: FAST_CHECK_VERSION,
  };
}
