// Judging a tunnel layout on the model: `probe` tries every connection a site makes (to the
// cloud through each balancer pick; from the cloud for a session held at each proxy and each
// pick for the reverse connection) and returns what fails; `checkCloud` turns failures into
// findings for `npm run check`, each with a fix applied to the layout and seen to work.
import type { HostFirewall } from '../firewall/firewall.ts';
import { CORRECT, type Variant } from '../variants.ts';
import { hostLetsOut } from './host-firewall.ts';
import { type CloudSpec, DEFAULT_VCTA_PORTS, setupOf } from './spec.ts';
import { init, step } from './step.ts';
import { describeCertificate } from './tls.ts';
import {
  type Certificate,
  DEFAULT_VCTA_ADDRESS,
  type TunnelEmitted,
  type TunnelEvent,
  type TunnelState,
} from './types.ts';

export interface ProbeFailure {
  readonly direction: 'to-cloud' | 'from-cloud';
  readonly tenant: string;
  /** From the cloud: the proxy holding the session; to the cloud: the one the balancer picked. */
  readonly proxy: string;
  /** The public balancer's picks that failed this way. */
  readonly picks: readonly string[];
  /** The name the vCTA dialled. */
  readonly name: string;
  /** Where the connection arrived, if it arrived. */
  readonly landed: string | null;
  readonly code: string;
  readonly message: string;
  /** The certificate the vCTA was shown, and by whom, when the handshake failed. */
  readonly certificate: Certificate | null;
  readonly presentedBy: string | null;
  /** The events, from the state probed, that show the failure. */
  readonly events: readonly TunnelEvent[];
}

type Attempt = Extract<TunnelEmitted, { kind: 'attempt' }>;

function play(s: TunnelState, events: readonly TunnelEvent[]) {
  let cur = s;
  const emitted: TunnelEmitted[] = [];
  for (const e of events) {
    const r = step(cur, e);
    emitted.push(...r.emitted);
    cur = r.state;
  }
  return { state: cur, emitted };
}

const lastAttempt = (xs: readonly TunnelEmitted[], purpose: string): Attempt | undefined =>
  [...xs].reverse().find((x): x is Attempt => x.kind === 'attempt' && x.purpose === purpose);

