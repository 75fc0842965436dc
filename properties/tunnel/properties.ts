// C1-C6 over generated tunnel cases, each checked after every step, each with a reachability
// twin that fails when the situations it needs never occur.
import fc from 'fast-check';
import type { FromCloudRequest } from '../../model/tunnel/types.ts';
import type { Variant } from '../../model/variants.ts';
import { reachabilityTwin } from '../goals.ts';
import type { PropertyDef } from '../registry-types.ts';
import { caseArb, GENERAL as GENERAL_PROFILE, SESSIONS, type TunnelCase } from './arbitraries.ts';
import {
  C1,
  C2,
  C3,
  C4,
  C5,
  C5_PICKS,
  C6,
  type Invariant,
  onward,
  simulate,
  type View,
} from './oracle.ts';

const GENERAL = caseArb(GENERAL_PROFILE);
/** Sessions and sends: C5 on healthy providers (its definition), C5-picks on any. */
const STITCHING = { ...SESSIONS, weights: { ...SESSIONS.weights, send: 3, ruleset: 1 } };
export const HEALTHY_CASES = caseArb({
  ...STITCHING,
  healthy: true,
  weights: { ...STITCHING.weights, replace: 0, rotate: 0, repair: 0 },
});
const ANY_PROVIDER = caseArb(STITCHING);

/** Sessions crowd the proxies, in healthy providers or any. */
const CROWDED = fc.oneof(caseArb({ ...SESSIONS, healthy: true }), caseArb(SESSIONS));

/** Runs per property in npm test: the zoo's seven variants are each caught well within it. */
const RUNS = 250;
const TWIN_RUNS = 200;

/** The catalogue ID a property belongs to: C5-picks is a C5 property. */
const family = (inv: Invariant) => inv.id.replace(/-.*/, '');

const always = (
  inv: Invariant,
  title: string,
  arb: fc.Arbitrary<TunnelCase>,
  numRuns = RUNS,
): PropertyDef<TunnelCase> => ({
  id: inv.id,
  area: 'tunnel',
  kind: 'always',
  invariants: [family(inv)],
  title: `${family(inv)} ${title}`,
  numRuns,
  arbitrary: () => arb,
  check: (c: TunnelCase, v: Variant) => {
    const x = simulate(c, v, (view) => inv.check(view));
    return x ? { ...x, invariant: inv.id } : null;
  },
  // The explorer asks the same predicate of every transition (properties/tunnel/explore.ts).
  perStep: { check: (view) => inv.check(view as View) },
});

const sometimes = (
  inv: Invariant,
  title: string,
  arb: fc.Arbitrary<TunnelCase>,
  goals: Record<string, (v: View) => boolean>,
  numRuns = TWIN_RUNS,
): PropertyDef<TunnelCase> =>
  reachabilityTwin({
    id: inv.id,
    area: 'tunnel',
    invariant: family(inv),
    title,
    numRuns,
    arbitrary: arb,
    goals,
    walk: (c, variant, see) =>
      simulate(c, variant, (v) => {
        see(v);
        return null;
      }),
  });

const emits = (v: View, kind: string) => v.result.emitted.some((e) => e.kind === kind);
const attempt = (
  v: View,
  p: (a: Extract<View['result']['emitted'][number], { kind: 'attempt' }>) => boolean,
) => v.result.emitted.some((e) => e.kind === 'attempt' && p(e));
const waiting = (r: FromCloudRequest) =>
  r.phase === 'pending' || r.phase === 'relayed' || r.phase === 'connected';
/** A stitch in this step whose request (as it was) and proxy meet the predicate. */
const stitchedWhere = (v: View, p: (r: FromCloudRequest, at: string) => boolean) =>
  v.result.emitted.some((e) => {
    const r = e.kind === 'stitched' ? v.before.requests.find((x) => x.id === e.request) : undefined;
    return r !== undefined && e.kind === 'stitched' && p(r, e.proxy);
  });
const failedWith = (v: View, code: string) => attempt(v, (a) => a.tls?.error?.code === code);

