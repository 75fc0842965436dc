// `npm run check` on real-looking esxcli output: the fixtures end to end, parse(render(x)) = x
// for random hosts in every formatter, agreement with the advisor on recommended worlds, and
// malformed input that only ever raises EsxcliParseError.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, inject, test } from 'vitest';
import {
  type CheckFinding,
  checkHosts,
  exitCode,
  hostInputs,
  judgeHosts,
} from '../model/esxcli/check.ts';
import {
  parseAllowedIpList,
  parseEsxcfgRoute,
  parseEsxcfgVmknic,
  parseInterfaceList,
  parseIpv4Get,
  parseNetstackList,
  parseRouteList,
  parseRuleList,
  parseRulesetList,
  parseSystemVersion,
  parseTagGet,
  parseVibList,
} from '../model/esxcli/commands.ts';
import { assembleHost, type CommandOutput, splitTranscript } from '../model/esxcli/host.ts';
import { EsxcliParseError, type Format, type Source } from '../model/esxcli/records.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { firewallStep, type HostFirewall, type Ruleset } from '../model/firewall/firewall.ts';
import { advise } from '../model/network/advisor.ts';
import { hostFromSetup, netStep } from '../model/network/host.ts';
import type { HostSetup, NetHost } from '../model/network/types.ts';
import { CORRECT } from '../model/variants.ts';
import { renderCheck } from '../scripts/check-render.ts';
import { fixEvents, printedFixes } from './esxcli/fix-text.ts';
import {
  baseFirewall,
  ESX_X,
  FIXTURE_SETS,
  fixtureFiles,
  topologyFile,
} from './esxcli/fixtures.ts';
import { hostCommands, renderHostFiles, renderOutput, renderTranscript } from './esxcli/render.ts';
import { cliTest, runCheck } from './esxcli/run-check.ts';
import { scaledRuns } from './harness.ts';
import { checkCaseArb } from './host-check/arbitraries.ts';
import { modelFirewalls } from './host-check/properties.ts';
import { randomHost, recommendedWorld } from './network/arbitraries.ts';
import { movesOffDefault } from './network/printed.ts';
import { NET_SCENARIOS } from './network/scenarios.ts';
import { prop } from './prop.ts';

const seed = inject('fcSeed');
const ROOT = 'properties/fixtures/hosts';

const check = runCheck;

const posix = (...p: string[]) => p.join('/');

/** The check on in-memory files, as the script runs it on a directory. */
function checkFiles(files: Readonly<Record<string, string>>) {
  const topo = parseTopology('topology.json', files['topology.json'] ?? '');
  return checkHosts(topo, hostInputs(files, posix, { hosts: topo.hosts.map((h) => h.name) }));
}