/** Every way a tenant's connections fail from state `s`, whatever the balancers pick. */
export function probe(s: TunnelState): ProbeFailure[] {
  const out: ProbeFailure[] = [];
  const proxies = s.setup.provider.proxies.map((p) => p.name);
  const add = (f: ProbeFailure) => {
    const same = out.find(
      (x) =>
        x.direction === f.direction &&
        x.tenant === f.tenant &&
        x.proxy === f.proxy &&
        x.code === f.code &&
        x.landed === f.landed,
    );
    if (same) (same.picks as string[]).push(...f.picks);
    else out.push({ ...f, picks: [...f.picks] });
  };
  for (const tenant of s.setup.tenants) {
    const t = s.tenants[tenant.name];
    if (!t) continue;
    const restart: TunnelEvent[] = [
      ...(t.control.length > 0 || t.toCloud !== null
        ? [{ type: 'LinkDrop', tenant: tenant.name } as const]
        : []),
      ...(t.vcta === 'down' ? [{ type: 'VctaStart', tenant: tenant.name } as const] : []),
    ];
    const fromAttempt = (
      direction: ProbeFailure['direction'],
      proxy: string,
      pick: string,
      a: Attempt | undefined,
      events: readonly TunnelEvent[],
    ): ProbeFailure => ({
      direction,
      tenant: tenant.name,
      proxy,
      picks: [pick],
      name: a?.name ?? '',
      landed: a?.landed ?? null,
      code: a?.tls?.error?.code ?? 'ConnectionFailed',
      message: a?.tls?.error?.message ?? a?.reason ?? 'no connection',
      certificate: a?.tls && !a.tls.ok ? a.tls.certificate : null,
      presentedBy: a?.tls && !a.tls.ok ? a.tls.presentedBy : null,
      events,
    });
    for (const pick of proxies) {
      const events: TunnelEvent[] = [
        ...restart,
        { type: 'ToCloudConnect', tenant: tenant.name, pick },
      ];
      const a = lastAttempt(play(s, events).emitted, 'to-cloud');
      if (!a?.ok) add(fromAttempt('to-cloud', pick, pick, a, events));
    }
    let control: TunnelEvent[] | null = null;
    let refused: { pick: string; a: Attempt | undefined; events: TunnelEvent[] } | null = null;
    for (const pick of proxies) {
      const events: TunnelEvent[] = [
        ...restart,
        { type: 'ControlConnect', tenant: tenant.name, pick },
      ];
      const a = lastAttempt(play(s, events).emitted, 'control');
      if (a?.ok) {
        control = events;
        break;
      }
      refused ??= { pick, a, events };
    }
    if (!control) {
      if (refused)
        add(fromAttempt('from-cloud', refused.pick, refused.pick, refused.a, refused.events));
      continue;
    }
    const group = tenant.groups[0];
    if (group === undefined) continue;
    // Each play starts again from s: one name serves them all, unless s has it already.
    let n = s.requests.length + 1;
    while (s.requests.some((r) => r.id === `r${n}`)) n++;
    const id = `r${n}`;
    for (const held of proxies) {
      for (const pick of proxies) {
        const events: TunnelEvent[] = [
          ...control,
          { type: 'CloudSessionStart', request: id, group, pick: held },
          { type: 'RelayRequest', request: id },
          { type: 'ReverseConnect', request: id, pick },
          { type: 'Stitch', request: id },
        ];
        const r = play(s, events);
        const req = r.state.requests.find((x) => x.id === id);
        if (req?.phase === 'stitched' && req.joined === id) continue;
        const relay = lastAttempt(r.emitted, 'relay');
        const rev = lastAttempt(r.emitted, 'reverse');
        const refusal = r.emitted.find((x) => x.kind === 'stitch-refused');
        if (relay && !relay.ok) {
          add({
            ...fromAttempt('from-cloud', held, pick, relay, events),
            name: '',
            code: 'RelayFailed',
          });
        } else if (rev && !rev.ok) {
          add(fromAttempt('from-cloud', held, pick, rev, events));
        } else {
          add({
            direction: 'from-cloud',
            tenant: tenant.name,
            proxy: held,
            picks: [pick],
            name: req?.name ?? '',
            landed: req?.landed ?? null,
            code: 'NotStitched',
            message:
              refusal?.kind === 'stitch-refused' ? refusal.reason : `${id} ended ${req?.phase}`,
            certificate: null,
            presentedBy: null,
            events,
          });
        }
      }
    }
  }
  return out;
}

// ---- the host check ----

export interface TunnelFinding {
  /** Whom it is about: a proxy, the VIP, or a host of this site. */
  readonly host: string;
  readonly invariant: string;
  readonly class: 'to-the-cloud' | 'from-the-cloud';
  readonly message: string;
  readonly flow: {
    readonly dialled: string;
    readonly port: number;
    readonly reaches: string | null;
    readonly certificate: string | null;
    readonly verdict: string;
  };
  readonly expected: { readonly verdict: string };
  readonly fix: readonly string[];
  readonly note?: string;
}

export interface CloudCheck {
  /** The provider checked, in words. */
  readonly provider: string;
  readonly findings: readonly TunnelFinding[];
  /** What was checked and found clean. */
  readonly clean: readonly string[];
}

/** A change to the layout, with the line we print for it. */
interface Change {
  readonly text: string;
  apply(spec: CloudSpec): CloudSpec;
}

const setProxy = (
  spec: CloudSpec,
  name: string,
  f: (p: CloudSpec['proxies'][number]) => CloudSpec['proxies'][number],
) => ({
  ...spec,
  proxies: spec.proxies.map((p) => (p.name === name ? f(p) : p)),
});

const currentThumbprints = (spec: CloudSpec) => [
  ...spec.proxies.map((p) => p.certificate.thumbprint),
  ...(spec.balancer === 'L7' && spec.balancerCertificate
    ? [spec.balancerCertificate.thumbprint]
    : []),
];

const rePair: Change = {
  text: 're-pair this site with the cloud site, so that the certificates the provider shows now are pinned',
  apply: (spec) => ({ ...spec, pinnedThumbprints: [...new Set(currentThumbprints(spec))] }),
};

