// npm run -s bench -- [--json]
// Speed, measured rather than asserted: events per second through the fast-check harness for
// each model beside a trivial model in the same harness, full sync of a small and a huge
// sparse disk with the same written blocks, route lookups and firewall verdicts per second,
// and npm run check on a 200-host DIR (hosts per second in process, and the script's wall time).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { checkHosts, hostInputs } from '../model/esxcli/check.ts';
import { parseTopology } from '../model/esxcli/topology.ts';
import { decide, initFirewall } from '../model/firewall/firewall.ts';
import { hostFromSetup } from '../model/network/host.ts';
import { lookup } from '../model/network/lookup.ts';
import type { HostSetup } from '../model/network/types.ts';
import { init, step } from '../model/replication/step.ts';
import type {
  ReplicationEvent,
  ReplicationSetup,
  ReplicationState,
} from '../model/replication/types.ts';
import { CORRECT } from '../model/variants.ts';
import { initWorld, worldStep } from '../model/world/world.ts';
import { renderHostFiles } from '../properties/esxcli/render.ts';
import { EXPLORE_AREAS, runScope, scopeOf } from '../properties/explore/areas.ts';
import { randomCase } from '../properties/network/arbitraries.ts';
import { GENERAL, scenarioArb } from '../properties/replication/arbitraries.ts';
import { faultyWorld } from '../properties/world/properties.ts';
import { renderCheck } from './check-render.ts';
import { helpRequested, printHelp, usageError } from './cli.ts';

const RUNS = 300;
const SEED = 20261121;
/** Untimed rounds first, until this much time has gone on them (see withBaseline). */
const WARMUP_MS = 2000;
/** Timed rounds of each model and of its baseline, taken in turns after the warm-up. */
const ROUNDS = 5;

interface Throughput {
  /** Events per second of the whole fast-check run: generating each case, then folding it. */
  readonly harness: number;
  /** Events per second of the fold alone, generation left out. */
  readonly foldOnly: number;
}

/**
 * Events per second through fast-check's own loop: fc.assert generates RUNS cases with a fixed
 * seed and folds each one. The whole run is timed (that is the cost a property run pays), and the
 * fold alone beside it. A round of the model and a round of its baseline (a trivial fold of the
 * same cases) take turns: first untimed, until WARMUP_MS has gone on each, so that the figures
 * are the steady state a nightly run spends its minutes in, not the JIT compiler's first passes;
 * then ROUNDS timed rounds of each, best of each, so that a busy moment on a shared machine
 * decides neither figure and weighs on both alike. Every model and its baseline are measured
 * the same way.
 */
function withBaseline<T>(
  arb: fc.Arbitrary<T>,
  list: (c: T) => readonly { type: string }[],
  count: (c: T) => number,
  fold: (c: T) => void,
): { model: Throughput; base: Throughput } {
  const model = rounds(arb, count, fold);
  // The trivial model: a fold that only counts event types, through the same harness.
  const base = rounds(
    arb,
    (c) => list(c).length,
    (c) => {
      const seen: Record<string, number> = {};
      for (const e of list(c)) seen[e.type] = (seen[e.type] ?? 0) + 1;
    },
  );
  for (let m = 0, b = 0; m < WARMUP_MS || b < WARMUP_MS; ) {
    m += model.round().wallMs;
    b += base.round().wallMs;
  }
  for (let i = 0; i < ROUNDS; i++) {
    model.round();
    base.round();
  }
  return { model: model.best(), base: base.best() };
}

/** Rounds of one fold over RUNS generated cases; best() is the fastest of the last ROUNDS. */
function rounds<T>(arb: fc.Arbitrary<T>, count: (c: T) => number, fold: (c: T) => void) {
  const results: Throughput[] = [];
  return {
    round() {
      let events = 0;
      let foldMs = 0;
      const t0 = performance.now();
      fc.assert(
        fc.property(arb, (c) => {
          const f0 = performance.now();
          fold(c);
          foldMs += performance.now() - f0;
          events += count(c);
        }),
        { numRuns: RUNS, seed: SEED },
      );
      const wallMs = performance.now() - t0;
      const perSec = (ms: number) => Math.round((events / Math.max(ms, 1e-3)) * 1000);
      results.push({ harness: perSec(wallMs), foldOnly: perSec(foldMs) });
      return { wallMs };
    },
    best(): Throughput {
      const timed = results.slice(-ROUNDS);
      return timed.reduce((a, b) => (b.harness > a.harness ? b : a));
    },
  };
}

