// The cloud tunnel: C1-C6 on the correct model, the cases each claim runs on, and `npm run
// check` on a site's `cloud` section (fixtures, printed fixes applied back, field-named errors).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import { hostInputs } from '../model/esxcli/check.ts';
import { EsxcliParseError } from '../model/esxcli/records.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { checkCloud } from '../model/tunnel/check.ts';
import { checkCloudSite } from '../model/tunnel/host-check.ts';
import {
  CHECKED_GROUP,
  CHECKED_TENANT,
  type CloudSpec,
  parseCloud,
  setupOf,
} from '../model/tunnel/spec.ts';
import { init } from '../model/tunnel/step.ts';
import type { TunnelEvent, TunnelSetup } from '../model/tunnel/types.ts';
import { CORRECT } from '../model/variants.ts';
import { readFixtureDir } from './esxcli/fixtures.ts';
import { FAST_CHECK_VERSION, scaledRuns } from './harness.ts';
import { prop } from './prop.ts';
import { mermaidSequence } from './report/mermaid.ts';
import { propertySuite } from './suite.ts';
import { caseArb, GENERAL } from './tunnel/arbitraries.ts';
import { tunnelSequence, tunnelSvg } from './tunnel/diagram.ts';
import { CERT_REPLACED_SPEC, TUNNEL_FIXTURE_SETS, tunnelFixtureFiles } from './tunnel/fixtures.ts';
import { healthy, simulate } from './tunnel/oracle.ts';
import { HEALTHY_CASES } from './tunnel/properties.ts';
import { layoutFailures, TUNNEL_LAYOUTS } from './tunnel/scenarios.ts';

const seed = inject('fcSeed');
const ROOT = 'properties/fixtures/hosts';
/** Child processes cannot see a mutant (vitest.mutation.config.ts): those tests step aside. */
const cliTest = test.skipIf(process.env.HBR_MUTATION === '1');

describe('tunnel: the correct model', () => propertySuite('tunnel'));

describe('the world with the cloud as its DR site: the correct model', () =>
  propertySuite('cloud-world'));

describe('the cases each claim runs on', () => {
  test("C5's cases are healthy providers by the oracle's definition at every step", () => {
    for (const c of fc.sample(HEALTHY_CASES, { numRuns: 100, seed })) {
      const v = simulate(c, CORRECT, (view) =>
        healthy(view.before, view.memory) ? null : 'not healthy',
      );
      expect(v, JSON.stringify(c.setup.provider)).toBeNull();
    }
  });
});

// ---- npm run check ----

const posix = (...p: string[]) => p.join('/');

/** The host check and the cloud check on in-memory files, as the script runs them. */
function checkFiles(files: Readonly<Record<string, string>>) {
  const text = files['topology.json'] ?? '';
  const topology = parseTopology('topology.json', text);
  return checkCloudSite('topology.json', text, topology, hostInputs(files, posix).inputs);
}