describe('npm run check on the fixtures', () => {
  cliTest('seed-000-before exits 1 naming vmk0, the management gateway and the route fix', () => {
    const r = check(join(ROOT, 'seed-000-before'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('vmk0');
    expect(r.out).toContain('172.16.0.1');
    expect(r.out).toContain(
      'esxcli network ip route ipv4 add --gateway 10.11.12.1 --network 10.12.12.20/32',
    );
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  cliTest('seed-000-after exits 0, and --json says so', () => {
    expect(check(join(ROOT, 'seed-000-after')).code).toBe(0);
    const j = check(join(ROOT, 'seed-000-after'), '--json');
    expect(j.code).toBe(0);
    const parsed = JSON.parse(j.out);
    expect(parsed.findings).toEqual([]);
    expect(parsed.hosts.map((h: { name: string }) => h.name)).toEqual([
      'esx-01',
      'esx-02',
      'esx-dr-01',
    ]);
  });

  cliTest('a bad file exits 2 with file:line, and the other hosts are still checked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esxcli-check-'));
    try {
      cpSync(join(ROOT, 'seed-000-before'), dir, { recursive: true });
      const f = join(dir, 'esx-02', 'network-ip-route-ipv4-list.txt');
      const lines = readFileSync(f, 'utf8').split('\n');
      lines[3] = '10.12.12.0  255.255.255.0';
      writeFileSync(f, lines.join('\n'));
      const r = check(dir);
      expect(r.code).toBe(2);
      expect(r.out).toContain(
        `${f}:4: expected 5 columns (Network Netmask Gateway Interface Source), got 2`,
      );
      // esx-02 did not parse: esx-01's vMotion flow to it is not built, so 3 flows, not 4.
      expect(r.out).toContain('esx-01 (ESXi 5.5): 1 broken flow of 3 checked');
      expect(r.out).toContain('esx-dr-01 (ESXi 5.5)');
      expect(r.err).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  cliTest('a topology mistake names the field and exits 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'esxcli-topo-'));
    try {
      const t = JSON.parse(readFileSync(join(ROOT, 'seed-000-after', 'topology.json'), 'utf8'));
      t.subnets[2].purpose = 'repl';
      writeFileSync(join(dir, 'topology.json'), JSON.stringify(t));
      const r = check(dir);
      expect(r.code).toBe(2);
      expect(r.err).toContain(
        'topology.json: subnets[2].purpose: expected one of management, vmotion, replication, nfc, fvp, appliance, got "repl"',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('in process: a bad file is an error naming file:line, and the other hosts are still checked', () => {
    const set = FIXTURE_SETS.find((s) => s.name === 'seed-000-before');
    if (!set) throw new Error('seed-000-before fixture set missing');
    const files = { ...fixtureFiles(set) };
    const key = 'esx-02/network-ip-route-ipv4-list.txt';
    const lines = (files[key] ?? '').split('\n');
    lines[3] = '10.12.12.0  255.255.255.0';
    files[key] = lines.join('\n');
    const r = checkFiles(files);
    expect(r.errors).toEqual([
      `${key}:4: expected 5 columns (Network Netmask Gateway Interface Source), got 2`,
      // esx-02 is not known, so its site's subnets are not judged against its vmks.
    ]);
    expect(r.findings.map((f) => f.host)).toContain('esx-01');
    expect(r.findings.some((f) => f.host === 'esx-02')).toBe(false);
  });

  // The whole verdict, as --json prints it, for every fixture set: findings with their flows,
  // expected paths and fixes, the clean list and the errors. Reviewed by hand when written;
  // a change in wording or order shows up as a diff of these files.
  test.each(FIXTURE_SETS.map((s) => [s.name, s] as const))(
    'in process: %s gives the verdict in its golden file',
    async (name, set) => {
      const r = checkFiles(fixtureFiles(set));
      await expect(`${JSON.stringify(r, null, 2)}\n`).toMatchFileSnapshot(
        `esxcli/golden/${name}.json`,
      );
    },
  );

  test('in process: hosts missing from the topology, hosts without files, unreadable transcripts and stray files', () => {
    const set = FIXTURE_SETS.find((s) => s.name === 'seed-000-after-transcripts');
    if (!set) throw new Error('seed-000-after-transcripts fixture set missing');
    const files: Record<string, string> = { ...fixtureFiles(set) };
    const transcript = Object.keys(files).find((f) => f.endsWith('.txt') && !f.includes('/'));
    if (!transcript) throw new Error('no transcript in the set');
    const [missing] = transcript.split('.');
    files[transcript] = 'no prompt here\n';
    files['esx-99/network-ip-interface-list.txt'] =
      files['esx-01/network-ip-interface-list.txt'] ?? '';
    files['notes.md'] = 'not a host';
    files['esx-01/README'] = 'not an output';
    const r = checkFiles(files);
    // Exactly these two: the stray files are ignored with a note, not read as hosts.
    expect(r.errors).toEqual([
      `${transcript}:1: expected a prompt line such as "[root@esx-01:~] esxcli ...", got "no prompt here"`,
      'esx-99: host esx-99 is not in topology.json hosts',
    ]);
    expect(r.notes).toEqual([
      'esx-01/README: ignored (not a command output)',
      'notes.md: ignored (not a host folder or a transcript)',
    ]);
    expect(r.hosts.map((h) => h.name)).not.toContain(missing);
    const withoutOne = Object.fromEntries(
      Object.entries(fixtureFiles(set)).filter(([f]) => f !== transcript),
    );
    const index = set.topology.hosts.findIndex((h) => h.name === missing);
    expect(checkFiles(withoutOne).errors).toEqual([
      `topology.json: hosts[${index}] (${missing}): no folder or transcript for it`,
    ]);
    // Inputs come back sorted by host name whatever order the files were listed in.
    const names = (f: Record<string, string>) => hostInputs(f, posix).inputs.map((i) => i.name);
    const reversed = Object.fromEntries(Object.entries(fixtureFiles(set)).reverse());
    expect(names(reversed)).toEqual(names(fixtureFiles(set)));
    expect(names(reversed)).toEqual([...names(reversed)].sort());
  });

  test('in process: a topology mistake names the field', () => {
    const t = JSON.parse(readFileSync(join(ROOT, 'seed-000-after', 'topology.json'), 'utf8'));
    t.subnets[2].purpose = 'repl';
    expect(() => parseTopology('topology.json', JSON.stringify(t))).toThrow(
      'topology.json: subnets[2].purpose: expected one of management, vmotion, replication, nfc, fvp, appliance, got "repl"',
    );
  });

  test.each(FIXTURE_SETS.map((s) => [s.name, s] as const))(
    '%s on disk is what render.ts writes',
    (_n, set) => {
      const files = fixtureFiles(set);
      const root = join(ROOT, set.name);
      const onDisk = readdirSync(root, { recursive: true, withFileTypes: true })
        .filter((d) => d.isFile())
        .map((d) =>
          join(d.parentPath, d.name)
            .slice(root.length + 1)
            .split('\\')
            .join('/'),
        )
        .sort();
      expect(onDisk).toEqual(Object.keys(files).sort());
      for (const [rel, text] of Object.entries(files))
        expect(readFileSync(join(root, rel), 'utf8')).toBe(text);
    },
  );

  test.each(FIXTURE_SETS.map((s) => [s.name, s.exit, s] as const))(
    '%s exits %s',
    (_n, exit, set) => {
      const r = checkFiles(fixtureFiles(set));
      expect(r.errors).toEqual([]);
      expect(exitCode(r)).toBe(exit);
    },
  );

  test("NFC is judged inbound at the DR host (research-notes A1): vSphereClient's allowed IPs without the VR server block it, and the fix adds it; the outgoing NFC ruleset off blocks nothing", () => {
    const run = (name: string) => {
      const set = FIXTURE_SETS.find((s) => s.name === name);
      if (!set) throw new Error(`${name} fixture set missing`);
      return checkFiles(fixtureFiles(set));
    };
    const blocked = run('notes-f-nfc-allowed-ip-excludes-vr-server');
    expect(blocked.errors).toEqual([]);
    expect(
      blocked.findings.map((f) => [f.host, f.class, f.invariants, f.message, f.dropped, f.fix]),
    ).toEqual([
      [
        'esx-dr-01',
        'nfc',
        ['F2'],
        'nfc from VRS 10.12.12.20 to esx-dr-01 (vmk2 10.12.12.5) is dropped: the firewall of esx-dr-01 drops TCP 902 in from 10.12.12.20: vSphereClient admits only 172.17.0.0/24, not 10.12.12.20 [F2]',
        { direction: 'inbound', protocol: 'tcp', remote: '10.12.12.20', ports: [902] },
        ['esxcli network firewall ruleset allowedip add -r vSphereClient -i 10.12.12.20'],
      ],
    ]);
    const off = run('notes-a1-outgoing-nfc-disabled');
    expect(off.errors).toEqual([]);
    expect(off.findings).toEqual([]);
    expect(off.checked.find((c) => c.class === 'nfc')?.detail).toBe(
      'replies: leaves vmk2 directly; TCP 902 in from 10.12.12.20 allowed by vSphereClient',
    );
  });

  cliTest('notes-f-nfc-allowed-ip-excludes-vr-server exits 1 and prints the allowedip fix', () => {
    const r = check(join(ROOT, 'notes-f-nfc-allowed-ip-excludes-vr-server'));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      '      esxcli network firewall ruleset allowedip add -r vSphereClient -i 10.12.12.20\n',
    );
    expect(r.err).toBe('');
  });

  test('seed-003 before: the 6.5U1 host drops to-the-cloud replication; the fix is the manual vib install', () => {
    const set = FIXTURE_SETS.find((s) => s.name === 'seed-003-65u1-before');
    const r = set ? checkFiles(fixtureFiles(set)) : undefined;
    expect(r?.findings.map((f) => [f.host, f.invariants, f.class])).toEqual([
      ['esx-01', ['F1'], 'to-cloud'],
    ]);
    // Seed 003's workaround, without a datastore name the check cannot know: the vib is
    // copied to the host's /tmp first (a labelled step), then installed from there.
    expect(r?.findings[0]?.fix).toEqual(['esxcli software vib install -v /tmp/vr2c-firewall.vib']);
    expect(r?.findings[0]?.steps).toEqual([
      'first copy vr2c-firewall.vib to the host (download it from https://172.16.0.20:8043/vib/vr2c-firewall.vib): scp vr2c-firewall.vib root@172.16.0.11:/tmp/ (seed 003)',
    ]);
  });
});

// ---- round trip ----

/** What esxcli output can show of a host: no persistence, no refresh mode, no route flags. */
function observable(h: NetHost) {
  return {
    version: h.version,
    vmks: [...h.vmks]
      .sort((a, b) => a.order - b.order)
      .map((v) => ({
        name: v.name,
        ip: v.ip,
        len: v.len,
        netstack: v.netstack,
        tags: [...v.tags].sort(),
        gateway: v.gateway,
      })),
    netstacks: [...h.netstacks].map((n) => `${n.name}|${n.gateway}`).sort(),
    routes: h.routes
      .map((r) => `${r.netstack}|${r.network.addr}/${r.network.len}|${r.gateway}`)
      .sort(),
  };
}

function outputsOf(setup: HostSetup, form: Format | 'transcript'): CommandOutput[] {
  const fw = baseFirewall(setup);
  if (form === 'transcript')
    return splitTranscript(`${setup.name}.txt`, renderTranscript(setup, fw));
  return Object.entries(renderHostFiles(setup, fw, form)).map(([f, text]) => {
    const [key = '', ext = ''] = [f.slice(0, f.lastIndexOf('.')), f.slice(f.lastIndexOf('.') + 1)];
    return { key, file: f, text, format: ext === 'txt' ? 'text' : (ext as Format) };
  });
}

// ESXi holds one route per network and stack (RouteAdd refuses a second), so a generated
// setup with two routes that normalise to the same prefix has no esxcli listing.
const listable = randomHost('esx-01').filter((s) => {
  const keys = hostFromSetup(s).routes.map(
    (r) => `${r.netstack}|${r.network.addr}/${r.network.len}`,
  );
  return new Set(keys).size === keys.length;
});

describe('parse(render(host)) = host', () => {
  prop([listable, fc.constantFrom<Format | 'transcript'>('text', 'csv', 'xml', 'transcript')], {
    seed,
    numRuns: scaledRuns(400),
  })('addresses, netstacks, tags, gateways and routes survive every formatter', (setup, form) => {
    const parsed = assembleHost(setup.name, setup.name, outputsOf(setup, form));
    expect(observable(hostFromSetup(parsed.setup))).toEqual(observable(hostFromSetup(setup)));
    const rules = (rs: readonly { id: string; enabled: boolean; rules: unknown }[] = []) =>
      rs.map((r) => ({ id: r.id, enabled: r.enabled, rules: r.rules }));
    expect(rules(parsed.firewall?.rulesets)).toEqual(rules(baseFirewall(setup).rulesets));
  });

  prop([checkCaseArb, fc.constantFrom<Format | 'transcript'>('text', 'csv', 'xml', 'transcript')], {
    seed,
    numRuns: scaledRuns(150),
  })(
    "rulesets, their rules, enabled states, allowed IPs and 8.0U2's configurable columns survive every formatter",
    (c, form) => {
      const { world } = modelFirewalls(c, CORRECT);
      for (const h of c.setup.hosts) {
        const fw = world.hosts[h.name] ?? null;
        const outs =
          form === 'transcript'
            ? splitTranscript('t.txt', renderTranscript(h, fw))
            : Object.entries(renderHostFiles(h, fw, form)).map(([f, text]) => ({
                key: f.slice(0, f.lastIndexOf('.')),
                file: f,
                text,
                format: form,
              }));
        const parsed = assembleHost(h.name, h.name, outs);
        // "All" is all a listing shows of an allowed-all ruleset; the columns show for all or none.
        const four = fw?.rulesets.some((r) => r.configurable) ?? false;
        const seen = (rs: readonly Ruleset[] = []) =>
          rs.map((r) => ({
            id: r.id,
            enabled: r.enabled,
            rules: r.rules,
            allowed: r.allowedAll ? 'All' : r.allowedIps,
            configurable: r.configurable ?? (four ? { enable: true, allowedIp: true } : undefined),
          }));
        expect(parsed.allowedIps).toBe(true);
        expect(seen(parsed.firewall?.rulesets)).toEqual(seen(fw?.rulesets));
      }
    },
  );

  test('the seed layouts survive the esxcfg listings too', () => {
    for (const s of NET_SCENARIOS) {
      for (const h of s.hosts) {
        const t = renderTranscript(h, null, { legacy: true, prompt: 'tilde' });
        const parsed = assembleHost(h.name, h.name, splitTranscript('t.txt', t));
        expect(observable(hostFromSetup(parsed.setup))).toEqual(observable(hostFromSetup(h)));
      }
    }
  });
});

describe('the check agrees with the advisor', () => {
  prop(
    [fc.boolean().chain((r) => recommendedWorld(r)), fc.constantFrom<Format>('text', 'csv', 'xml')],
    {
      seed,
      numRuns: scaledRuns(60),
    },
  )('on recommended worlds, findings from esxcli output = advise() on the model', (c, format) => {
    const topology = c.setup.topology;
    if (!topology) return;
    const files: Record<string, string> = {
      'topology.json': JSON.stringify(topologyFile(topology, c.setup.hosts)),
    };
    for (const h of c.setup.hosts) {
      // The vib is in place, so the firewall adds nothing the advisor does not know.
      const fw = { ...baseFirewall(h) };
      const withVib = FIXTURE_SETS.find((s) => s.name === 'seed-003-65u1-after')?.hosts[0]
        ?.firewall;
      const rulesets = [...fw.rulesets, ...(withVib?.rulesets.filter((r) => r.vib !== null) ?? [])];
      for (const [f, text] of Object.entries(renderHostFiles(h, { ...fw, rulesets }, format)))
        files[`${h.name}/${f}`] = text;
    }
    const r = checkFiles(files);
    expect(r.errors).toEqual([]);
    const model = Object.fromEntries(c.setup.hosts.map((h) => [h.name, hostFromSetup(h)]));
    const key = (x: { host: string; invariants: readonly string[]; message: string }) =>
      `${x.host}|${x.invariants.join(',')}|${x.message}`;
    expect(r.findings.map(key).sort()).toEqual(advise(model, topology, CORRECT).map(key).sort());
  });
});

// ---- fuzzing: malformed input raises EsxcliParseError and nothing else ----

const SAMPLES: HostSetup[] = [
  ...(NET_SCENARIOS.find((s) => s.name === 'seed-000-after')?.hosts ?? []),
  ESX_X,
];

type Parser = (s: Source) => unknown;
const PARSERS: readonly [string, RegExp, Parser][] = [
  ['system version get', /^system-version-get$/, parseSystemVersion],
  ['interface list', /^network-ip-interface-list$/, parseInterfaceList],
  ['interface ipv4 get', /^network-ip-interface-ipv4-get$/, parseIpv4Get],
  ['route ipv4 list', /^network-ip-route-ipv4-list/, parseRouteList],
  ['esxcfg-route -l', /^esxcfg-route-l$/, parseEsxcfgRoute],
  ['esxcfg-vmknic -l', /^esxcfg-vmknic-l$/, parseEsxcfgVmknic],
  ['netstack list', /^network-ip-netstack-list$/, parseNetstackList],
  ['interface tag get', /^network-ip-interface-tag-get-/, parseTagGet],
  ['firewall ruleset list', /^network-firewall-ruleset-list$/, parseRulesetList],
  ['firewall ruleset rule list', /^network-firewall-ruleset-rule-list$/, parseRuleList],
  [
    'firewall ruleset allowedip list',
    /^network-firewall-ruleset-allowedip-list$/,
    parseAllowedIpList,
  ],
  ['software vib list', /^software-vib-list$/, parseVibList],
];

const corpus = (re: RegExp): { text: string; format: Format }[] =>
  SAMPLES.flatMap((s) =>
    [...hostCommands(s, baseFirewall(s)), ...hostCommands(s, null, { legacy: true })]
      .filter((c) => re.test(c.key))
      .flatMap((c) =>
        (c.output.shape === 'raw' ? (['text'] as const) : (['text', 'csv', 'xml'] as const)).map(
          (format) => ({
            text: renderOutput(c.output, format),
            format,
          }),
        ),
      ),
  );

/** One mutation of valid output: the kinds of damage copy-paste and bad captures do. */
const mutation = fc.oneof(
  fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))),
  fc.nat().map((n) => (t: string) => {
    const ls = t.split('\n');
    ls.splice(n % ls.length, 1);
    return ls.join('\n');
  }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (t: string) => {
    const ls = t.split('\n');
    const i = a % ls.length;
    const w = (ls[i] ?? '').split(/(\s+)/);
    const x = (b % Math.max(1, w.length)) & ~1;
    const y = ((b >> 3) % Math.max(1, w.length)) & ~1;
    [w[x], w[y]] = [w[y] ?? '', w[x] ?? ''];
    ls[i] = w.join('');
    return ls.join('\n');
  }),
  fc.tuple(fc.nat(), fc.integer({ min: -3, max: 3 })).map(([n, d]) => (t: string) => {
    const i = n % (t.length + 1);
    return d >= 0 ? t.slice(0, i) + ' '.repeat(d) + t.slice(i) : t.slice(0, i) + t.slice(i - d);
  }),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(
        '300.1.2.3',
        '10.0.0',
        '255.0.255.0',
        'vmkX',
        'VMotionX',
        'Bogus',
        '-1',
        '99999',
        ',',
        '"',
        '<',
        '</field>',
        '0.0.0.0',
      ),
    )
    .map(([n, s]) => (t: string) => {
      const tokens = t.split(/(\s+|,|>|<)/);
      const i = n % tokens.length;
      tokens[i] = s;
      return tokens.join('');
    }),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 12 }))
    .map(([n, bytes]) => (t: string) => {
      const i = n % (t.length + 1);
      return t.slice(0, i) + String.fromCharCode(...bytes) + t.slice(i);
    }),
);