function eventsPerSec() {
  const repl = scenarioArb(GENERAL);
  const { model: replication, base: replBase } = withBaseline(
    repl,
    (c) => c.events,
    (c) => c.events.length,
    (c) => {
      let s = init(c.setup, CORRECT);
      for (const e of c.events) s = step(s, e).state;
    },
  );
  const { model: routing, base: routingBase } = withBaseline(
    randomCase,
    (c) => c.setup.queries.map(() => ({ type: 'Lookup' })),
    (c) => c.setup.queries.length,
    (c) => {
      const h = hostFromSetup(c.setup.hosts[0] as HostSetup);
      for (const q of c.setup.queries)
        lookup(h, { netstack: q.netstack, dst: ipOf(q.dst), bound: q.bound }, CORRECT);
    },
  );
  const { model: world, base: worldBase } = withBaseline(
    faultyWorld,
    (c) => c.events,
    (c) => c.events.length,
    (c) => {
      let w = initWorld(c.setup, CORRECT);
      for (const e of c.events) w = worldStep(w, e).state;
    },
  );
  const ratio = (base: Throughput, m: Throughput) =>
    Math.round((base.harness / Math.max(m.harness, 1)) * 100) / 100;
  return {
    eventsPerSec: {
      replication: replication.harness,
      routing: routing.harness,
      world: world.harness,
    },
    baselineEventsPerSec: {
      replication: replBase.harness,
      routing: routingBase.harness,
      world: worldBase.harness,
    },
    overheadRatio: {
      replication: ratio(replBase, replication),
      routing: ratio(routingBase, routing),
      world: ratio(worldBase, world),
    },
    /** The models' own speed, generation left out: where to look when a ratio grows. */
    foldOnlyEventsPerSec: {
      replication: replication.foldOnly,
      routing: routing.foldOnly,
      world: world.foldOnly,
    },
  };
}

function ipOf(text: string): number {
  const [a, b, c, d] = text.split('.').map(Number) as [number, number, number, number];
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/** Full sync of one disk with `touched` written blocks spread over `blocks` (4 KiB each). */
function fullSyncMs(blocks: number, touched: number): number {
  const setup: ReplicationSetup = {
    version: '6.7',
    hosts: ['esx-01'],
    vrs: 'vrs',
    chunkBlocks: 4096,
    vms: [
      {
        name: 'vm-1',
        host: 'esx-01',
        poweredOn: true,
        disks: [{ id: 'disk-0', uuid: 'u', sizeBlocks: blocks }],
      },
    ],
  };
  let s: ReplicationState = init(setup, CORRECT);
  const stride = Math.floor(blocks / touched);
  for (let i = 0; i < touched; i++)
    s = step(s, { type: 'GuestWrite', vm: 'vm-1', disk: 'disk-0', block: i * stride }).state;
  s = step(s, {
    type: 'ConfigureReplication',
    vm: 'vm-1',
    rpoMinutes: 15,
    perDay: 0,
    days: 0,
    seed: false,
  }).state;
  const t0 = performance.now();
  const sync: ReplicationEvent[] = [{ type: 'CycleStart', vm: 'vm-1' }];
  s = step(s, sync[0] as ReplicationEvent).state;
  while (!s.vms['vm-1']?.repl?.staging?.complete)
    s = step(s, { type: 'ChunkDelivered', vm: 'vm-1' }).state;
  s = step(s, { type: 'BundleCommit', vm: 'vm-1' }).state;
  return performance.now() - t0;
}

function fullSync() {
  const smallDiskBlocks = 1024 ** 3 / 4096;
  const largeDiskBlocks = (2 * 1024 ** 4) / 4096;
  const touchedBlocks = 2000;
  // Side by side, several rounds, best of each: the first rounds warm the JIT.
  let smallMs = Number.POSITIVE_INFINITY;
  let largeMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    smallMs = Math.min(smallMs, fullSyncMs(smallDiskBlocks, touchedBlocks));
    largeMs = Math.min(largeMs, fullSyncMs(largeDiskBlocks, touchedBlocks));
  }
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    smallDiskBlocks,
    largeDiskBlocks,
    touchedBlocks,
    smallMs: r(smallMs),
    largeMs: r(largeMs),
    ratio: r(largeMs / smallMs),
  };
}