function cli(dir: string, ...more: string[]) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'scripts/check-hosts.ts', dir, ...more],
    {
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Applies the fix lines as printed to topology.json's cloud section, as an admin would. */
function applyPrinted(topologyJson: string, fixes: readonly string[]): string {
  const t = JSON.parse(topologyJson);
  const c = t.cloud;
  const proxy = (n: string) => c.proxies.find((p: { name: string }) => p.name === n);
  const thumbprints = () => [
    ...c.proxies.map((p: { certificate: { thumbprint: string } }) => p.certificate.thumbprint),
    ...(c.balancer === 'L7' && c.balancerCertificate ? [c.balancerCertificate.thumbprint] : []),
  ];
  c.pinnedThumbprints ??= thumbprints();
  for (const line of fixes) {
    let m = /^on (\S+), set cloudproxy\.reverseconnection\.fqdn=(\S+)$/.exec(line);
    if (m) {
      proxy(m[1] ?? '').reverseFqdn = m[2];
      continue;
    }
    m = /^reissue (\S+)'s certificate with a SAN for (\S+) \(keeping (.*)\)$/.exec(line);
    if (m) {
      const p = proxy(m[1] ?? '');
      p.certificate = {
        cn: p.certificate.cn,
        sans: [...new Set([...(m[3] ?? '').split(', '), m[2]])],
        thumbprint: `${p.certificate.thumbprint}:new`,
      };
      continue;
    }
    if (/^re-pair this site with the cloud site/.test(line)) {
      c.pinnedThumbprints = [...new Set(thumbprints())];
      continue;
    }
    m = /^set the vCTA port range back to (\d+-\d+),/.exec(line);
    if (m) {
      c.vctaPorts = m[1];
      continue;
    }
    if (/^exempt the connections .* from TLS inspection$/.test(line)) {
      c.tlsInspection = false;
      continue;
    }
    throw new Error(`a printed fix the test cannot apply: ${line}`);
  }
  return JSON.stringify(t);
}

describe('npm run check on a site replicating to the cloud', () => {
  test.each(TUNNEL_FIXTURE_SETS.map((s) => [s.name, s] as const))(
    '%s on disk is what render.ts writes',
    (_n, set) => {
      const files = tunnelFixtureFiles(set);
      expect(readFixtureDir(join(ROOT, set.name))).toEqual(files);
    },
  );

  test.each(TUNNEL_FIXTURE_SETS.map((s) => [s.name, s.exit, s] as const))(
    'in process: %s has %s as its cloud verdict, and every printed fix, applied, leaves it clean',
    (_n, exit, set) => {
      const files = tunnelFixtureFiles(set);
      const r = checkFiles(files);
      expect(r?.findings.length ? 1 : 0).toBe(exit);
      const fixes = r?.findings.flatMap((f) => f.fix) ?? [];
      expect(r?.findings.every((f) => f.fix.length > 0)).toBe(true);
      const fixed = {
        ...files,
        'topology.json': applyPrinted(files['topology.json'] ?? '', fixes),
      };
      expect(checkFiles(fixed)?.findings.map((f) => f.message)).toEqual([]);
    },
  );

  cliTest(
    'vip-only-cert exits 1, names each proxy and the name its certificate lacks, and gives the fix',
    () => {
      const r = cli(join(ROOT, 'seed-003-tunnel-vip-only-cert'));
      expect(r.code).toBe(1);
      for (const n of [1, 2]) {
        expect(r.out).toContain(
          `cp-${n}'s certificate (CN vcav.proxy.example.com, no SANs) does not cover cp${n}.proxy.example.com`,
        );
        expect(r.out).toContain(
          `reissue cp-${n}'s certificate with a SAN for cp${n}.proxy.example.com (keeping vcav.proxy.example.com)`,
        );
      }
      expect(r.out).toContain('re-pair this site with the cloud site');
      expect(r.out).toContain('C4/C5: to the cloud through the VIP vcav.proxy.example.com');
      // The cloud block is set off by one blank line, as each host's block is.
      expect(r.out).not.toContain('\n\n\n');
      const j = cli(join(ROOT, 'seed-003-tunnel-vip-only-cert'), '--json');
      expect(j.code).toBe(1);
      const parsed = JSON.parse(j.out);
      expect(
        parsed.findings.map((f: { host: string; invariants: string[] }) => [f.host, f.invariants]),
      ).toEqual([
        ['cp-1', ['C4']],
        ['cp-2', ['C4']],
      ]);
      expect(parsed.exit).toBe(1);
      expect(parsed.cloud.clean.length).toBeGreaterThan(0);
      expect(r.err).toBe('');
    },
  );

  cliTest('the wildcard layout exits 0; a bad cloud section exits 2 naming the field', () => {
    expect(cli(join(ROOT, 'seed-003-tunnel-wildcard')).code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'tunnel-check-'));
    try {
      cpSync(join(ROOT, 'seed-003-tunnel-wildcard'), dir, { recursive: true });
      const t = JSON.parse(readFileSync(join(dir, 'topology.json'), 'utf8'));
      t.cloud.balancer = 'L5';
      writeFileSync(join(dir, 'topology.json'), JSON.stringify(t));
      const r = cli(dir);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `check: ${join(dir, 'topology.json')}: cloud.balancer: expected one of L4, L7, got "L5"\n`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const base = () =>
    JSON.parse(tunnelFixtureFiles(TUNNEL_FIXTURE_SETS[0] as never)['topology.json'] ?? '');
  test.each([
    [
      'cloud.balancer',
      (t: { cloud: Record<string, unknown> }) => (t.cloud.balancer = 'L5'),
      'cloud.balancer: expected one of L4, L7, got "L5"',
    ],
    [
      'a reverse FQDN on another port',
      (t: { cloud: { proxies: Record<string, unknown>[] } }) =>
        ((t.cloud.proxies[0] as Record<string, unknown>).reverseFqdn =
          'cp1.proxy.example.com:8443'),
      'cloud.proxies[0].reverseFqdn: expected port 443 (FQDN:443), got "cp1.proxy.example.com:8443"',
    ],
    [
      'an unknown field',
      (t: { cloud: Record<string, unknown> }) => (t.cloud.loadBalancer = 'L4'),
      'cloud: unknown field "loadBalancer", expected balancer, vip, balancerCertificate, proxies, pinnedThumbprints, tlsInspection, vctaPorts',
    ],
    [
      'an L7 balancer without its certificate',
      (t: { cloud: Record<string, unknown> }) => (t.cloud.balancer = 'L7'),
      'cloud.balancerCertificate: missing: an L7 balancer terminates TLS and shows its own certificate',
    ],
    [
      'a certificate name that is no host name',
      (t: { cloud: { proxies: { certificate: Record<string, unknown> }[] } }) =>
        ((t.cloud.proxies[1] as { certificate: Record<string, unknown> }).certificate.cn =
          'not a name'),
      'cloud.proxies[1].certificate.cn: expected a host name such as *.proxy.example.com or cp1.proxy.example.com, got "not a name"',
    ],
    [
      'a port range backwards',
      (t: { cloud: Record<string, unknown> }) => (t.cloud.vctaPorts = '10010-10000'),
      'cloud.vctaPorts: expected a TCP port range such as "10000-10010", got "10010-10000"',
    ],
    [
      "pinned thumbprints without the certificates' own",
      (t: { cloud: { proxies: { certificate: Record<string, unknown> }[] } }) =>
        delete (t.cloud.proxies[0] as { certificate: Record<string, unknown> }).certificate
          .thumbprint,
      'cloud.proxies[0].certificate.thumbprint: missing: needed to compare with pinnedThumbprints',
    ],
  ])('a mistake in the cloud section is named: %s', (_n, spoil, message) => {
    const t = base();
    spoil(t);
    const text = JSON.stringify(t);
    expect(() => parseTopology('topology.json', text)).not.toThrow();
    let err: unknown;
    try {
      parseCloud('topology.json', text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EsxcliParseError);
    expect((err as Error).message).toBe(`topology.json: ${message}`);
  });

  test("in process: a vCTA port range wider than the vib's rule is found on every host, and the printed fix clears it", () => {
    const set = TUNNEL_FIXTURE_SETS.find((x) => x.name === 'seed-003-tunnel-wildcard');
    if (!set) throw new Error('wildcard fixture set missing');
    const files = tunnelFixtureFiles(set);
    const t = JSON.parse(files['topology.json'] ?? '');
    t.cloud.vctaPorts = '10000-10012';
    const wide = { ...files, 'topology.json': JSON.stringify(t) };
    const r = checkFiles(wide);
    expect(r?.findings.map((f) => [f.host, f.invariant, f.flow.port])).toEqual([
      ['esx-01', 'C5', 10011],
      ['esx-02', 'C5', 10011],
    ]);
    expect(r?.findings[0]?.message).toContain("esx-01's firewall drops TCP 10011-10012 out");
    const fixes = [...new Set(r?.findings.flatMap((f) => f.fix))];
    const fixed = { ...wide, 'topology.json': applyPrinted(wide['topology.json'] ?? '', fixes) };
    expect(checkFiles(fixed)?.findings).toEqual([]);
  });

  test('the check and the layouts agree: a layout is found exactly when its cloud section has findings', () => {
    for (const l of TUNNEL_LAYOUTS) {
      // A replaced certificate is a layout with events; its section is the state they leave.
      const spec = l.name === 'seed-003-tunnel-cert-replaced' ? CERT_REPLACED_SPEC : l.spec;
      if (l.events.length > 0 && l.name !== 'seed-003-tunnel-cert-replaced') continue;
      const found = layoutFailures(l, CORRECT).length > 0;
      expect(checkCloud(spec).findings.length > 0, l.name).toBe(found);
    }
  });
});

/** A generated provider as the cloud section a tenant would write for it. */
function specOf(setup: TunnelSetup): CloudSpec {
  const p = setup.provider;
  return {
    balancer: p.balancer,
    vip: p.vip,
    balancerCertificate: p.balancerCertificate,
    proxies: p.proxies.map((x) => ({
      ...x,
      publicFqdn: p.names.find((n) => n.proxy === x.name)?.fqdn ?? null,
    })),
    pinnedThumbprints: setup.tenants[0]?.pinned ?? null,
    tlsInspection: p.tlsBox,
    vctaPorts: [10000, 10010],
  };
}

describe('the host check is sound and precise about providers', () => {
  prop([caseArb(GENERAL).map((c) => specOf(c.setup))], {
    numRuns: scaledRuns(150),
    seed,
  })('C5: the cloud check reports a finding exactly when the provider is not healthy', (spec) => {
    const s = init(setupOf(spec), CORRECT);
    const all = Object.values(s.certificates).map((x) => x.thumbprint);
    const ok = healthy(s, {
      pinned: { [s.setup.tenants[0]?.name ?? '']: spec.pinnedThumbprints ?? all },
      lastFromCloud: {},
    });
    const r = checkCloud(spec);
    expect(r.findings.length === 0, r.findings.map((f) => f.message).join('; ')).toBe(ok);
    for (const f of r.findings) expect(f.fix.length > 0 || f.note !== undefined).toBe(true);
  });
});

describe('a tunnel counterexample shows who dialled whom', () => {
  const record = (setup: TunnelSetup, events: readonly TunnelEvent[], step: number) => ({
    id: 'x',
    property: 'C2',
    title: 'C2 …',
    invariants: ['C2'],
    variant: 'stitch-any-pending',
    area: 'tunnel',
    setup,
    events,
    violation: { step, invariant: 'C2', message: 'joined to another session' },
    seed: 0,
    path: '',
    fastCheckVersion: FAST_CHECK_VERSION,
  });
  const layout = TUNNEL_LAYOUTS[0];
  if (!layout) throw new Error('no tunnel layout');
  const setup = setupOf(layout.spec, [{ name: 'esx-01', tenant: CHECKED_TENANT, version: '6.7' }]);
  const events: TunnelEvent[] = [
    { type: 'ControlConnect', tenant: CHECKED_TENANT, pick: 'cp-2' },
    { type: 'CloudSessionStart', request: 'r1', group: CHECKED_GROUP, pick: 'cp-1' },
    { type: 'CloudSessionStart', request: 'r2', group: CHECKED_GROUP, pick: 'cp-1' },
    { type: 'RelayRequest', request: 'r2' },
    { type: 'ReverseConnect', request: 'r2', pick: 'cp-2' },
    { type: 'Stitch', request: 'r2' },
  ];

  test('the Mermaid diagram puts the vCTA on premises, draws each dial and relay, and boxes the failing step', () => {
    const m = mermaidSequence(record(setup, events, 6));
    expect(m.split('\n').slice(0, 3)).toEqual([
      'sequenceDiagram',
      '  box On premises',
      `    participant P0 as vCTA ${CHECKED_TENANT}`,
    ]);
    expect(m).toContain('participant P2 as Cloud Proxy cp-1');
    expect(m).toContain('P0->>P1: 1. control to vcav.proxy.example.com:443 connected');
    expect(m).toContain('P1-->>P3: 1. the L4 balancer picks cp-2');
    expect(m).toContain(
      'P3-->>P0: 4. over the control connection: reverse connection for r2: dial cp1.proxy.example.com',
    );
    expect(m).toContain('P0->>P2: 5. reverse to cp1.proxy.example.com:443 connected');
    expect(m).toMatch(
      /rect rgb\(255, 221, 221\)\n {2}Note over P2: 6\. stitches r2's reverse connection to session r1 \(C2 violated here\)\n {2}end/,
    );
  });

  test('the SVG shows the same messages, and a hostile name stays text', () => {
    const hostile = '<img src=x onerror=alert(1)>';
    const evil: TunnelSetup = {
      ...setup,
      tenants: setup.tenants.map((t) => ({ ...t, name: hostile })),
      hosts: setup.hosts.map((h) => ({ ...h, tenant: hostile })),
    };
    const svg = tunnelSvg(
      record(evil, [{ type: 'ControlConnect', tenant: hostile, pick: 'cp-1' }], 1),
    );
    expect(svg).not.toContain('<img');
    expect(svg).toContain('vCTA &lt;img src=x</text>');
    expect(svg).toContain('onerror=alert(1)&gt;</text>');
    expect(svg.match(/<g class="message/g)?.length).toBe(2);
    const seq = tunnelSequence(record(setup, events, 6));
    expect(seq.onPremises).toEqual([`vcta:${CHECKED_TENANT}`]);
    expect(seq.provider).toEqual(['vip', 'proxy:cp-1', 'proxy:cp-2', 'cloud-esx']);
  });
});