/** A reissued certificate has a new key, so a new thumbprint: pinning sees it as changed. */
function reissue(spec: CloudSpec, who: string, add: (c: Certificate) => Certificate): CloudSpec {
  // What pairing pinned stays what it was: the old thumbprints, when not given explicitly.
  const pinned = spec.pinnedThumbprints ?? currentThumbprints(spec);
  const renew = (c: Certificate) => ({ ...add(c), thumbprint: `${c.thumbprint} (reissued)` });
  if (who === 'the L7 balancer' && spec.balancerCertificate)
    return {
      ...spec,
      pinnedThumbprints: pinned,
      balancerCertificate: renew(spec.balancerCertificate),
    };
  return {
    ...setProxy(spec, who, (p) => ({ ...p, certificate: renew(p.certificate) })),
    pinnedThumbprints: pinned,
  };
}

const parentOf = (n: string) => n.slice(n.indexOf('.') + 1);

interface Classified {
  readonly key: string;
  readonly finding: Omit<TunnelFinding, 'fix' | 'note'>;
  /** Candidate fixes, each a list of changes applied together; the first that works is kept. */
  readonly fixes: readonly (readonly Change[])[];
  /** An alternative we also verified, said in the note. */
  readonly alternative?: readonly Change[];
}

function classify(spec: CloudSpec, f: ProbeFailure): Classified {
  const proxy = spec.proxies.find((p) => p.name === f.proxy);
  const dir = f.direction === 'to-cloud' ? 'to-the-cloud' : 'from-the-cloud';
  const flow = {
    dialled: f.name,
    port: 443,
    reaches: f.presentedBy === 'tls-box' ? 'a TLS-terminating box' : f.landed,
    certificate: f.certificate ? describeCertificate(f.certificate) : null,
    verdict: f.message,
  };
  const base = { invariant: 'C5', class: dir, flow } as const;
  const control = f.direction === 'from-cloud' && f.events.at(-1)?.type === 'ControlConnect';
  if (f.code === 'CertificateNameMismatch' && f.certificate) {
    const lb = f.presentedBy === 'vip' && spec.balancer === 'L7';
    const who = lb ? 'the L7 balancer' : (f.landed ?? f.proxy);
    const what =
      f.name === spec.vip
        ? `the VIP ${spec.vip}, which every ${control ? 'control' : 'to-the-cloud'} connection dials`
        : `${f.name}, the name ${f.proxy} hands out for from-the-cloud connections`;
    const san: Change = {
      text: `reissue ${lb ? "the L7 balancer's" : `${who}'s`} certificate with a SAN for ${f.name} (keeping ${[f.certificate.cn, ...f.certificate.sans].join(', ')})`,
      apply: (sp) =>
        reissue(sp, who, (c) => ({ ...c, sans: [...new Set([...c.sans, c.cn, f.name])] })),
    };
    const wild = `*.${parentOf(f.name)}`;
    const wildcard: Change = {
      text: `reissue ${lb ? "the L7 balancer's" : `${who}'s`} certificate as a wildcard ${wild}`,
      apply: (sp) => reissue(sp, who, (c) => ({ ...c, cn: wild, sans: [] })),
    };
    return {
      key: `name|${who}|${f.name}`,
      finding: {
        ...base,
        invariant: 'C4',
        host: who,
        message: `${lb ? "the L7 balancer's" : `${who}'s`} certificate (${describeCertificate(f.certificate)}) does not cover ${what}: ${dir} replication fails the TLS check`,
        expected: { verdict: `the certificate covers ${f.name} by its CN or a SAN` },
      },
      fixes: [[san], [san, rePair]],
      alternative: [wildcard, rePair],
    };
  }
  if (f.code === 'CertificateMismatch') {
    if (spec.tlsInspection) {
      const names = [
        spec.vip,
        ...spec.proxies.flatMap((p) => (p.reverseFqdn ? [p.reverseFqdn] : [])),
      ];
      return {
        key: 'tls-box',
        finding: {
          ...base,
          invariant: 'C4',
          host: 'TLS inspection',
          message: `a TLS-terminating box on the path answers for ${f.name} with a certificate of its own, which differs from the one pinned when this site was paired ("Certificate differs from the expected one."): ${dir} replication fails`,
          expected: { verdict: "the provider's own certificate, end to end" },
        },
        fixes: [
          [
            {
              text: `exempt the connections from this site's VR appliance to ${[...new Set(names)].join(', ')} on TCP 443 from TLS inspection`,
              apply: (sp) => ({ ...sp, tlsInspection: false }),
            },
          ],
        ],
      };
    }
    const who = f.presentedBy === 'vip' ? 'the L7 balancer' : (f.landed ?? f.proxy);
    // One finding per certificate: proxies sharing one fail alike and are fixed alike.
    const sharing = [
      ...spec.proxies
        .filter((p) => p.certificate.thumbprint === f.certificate?.thumbprint)
        .map((p) => p.name),
      ...(spec.balancerCertificate?.thumbprint === f.certificate?.thumbprint
        ? ['the L7 balancer']
        : []),
    ];
    const whose =
      sharing.length > 1
        ? `the certificate of ${sharing.join(' and ')}`
        : `${who === 'the L7 balancer' ? "the L7 balancer's" : `${who}'s`} certificate`;
    return {
      key: `pin|${f.certificate?.thumbprint ?? who}`,
      finding: {
        ...base,
        invariant: 'C4',
        host: sharing.length > 1 ? sharing.join(', ') : who,
        message: `${whose} (thumbprint ${f.certificate?.thumbprint ?? '?'}) differs from the one pinned when this site was paired (${(spec.pinnedThumbprints ?? []).join(', ') || 'none'}): "Certificate differs from the expected one." until the sites are re-paired`,
        expected: { verdict: 'a certificate whose thumbprint was pinned at pairing' },
      },
      fixes: [[rePair]],
    };
  }
  const handsOut = proxy?.reverseFqdn ?? null;
  const setOverride = (to: string): Change => ({
    text: `on ${f.proxy}, set cloudproxy.reverseconnection.fqdn=${to}:443`,
    apply: (sp) => setProxy(sp, f.proxy, (p) => ({ ...p, reverseFqdn: to })),
  });
  const own = proxy?.publicFqdn ?? null;
  const overrideFix = own && own !== handsOut ? [[setOverride(own)]] : [];
  if (f.code === 'ConnectionFailed' && f.landed === null && f.direction === 'from-cloud') {
    const publish: Change = {
      text: `publish ${f.name} in public DNS with a 1:1 DNAT to ${f.proxy}`,
      apply: (sp) => setProxy(sp, f.proxy, (p) => ({ ...p, publicFqdn: f.name })),
    };
    return {
      key: `name|${f.proxy}`,
      finding: {
        ...base,
        host: f.proxy,
        message:
          handsOut === null
            ? `${f.proxy} has no cloudproxy.reverseconnection.fqdn, so it hands out its own host name ${f.name}, which does not resolve from this site: from-the-cloud replication held at ${f.proxy} never joins`
            : `${f.proxy} hands out ${f.name} (its cloudproxy.reverseconnection.fqdn), which does not resolve from this site: from-the-cloud replication held at ${f.proxy} never joins`,
        expected: { verdict: `${f.proxy} hands out a public name DNATed 1:1 to it` },
      },
      fixes: handsOut === null ? overrideFix : [...overrideFix, [publish]],
    };
  }
  if (f.code === 'NotStitched') {
    const l4Vip = spec.balancer === 'L4' && f.name === spec.vip;
    return {
      key: `route|${f.proxy}`,
      finding: {
        ...base,
        host: f.proxy,
        message: l4Vip
          ? `${f.proxy} hands out the VIP ${spec.vip}: the L4 balancer sends the reverse connection to whichever proxy it picks (${f.landed ?? '?'} here), not to ${f.proxy}, which holds the session`
          : `${f.proxy} hands out ${f.name}, which leads to ${f.landed ?? '?'}, not to ${f.proxy}, which holds the session: the reverse connection is never joined`,
        expected: {
          verdict: `the reverse connection reaches ${f.proxy} whatever the balancer picks`,
        },
      },
      fixes: overrideFix,
    };
  }
  return {
    key: `other|${f.direction}|${f.proxy}|${f.code}`,
    finding: {
      ...base,
      host: f.proxy,
      message: `${dir} replication through ${f.proxy} fails: ${f.message}`,
      expected: { verdict: 'the connection opens' },
    },
    fixes: [],
  };
}