function lookupsPerSec(): number {
  const vmks = Array.from({ length: 8 }, (_, i) => ({
    name: `vmk${i}`,
    address: `10.${i}.0.5/24`,
    tags: [],
  }));
  const routes = Array.from({ length: 64 }, (_, i) => ({
    network: `172.${16 + (i % 16)}.${i}.0/24`,
    gateway: `10.${i % 8}.0.1`,
  }));
  const h = hostFromSetup({
    name: 'esx-01',
    version: '6.7',
    vmks,
    routes,
    netstacks: [{ name: 'defaultTcpipStack', gateway: '10.0.0.1' }],
  });
  const dsts = Array.from({ length: 256 }, (_, i) => ipOf(`172.${16 + (i % 20)}.${i % 64}.9`));
  const n = 20_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    lookup(h, { netstack: 'defaultTcpipStack', dst: dsts[i % dsts.length] as number }, CORRECT);
  return Math.round((n / (performance.now() - t0)) * 1000);
}

function verdictsPerSec(): number {
  const fw = initFirewall('esx-01', '6.7', CORRECT);
  const ports = [22, 80, 443, 902, 10005, 31031, 44046, 5480];
  const n = 200_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++)
    decide(
      fw,
      {
        direction: 'outbound',
        protocol: 'tcp',
        port: ports[i % ports.length] as number,
        remote: '10.12.12.10',
      },
      CORRECT,
    );
  return Math.round((n / (performance.now() - t0)) * 1000);
}

const HELP = `usage: npm run -s bench -- [--json]

Speed, measured rather than asserted: events per second through the fast-check harness for the
replication, routing and world models beside a trivial model in the same harness, full sync of a
1 GiB and a 2 TiB sparse disk with the same written blocks, route lookups and firewall verdicts
per second. Each figure after a ${WARMUP_MS / 1000} s untimed warm-up, then the best of ${ROUNDS} rounds (a
model's rounds taken in turns with its baseline's). Takes about a minute; run it on a quiet
machine.

Options:
  --json      one line of JSON instead of an indented object
  -h, --help  print this help
`;

/**
 * The scope each area's exploration is timed on: the tiny scope npm test pins (the replication
 * target is stated for it), except the firewall's, whose 10 states would time only set-up.
 */
const BENCH_SCOPES: Readonly<Record<string, string>> = { firewall: 'default' };

/**
 * Exhaustive exploration per area: distinct states per second, by the wall clock and by the CPU
 * time this process got (the machine may be shared: CPU time is what a core gave the search),
 * transitions per second, bytes per state of the visited set, and the symmetry ratio. One
 * untimed run first warms the JIT. An enumerated area stores nothing: its figure is
 * configurations per second.
 */
function explore() {
  const out: Record<string, Record<string, number | string>> = {};
  for (const area of EXPLORE_AREAS) {
    const name = BENCH_SCOPES[area.area] ?? 'tiny';
    const scope = scopeOf(area, name);
    if (!scope) continue;
    runScope(area, scope, { variant: CORRECT });
    const cpu0 = process.cpuUsage();
    const r = runScope(area, scope, { variant: CORRECT });
    const cpu = process.cpuUsage(cpu0);
    const cpuSec = (cpu.user + cpu.system) / 1e6;
    const s = r.stats;
    const e = r.enumeration;
    const n = s?.distinct ?? e?.checked ?? 0;
    const ms = s?.ms ?? e?.ms ?? 0;
    out[area.area] = {
      scope: name,
      distinctStatesPerSec: Math.round((n / Math.max(ms, 1e-3)) * 1000),
      distinctStatesPerCpuSec: Math.round(n / Math.max(cpuSec, 1e-6)),
      generatedPerSec: s ? Math.round((s.generated / Math.max(ms, 1e-3)) * 1000) : 0,
      distinctStates: n,
      bytesPerState: s?.bytesPerState ?? 0,
      symmetryRatio: s?.symmetryRatio ?? 1,
    };
  }
  return out;
}

// ---- npm run check on a large site: hosts per second (issue 12, section 6) ----

/**
 * A DIR of `hosts` hosts over two sites, as esxcli folders: management, vMotion and
 * replication subnets per site, replication both ways, and every fourth host without its route
 * to the far VRS (a finding with a fix to verify). vMotion is a full mesh within a site, so
 * the flows grow with the square of a site's hosts; the check must not grow faster than that.
 */