export const TUNNEL_PROPERTIES: readonly PropertyDef<TunnelCase>[] = [
  always(
    C1,
    'every connection crossing the tenant perimeter is opened from on-premises; the cloud reaches the vCTA only over its control connection',
    GENERAL,
  ),
  sometimes(
    C1,
    'some reverse-connection requests are relayed to the vCTA and dialled back',
    GENERAL,
    {
      'request relayed over the control connection': (v) =>
        v.result.emitted.some(
          (e) => e.kind === 'message' && e.over === 'control' && e.to.startsWith('vcta:'),
        ),
      'reverse connection dialled': (v) => attempt(v, (a) => a.purpose === 'reverse' && a.ok),
    },
  ),
  always(
    C2,
    'a from-the-cloud stream is joined only to the session that asked for it, at the proxy holding it: never another tenant or group',
    CROWDED,
  ),
  sometimes(C2, 'some stitches happen while other sessions wait at the same proxy', CROWDED, {
    stitched: (v) => emits(v, 'stitched'),
    "stitched beside another tenant's waiting session": (v) =>
      stitchedWhere(v, (r, at) =>
        v.before.requests.some((q) => q.tenant !== r.tenant && q.proxy === at && waiting(q)),
      ),
    'stitched beside another waiting session': (v) =>
      stitchedWhere(v, (r, at) =>
        v.before.requests.some((q) => q.id !== r.id && q.proxy === at && waiting(q)),
      ),
  }),
  always(
    C3,
    'at most one control connection per tenant; reconnecting after a drop restores exactly one',
    GENERAL,
  ),
  sometimes(
    C3,
    'some control connections drop and come back, and some second ones are refused',
    GENERAL,
    {
      'reconnected after a drop': (v) =>
        v.event.type === 'ControlConnect' &&
        attempt(v, (a) => a.purpose === 'control' && a.ok) &&
        v.index > 1,
      'second connection refused': (v) =>
        v.event.type === 'ControlConnect' &&
        v.result.refused?.includes('has its control connection') === true,
    },
  ),
  always(
    C4,
    'a handshake succeeds iff the certificate covers the dialled name (CN or SAN, a wildcard one label deep) and its thumbprint is pinned, with no TLS-terminating box; the site shows the error until fixed or re-paired',
    GENERAL,
  ),
  sometimes(C4, 'handshakes succeed by SAN and by wildcard, and fail for each reason', GENERAL, {
    'name only in a SAN accepted': (v) =>
      attempt(
        v,
        (a) =>
          a.tls?.ok === true &&
          a.name !== null &&
          a.tls.certificate.cn.toLowerCase() !== a.name.toLowerCase() &&
          !a.tls.certificate.cn.startsWith('*.'),
      ),
    'wildcard accepted': (v) =>
      attempt(v, (a) => a.tls?.ok === true && a.tls.certificate.cn.startsWith('*.')),
    'name not covered': (v) => failedWith(v, 'CertificateNameMismatch'),
    'wildcard one label too short': (v) =>
      attempt(
        v,
        (a) =>
          a.tls?.error?.code === 'CertificateNameMismatch' &&
          a.tls.certificate.cn.startsWith('*.') &&
          (a.name ?? '').endsWith(a.tls.certificate.cn.slice(1)),
      ),
    'replaced certificate refused': (v) => failedWith(v, 'CertificateMismatch'),
    'mismatch cleared by re-pair': (v) =>
      v.event.type === 'RePair' &&
      !v.result.refused &&
      Object.values(v.before.tenants).some(
        (t) =>
          t.errors.toCloud?.code === 'CertificateMismatch' ||
          t.errors.fromCloud?.code === 'CertificateMismatch',
      ),
  }),
  always(
    C5,
    'in a healthy provider every from-the-cloud request is stitched within three steps of its turn whatever the balancers pick, and to-the-cloud works whenever the host firewall allows it',
    HEALTHY_CASES,
  ),
  sometimes(C5, 'healthy providers stitch across proxies and send to the cloud', HEALTHY_CASES, {
    stitched: (v) => emits(v, 'stitched'),
    'stitched across proxies': (v) =>
      stitchedWhere(v, (r, at) => {
        const holder = v.before.tenants[r.tenant]?.control[0];
        return holder !== undefined && holder !== at;
      }),
    'stitched while Not authenticated': (v) =>
      emits(v, 'stitched') &&
      Object.values(v.before.tenants).some((t) => t.session === 'expired' && t.control.length > 0),
    'reconnected after a drop': (v) =>
      v.event.type === 'ControlConnect' &&
      attempt(v, (a) => a.purpose === 'control' && a.ok) &&
      v.index > 2,
    'to-the-cloud delivered': (v) => attempt(v, (a) => a.purpose === 'send' && a.ok),
    'to-the-cloud blocked by the host firewall': (v) =>
      attempt(v, (a) => a.purpose === 'send' && !a.ok && a.reason.includes('firewall')),
  }),
  always(
    C5_PICKS,
    "in any provider, whether a reverse connection is stitched never depends on the public balancer's pick",
    ANY_PROVIDER,
  ),
  sometimes(
    C5_PICKS,
    'requests are judged for every pick, at L4 proxies without their override too',
    ANY_PROVIDER,
    {
      'judged for several picks': (v) =>
        onward(v) !== null && v.after.setup.provider.proxies.length > 1,
      'L4 proxy without its override judged': (v) => {
        const r = onward(v);
        const p = v.after.setup.provider;
        return (
          r !== null &&
          p.balancer === 'L4' &&
          p.proxies.length > 1 &&
          p.proxies.find((x) => x.name === r.proxy)?.reverseFqdn === null
        );
      },
    },
  ),
  always(
    C6,
    "while a tenant's from-the-cloud connections fail, its site never shows that direction healthy",
    ANY_PROVIDER,
  ),
  sometimes(C6, 'some reverse connections fail and a later one is stitched', ANY_PROVIDER, {
    'reverse connection failed': (v) =>
      attempt(v, (a) => a.purpose === 'reverse' && !a.ok) || emits(v, 'stitch-refused'),
    'stitched after a failure': (v) =>
      emits(v, 'stitched') && Object.values(v.memory.lastFromCloud).some((x) => x !== 'ok'),
  }),
];