function onlyParseErrors(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof EsxcliParseError)) throw e;
    expect(e.message).toMatch(/^[^\n]+$/);
  }
}

/** npm test runs 1,000 cases per parser; the nightly workflow sets ESXCLI_FUZZ_RUNS=20000. */
const FUZZ_RUNS = scaledRuns(Number(process.env.ESXCLI_FUZZ_RUNS ?? '') || 1000);

describe('malformed output raises EsxcliParseError only', () => {
  for (const [name, re, parse] of PARSERS) {
    const texts = corpus(re);
    prop([fc.constantFrom(...texts), fc.array(mutation, { minLength: 1, maxLength: 3 })], {
      seed,
      numRuns: FUZZ_RUNS,
    })(`${name} (${FUZZ_RUNS} cases)`, (base, ms) => {
      const text = ms.reduce((t, m) => m(t), base.text);
      onlyParseErrors(() => parse({ file: 'f.txt', text, format: base.format }));
    });
  }

  prop(
    [
      fc.constantFrom(...SAMPLES),
      fc.constantFrom<Format>('text', 'csv', 'xml'),
      fc.nat(),
      mutation,
    ],
    {
      seed,
      numRuns: FUZZ_RUNS,
    },
  )(`a whole host with one damaged file (${FUZZ_RUNS} cases)`, (setup, format, i, m) => {
    const outs = outputsOf(setup, format);
    const k = i % outs.length;
    const damaged = outs.map((o, j) => (j === k ? { ...o, text: m(o.text) } : o));
    onlyParseErrors(() => hostFromSetup(assembleHost(setup.name, setup.name, damaged).setup));
  });

  prop([fc.constantFrom(...SAMPLES), fc.array(mutation, { minLength: 1, maxLength: 3 })], {
    seed,
    numRuns: FUZZ_RUNS,
  })(`transcripts (${FUZZ_RUNS} cases)`, (setup, ms) => {
    const text = ms.reduce((t, m) => m(t), renderTranscript(setup, baseFirewall(setup)));
    onlyParseErrors(() => assembleHost(setup.name, 't.txt', splitTranscript('t.txt', text)));
  });

  const topoText = JSON.stringify(NET_SCENARIOS[0]?.topology, null, 1);
  prop([fc.array(mutation, { minLength: 1, maxLength: 2 })], { seed, numRuns: FUZZ_RUNS })(
    `topology.json (${FUZZ_RUNS} cases)`,
    (ms) => {
      onlyParseErrors(() =>
        parseTopology(
          'topology.json',
          ms.reduce((t, m) => m(t), topoText),
        ),
      );
    },
  );
});