function largeSite(hosts: number): Record<string, string> {
  const sites = ['a', 'b'];
  const net = (i: number, part: number) => `10.${part * 2 + i}`;
  const topology = {
    sites,
    subnets: sites.flatMap((site, i) => [
      { site, network: `${net(i, 0)}.0.0/16`, gateway: `${net(i, 0)}.0.1`, purpose: 'management' },
      { site, network: `${net(i, 1)}.0.0/16`, gateway: null, purpose: 'vmotion' },
      { site, network: `${net(i, 2)}.0.0/16`, gateway: `${net(i, 2)}.0.1`, purpose: 'replication' },
    ]),
    hosts: Array.from({ length: hosts }, (_, n) => ({ name: `esx-${n}`, site: sites[n % 2] })),
    appliances: sites.flatMap((site, i) => [
      { role: 'vcenter', site, ip: `${net(i, 0)}.0.10` },
      { role: 'vrs', site, ip: `${net(i, 2)}.0.20` },
    ]),
    replication: [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'a' },
    ],
  };
  const files: Record<string, string> = { 'topology.json': JSON.stringify(topology) };
  for (let n = 0; n < hosts; n++) {
    const i = n % 2;
    const far = 1 - i;
    const host = (k: number) => `${Math.floor(k / 200) + 1}.${(k % 200) + 11}`;
    const setup: HostSetup = {
      name: `esx-${n}`,
      version: '6.7',
      vmks: [
        { name: 'vmk0', address: `${net(i, 0)}.${host(n)}/16`, tags: ['Management'] },
        { name: 'vmk1', address: `${net(i, 1)}.${host(n)}/16`, tags: ['VMotion'] },
        { name: 'vmk2', address: `${net(i, 2)}.${host(n)}/16` },
      ],
      netstacks: [{ name: 'defaultTcpipStack', gateway: `${net(i, 0)}.0.1` }],
      routes:
        n % 4 === 0 ? [] : [{ network: `${net(far, 2)}.0.0/16`, gateway: `${net(i, 2)}.0.1` }],
    };
    for (const [f, text] of Object.entries(
      renderHostFiles(setup, initFirewall(setup.name, '6.7', CORRECT)),
    ))
      files[`${setup.name}/${f}`] = text;
  }
  return files;
}

/** The check on a large DIR in process (parse, judge, render), and through the script. */
function checkHostsPerSec() {
  const hosts = 200;
  const files = largeSite(hosts);
  const posix = (...p: string[]) => p.join('/');
  const once = () => {
    const t0 = performance.now();
    const topology = parseTopology('topology.json', files['topology.json'] ?? '');
    const r = checkHosts(
      topology,
      hostInputs(files, posix, { hosts: topology.hosts.map((h) => h.name) }),
    );
    renderCheck(r);
    return { ms: performance.now() - t0, flows: r.checked.length, findings: r.findings.length };
  };
  once();
  const runs = [once(), once(), once()];
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));
  // The script itself on the same DIR written to disk: node and tsx starting up included.
  const dir = mkdtempSync(join(tmpdir(), 'bench-check-'));
  let scriptMs = 0;
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), text);
    }
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'scripts/check-hosts.ts', dir, '--json'],
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    scriptMs = performance.now() - t0;
    if (r.status !== 1) throw new Error(`check exited ${r.status}: ${r.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const r = (x: number) => Math.round(x);
  return {
    hosts,
    flows: best.flows,
    findings: best.findings,
    inProcessMs: r(best.ms),
    hostsPerSec: r((hosts / best.ms) * 1000),
    scriptMs: r(scriptMs),
  };
}

function main(): void {
  if (helpRequested(process.argv.slice(2))) printHelp(HELP);
  let json = false;
  try {
    json =
      parseArgs({ options: { json: { type: 'boolean' } }, allowPositionals: false }).values.json ===
      true;
  } catch (e) {
    usageError('bench', (e as Error).message, 'npm run -s bench -- [--json]');
  }
  const result = {
    ...eventsPerSec(),
    fullSync: fullSync(),
    lookupsPerSec: lookupsPerSec(),
    verdictsPerSec: verdictsPerSec(),
    explore: explore(),
    check: checkHostsPerSec(),
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

main();