function keysOf(spec: CloudSpec, variant: Variant): Set<string> {
  const s = init(setupOf(spec), variant);
  return new Set(probe(s).map((f) => classify(spec, f).key));
}

/** The host check's verdict on a cloud section (and this site's host firewalls, if read). */
export function checkCloud(
  spec: CloudSpec,
  firewalls: readonly HostFirewall[] = [],
  variant: Variant = CORRECT,
  /** The site's VR appliance (topology.json), whose vCTA the hosts send to. */
  vcta: string = DEFAULT_VCTA_ADDRESS,
): CloudCheck {
  const s = init(setupOf(spec), variant);
  const failures = probe(s);
  const found = new Map<string, Classified>();
  for (const f of failures) {
    const c = classify(spec, f);
    if (!found.has(c.key)) found.set(c.key, c);
  }
  // A control connection that cannot open is the to-the-cloud failure already reported.
  const before = new Set(found.keys());
  const works = (changes: readonly Change[], key: string) => {
    const after = keysOf(
      changes.reduce((sp, c) => c.apply(sp), spec),
      variant,
    );
    return !after.has(key) && [...after].every((k) => before.has(k));
  };
  const findings: TunnelFinding[] = [...found.values()].map((c) => {
    const fix = c.fixes.find((changes) => works(changes, c.key));
    const alt = fix && c.alternative && works(c.alternative, c.key) ? c.alternative : undefined;
    return {
      ...c.finding,
      fix: fix ? fix.map((x) => x.text) : [],
      ...(fix
        ? alt
          ? { note: `or, verified too: ${alt.map((x) => x.text).join('; then ')}` }
          : {}
        : {
            note: 'no change verified on the model: the layout needs a public name for this proxy',
          }),
    };
  });
  const clean: string[] = [];
  const toCloudBad = failures.some((f) => f.direction === 'to-cloud');
  const fromCloudBad = failures.some((f) => f.direction === 'from-cloud');
  const names = spec.proxies.map((p) => p.name).join(', ');
  if (!toCloudBad)
    clean.push(
      `C4/C5: to the cloud through the VIP ${spec.vip}, whichever of ${names} the ${spec.balancer} balancer picks`,
    );
  if (!fromCloudBad)
    clean.push(
      `C4/C5: from the cloud, a session held at any of ${names} is stitched whatever the balancers pick`,
    );
  if (spec.pinnedThumbprints === null)
    clean.push(
      'pinned thumbprints not checked: no cloud.pinnedThumbprints given (taken as paired with the certificates listed)',
    );
  // This site's hosts send to the vCTA on its port range through their own firewall (notes D).
  for (const fw of firewalls) {
    const [lo, hi] = spec.vctaPorts;
    const dropped: number[] = [];
    for (let port = lo; port <= hi; port++)
      if (hostLetsOut(fw, port, vcta, variant).action === 'drop') dropped.push(port);
    // Inside 10000-10010 the host check's F1 already reports a missing or disabled ruleset.
    const beyond = dropped.filter((p) => p < DEFAULT_VCTA_PORTS[0] || p > DEFAULT_VCTA_PORTS[1]);
    if (beyond.length === 0) {
      if (dropped.length === 0) clean.push(`C5: ${fw.host} lets TCP ${lo}-${hi} out to the vCTA`);
      continue;
    }
    const range = `${beyond[0]}${beyond.length > 1 ? `-${beyond[beyond.length - 1]}` : ''}`;
    const ok = [DEFAULT_VCTA_PORTS[0], DEFAULT_VCTA_PORTS[1]].every(
      (p) => hostLetsOut(fw, p, vcta, variant).action === 'allow',
    );
    findings.push({
      host: fw.host,
      invariant: 'C5',
      class: 'to-the-cloud',
      message: `${fw.host}'s firewall drops TCP ${range} out, which the vCTA listens on (its range is ${lo}-${hi}; ${'Replication-to-CloudTraffic'} opens 10000-10010): to-the-cloud replication on those ports never reaches the vCTA`,
      flow: {
        dialled: 'the vCTA',
        port: beyond[0] as number,
        reaches: null,
        certificate: null,
        verdict: `dropped by ${fw.host}'s firewall`,
      },
      expected: { verdict: `every port of the vCTA's range allowed out` },
      fix: ok
        ? [
            'set the vCTA port range back to 10000-10010, the ports Replication-to-CloudTraffic opens',
          ]
        : [],
      ...(ok ? {} : { note: `${fw.host} drops 10000-10010 too: see its F1 finding` }),
    });
  }
  const provider = `${spec.vip} (${spec.balancer} balancer; proxies ${names})`;
  return { provider, findings, clean };
}