// ---- the printed fixes, read back from the text (issue 12, section 2 and acceptance 3) ----

/** The fixture's hosts as the check parsed them: the model hosts and their firewalls. */
function parsedFixture(files: Readonly<Record<string, string>>) {
  const topology = parseTopology('topology.json', files['topology.json'] ?? '');
  const hosts: Record<string, NetHost> = {};
  const firewalls: Record<string, HostFirewall | null> = {};
  for (const i of hostInputs(files, posix, { hosts: topology.hosts.map((h) => h.name) }).inputs) {
    const p = assembleHost(i.name, i.where, i.outputs);
    hosts[i.name] = hostFromSetup(p.setup);
    firewalls[i.name] = p.firewall;
  }
  return { topology, hosts, firewalls };
}

const pairsOf = (fs: readonly CheckFinding[]) =>
  new Set(
    fs.flatMap((f) => f.invariants.map((i) => `${f.host}|${f.class}|${f.flow.destination}|${i}`)),
  );

describe('every fix printed for a fixture, read back from the text and applied, mends its flow and breaks no other', () => {
  test.each(FIXTURE_SETS.map((s) => [s.name, s] as const))('%s', (_name, set) => {
    const files = fixtureFiles(set);
    const r = checkFiles(files);
    const text = renderCheck(r);
    const printed = printedFixes(text);
    // Every finding with a fix is found in the text, and nothing else is.
    expect(printed.length).toBe(r.findings.filter((f) => f.fix.length + f.steps.length > 0).length);
    const { topology, hosts, firewalls } = parsedFixture(files);
    const before = pairsOf(r.findings);
    for (const p of printed) {
      const f = r.findings.find(
        (x) => x.host === p.host && `${x.sentence} [${x.invariants.join(', ')}]` === p.headline,
      );
      expect(f, p.headline).toBeDefined();
      if (!f) continue;
      // Complete and pasteable: no placeholder, and nothing but commands among the commands.
      for (const line of [...p.commands, ...p.steps]) expect(line).not.toMatch(/[<>]/);
      for (const c of p.commands) expect(c).toMatch(/^esxcli /);
      const h = hosts[p.host];
      if (!h) throw new Error(`${p.host} was not parsed`);
      const events = fixEvents(h, p);
      // Replication and NFC never leave the default netstack (N8).
      if (f.class === 'replication' || f.class === 'nfc')
        expect(movesOffDefault(events.net)).toBeUndefined();
      let net: Readonly<Record<string, NetHost>> = hosts;
      for (const e of events.net) {
        const step = netStep(net, e, CORRECT);
        expect(step.error, e.type).toBeUndefined();
        net = step.hosts;
      }
      let fw: { now: number; hosts: Record<string, HostFirewall> } = {
        now: 0,
        hosts: Object.fromEntries(
          Object.entries(firewalls).flatMap(([k, v]) => (v ? [[k, v] as const] : [])),
        ),
      };
      for (const e of events.firewall) {
        const step = firewallStep(fw, e, CORRECT);
        expect(step.error).toBeUndefined();
        fw = { now: step.world.now, hosts: { ...step.world.hosts } };
      }
      const after = judgeHosts(topology, net, { ...firewalls, ...fw.hosts }, CORRECT).findings;
      expect(
        after.filter(
          (x) =>
            x.host === f.host && x.class === f.class && x.flow.destination === f.flow.destination,
        ),
      ).toEqual([]);
      const added = after.filter((x) =>
        x.invariants.some((i) => !before.has(`${x.host}|${x.class}|${x.flow.destination}|${i}`)),
      );
      expect(added.map((x) => x.message)).toEqual([]);
    }
  });

  test('the fixtures print fixes of each kind: a route, a vmk re-created with its tags, a vib install', () => {
    const all = FIXTURE_SETS.flatMap((s) => printedFixes(renderCheck(checkFiles(fixtureFiles(s)))));
    const commands = all.flatMap((p) => p.commands);
    expect(commands.some((c) => c.startsWith('esxcli network ip route ipv4 add'))).toBe(true);
    expect(commands.some((c) => c.startsWith('esxcli network ip interface add'))).toBe(true);
    expect(commands.some((c) => c.startsWith('esxcli software vib install'))).toBe(true);
    expect(
      commands.some((c) => c.startsWith('esxcli network firewall ruleset allowedip add')),
    ).toBe(true);
  });
});
