// N1-N7: how hosts route each traffic class, checked against an independent oracle and the
// intent, each with a reachability twin.

import fc from 'fast-check';
import {
  advise,
  applyFix,
  describeDecision,
  describeFlow,
  type Finding,
  type NetInvariant,
} from '../../model/network/advisor.ts';
import { hostFromSetup, netStep } from '../../model/network/host.ts';
import { type Flow, flowsOf } from '../../model/network/intent.ts';
import { formatIp, parseIp, prefix } from '../../model/network/ipv4.ts';
import { lookup } from '../../model/network/lookup.ts';
import type { NetHost } from '../../model/network/types.ts';
import { CORRECT, type Variant } from '../../model/variants.ts';
import type { PropertyDef, Violation } from '../registry-types.ts';
import {
  competingWorld,
  customStackWorld,
  type NetCase,
  perturbedWorld,
  pinnedWorld,
  randomCase,
  recommendedWorld,
} from './arbitraries.ts';
import { type Expected, expectedDecision, routesAfterReboot } from './oracle.ts';
import { checkN8, checkPrintedFixes, FIX_GOALS, N8_GOALS } from './printed.ts';

type Hosts = Readonly<Record<string, NetHost>>;

/** Builds the hosts and applies the case's events; a refused event is skipped, as esxcli would. */
export function realize(c: NetCase, variant: Variant): Hosts {
  let hosts: Hosts = Object.fromEntries(c.setup.hosts.map((s) => [s.name, hostFromSetup(s)]));
  for (const e of c.events) hosts = netStep(hosts, e, variant).hosts;
  return hosts;
}

const fmtHop = (h: number | null) => (h === null ? 'directly' : `via ${formatIp(h)}`);
const fmtExp = (e: Expected | null) => (e ? `${e.egress} ${fmtHop(e.nextHop)}` : 'no route');

function at(c: NetCase, invariant: string, message: string): Violation {
  return { step: c.events.length, invariant, message };
}

/** The oracle's host after a reboot: persisted routes only, the table rebuilt from the vmks. */
function oracleReboot(h: NetHost): NetHost {
  const connected = [...h.vmks]
    .sort((a, b) => a.order - b.order)
    .map((v) => ({ netstack: v.netstack, network: prefix(v.ip, v.len), vmk: v.name }));
  return { ...h, routes: routesAfterReboot(h), connected };
}

function flowExpect(h: NetHost, f: Flow): Expected | null {
  return expectedDecision(h, f.netstack, f.dst, f.bound);
}

function n2Holds(h: NetHost, f: Flow): boolean {
  const e = flowExpect(h, f);
  return e !== null && e.egress === f.intended.vmk && e.nextHop === f.intended.nextHop;
}

const sameExp = (a: Expected | null, b: Expected | null) =>
  a === b || (a !== null && b !== null && a.egress === b.egress && a.nextHop === b.nextHop);

// ---- checks ----

function checkN1(c: NetCase, variant: Variant): Violation | null {
  const hosts = realize(c, variant);
  for (const h of Object.values(hosts)) {
    for (const q of c.setup.queries) {
      const dst = parseIp(q.dst);
      const got = lookup(h, { netstack: q.netstack, dst, bound: q.bound }, variant);
      const want = expectedDecision(h, q.netstack, dst, q.bound);
      const gotText = got.ok
        ? `${got.egress} ${fmtHop(got.nextHop)} (${got.route.netstack} table)`
        : 'no route';
      const agree = got.ok
        ? want !== null &&
          got.egress === want.egress &&
          got.nextHop === want.nextHop &&
          got.route.netstack === want.table
        : want === null;
      if (!agree) {
        return at(
          c,
          'N1',
          `${h.name}: ${q.dst} on ${q.netstack}${q.bound ? ` bound to ${q.bound}` : ''} leaves ${gotText}; longest prefix, first-created vmk and usable gateways give ${fmtExp(want)}${want ? ` (${want.table} table)` : ''}. Trace: ${got.trace.join('; ')}`,
        );
      }
    }
  }
  return null;
}

function intentViolation(c: NetCase, variant: Variant, invariant: string): Violation | null {
  const hosts = realize(c, variant);
  const t = c.setup.topology;
  if (!t) return null;
  for (const f of flowsOf(t, hosts, undefined, variant)) {
    const h = hosts[f.host] as NetHost;
    const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
    if (!d.ok || d.egress !== f.intended.vmk || d.nextHop !== f.intended.nextHop) {
      return at(
        c,
        invariant,
        `${describeFlow(h, f)} ${describeDecision(d)}; intended ${f.intended.vmk} ${fmtHop(f.intended.nextHop)}`,
      );
    }
  }
  return null;
}

function checkN3(c: NetCase, variant: Variant): Violation | null {
  const hosts = realize(c, variant);
  for (const h of Object.values(hosts)) {
    const rebooted = netStep(hosts, { type: 'Reboot', host: h.name }, variant).hosts[
      h.name
    ] as NetHost;
    const keep = routesAfterReboot(h);
    if (rebooted.routes.length !== keep.length) {
      return at(
        c,
        'N3',
        `${h.name} (${h.persistence}) has ${rebooted.routes.length} static route(s) after a reboot; only the ${keep.length} persisted one(s) should survive`,
      );
    }
    const queries = c.setup.topology
      ? flowsOf(c.setup.topology, hosts, undefined, variant).filter((f) => f.host === h.name)
      : [];
    for (const f of queries) {
      const before = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
      const after = lookup(rebooted, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
      const same =
        before.ok === after.ok &&
        (!before.ok ||
          !after.ok ||
          (before.egress === after.egress && before.nextHop === after.nextHop));
      if (!same) {
        return at(
          c,
          'N3',
          `${describeFlow(h, f)} ${describeDecision(before)} before a reboot but ${describeDecision(after)} after it`,
        );
      }
    }
  }
  return null;
}

function checkN4(c: NetCase, variant: Variant): Violation | null {
  const hosts = realize(c, variant);
  const t = c.setup.topology;
  if (!t) return null;
  for (const f of flowsOf(t, hosts, undefined, variant).filter((x) => x.bound)) {
    const h = hosts[f.host] as NetHost;
    const d = lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, variant);
    if (!d.ok || d.egress !== f.bound) {
      return at(
        c,
        'N4',
        `${describeFlow(h, f)} is pinned to ${f.bound} but ${describeDecision(d)}`,
      );
    }
  }
  return null;
}

function checkN5(c: NetCase, variant: Variant): Violation | null {
  const hosts = realize(c, variant);
  for (const h of Object.values(hosts)) {
    for (const q of c.setup.queries) {
      const d = lookup(h, { netstack: q.netstack, dst: parseIp(q.dst), bound: q.bound }, variant);
      if (d.ok && d.route.netstack !== q.netstack) {
        return at(
          c,
          'N5',
          `${h.name}: a flow to ${q.dst} on ${q.netstack} uses a ${d.route.kind} route of ${d.route.netstack} (${describeDecision(d)})`,
        );
      }
    }
  }
  return null;
}

const keys = (f: Finding) =>
  f.invariants.map((i) => `${i}|${f.host}|${f.flow.class}|${f.flow.dst}`);
const flowKey = (f: Finding) => `${f.host}|${f.flow.class}|${f.flow.dst}`;

function checkN7(c: NetCase, variant: Variant): Violation | null {
  const hosts = realize(c, variant);
  const t = c.setup.topology;
  if (!t) return null;
  const findings = advise(hosts, t, variant);
  const has = (f: Flow, inv: NetInvariant) =>
    findings.some(
      (x) =>
        x.invariants.includes(inv) &&
        x.host === f.host &&
        x.flow.class === f.class &&
        x.flow.dst === f.dst,
    );
  for (const f of flowsOf(t, hosts, undefined, variant)) {
    const h = hosts[f.host] as NetHost;
    const what = describeFlow(h, f);
    const n2 = n2Holds(h, f);
    if (!n2 && !has(f, 'N2'))
      return at(
        c,
        'N7',
        `no finding, yet ${what} leaves ${fmtExp(flowExpect(h, f))}, not ${f.intended.vmk} ${fmtHop(f.intended.nextHop)} (N2)`,
      );
    if (f.bound && flowExpect(h, f)?.egress !== f.bound && !has(f, 'N4')) {
      return at(
        c,
        'N7',
        `no finding, yet ${what} pinned to ${f.bound} leaves ${fmtExp(flowExpect(h, f))} (N4)`,
      );
    }
    if (n2 && !sameExp(flowExpect(h, f), flowExpect(oracleReboot(h), f)) && !has(f, 'N3')) {
      return at(
        c,
        'N7',
        `no finding, yet ${what} leaves ${fmtExp(flowExpect(oracleReboot(h), f))} after a reboot (N3)`,
      );
    }
  }
  const before = new Set(findings.flatMap(keys));
  for (const x of findings) {
    const h = hosts[x.host] as NetHost;
    for (const inv of x.invariants) {
      const real =
        inv === 'N2'
          ? !n2Holds(h, x.flow)
          : inv === 'N4'
            ? flowExpect(h, x.flow)?.egress !== x.flow.bound
            : inv === 'N3'
              ? !sameExp(flowExpect(h, x.flow), flowExpect(oracleReboot(h), x.flow))
              : true;
      if (!real)
        return at(
          c,
          'N7',
          `false positive: "${x.message}" says ${inv}, but the flow does not break it`,
        );
    }
    if (x.fix.events.length === 0) continue;
    const fixed = applyFix(hosts, x.fix, variant);
    if (fixed.error)
      return at(c, 'N7', `the fix for "${x.message}" cannot be applied: ${fixed.error}`);
    const after = advise(fixed.hosts, t, variant);
    if (after.some((y) => flowKey(y) === flowKey(x)))
      return at(c, 'N7', `the fix [${x.fix.commands.join('; ')}] leaves "${x.message}"`);
    const added = after.find((y) => keys(y).some((k) => !before.has(k)));
    if (added)
      return at(
        c,
        'N7',
        `the fix [${x.fix.commands.join('; ')}] for "${x.message}" creates "${added.message}"`,
      );
  }
  return null;
}

// ---- reachability goals ----

function countCase(
  c: NetCase,
  variant: Variant,
  goals: Record<string, (c: NetCase, hosts: Hosts) => boolean>,
): string[] {
  const hosts = realize(c, variant);
  return Object.entries(goals)
    .filter(([, p]) => p(c, hosts))
    .map(([g]) => g);
}

const tieQueried = (c: NetCase, hosts: Hosts) =>
  Object.values(hosts).some((h) =>
    c.setup.queries.some((q) => {
      const dst = parseIp(q.dst);
      const owners = h.connected.filter(
        (x) =>
          x.netstack === q.netstack &&
          (dst & (0xffffffff << (32 - x.network.len))) >>> 0 === x.network.addr,
      );
      return owners.length > 1 && owners.every((o) => o.network.len === owners[0]?.network.len);
    }),
  );

const always = (
  id: string,
  title: string,
  arb: () => import('fast-check').Arbitrary<NetCase>,
  check: (c: NetCase, v: Variant) => Violation | null,
  numRuns = 300,
): PropertyDef<NetCase> => ({
  id,
  area: 'network',
  kind: 'always',
  invariants: [id],
  title: `${id} ${title}`,
  numRuns,
  arbitrary: arb,
  check,
});

const sometimes = (
  id: string,
  title: string,
  arb: () => import('fast-check').Arbitrary<NetCase>,
  goals: Record<string, (c: NetCase, hosts: Hosts) => boolean>,
  numRuns = 300,
): PropertyDef<NetCase> => ({
  id: `${id}-reach`,
  area: 'network',
  kind: 'sometimes',
  invariants: [id],
  title: `${id} reachability: ${title}`,
  numRuns,
  arbitrary: arb,
  goals: Object.keys(goals),
  reach: (c, v) => countCase(c, v, goals),
});

const flowsNeedingRoute = (c: NetCase, hosts: Hosts) =>
  c.setup.topology !== null &&
  flowsOf(c.setup.topology, hosts).some(
    (f) => f.class === 'replication' && f.intended.nextHop !== null,
  );

/** Drifted layouts, custom-stack replication vmks, and local replication's competing flows. */
const fixWorlds = () => fc.oneof(perturbedWorld, customStackWorld, competingWorld, competingWorld);

export const NETWORK_PROPERTIES: readonly PropertyDef<NetCase>[] = [
  always(
    'N1',
    'longest prefix wins, the first-created vmk owns a shared subnet, and a gateway on no connected subnet is unusable',
    () => randomCase,
    checkN1,
    500,
  ),
  sometimes(
    'N1',
    'some lookups break a tie between vmks sharing a subnet and some skip an unusable route',
    () => randomCase,
    {
      'tie between vmks': tieQueried,
      'unusable route skipped': (c, hosts) =>
        Object.values(hosts).some((h) =>
          c.setup.queries.some((q) =>
            lookup(
              h,
              { netstack: q.netstack, dst: parseIp(q.dst), bound: q.bound },
              { name: 'correct', defects: [] },
            ).trace.some((t) => t.includes('unusable')),
          ),
        ),
      'per-vmk gateway used': (c, hosts) =>
        Object.values(hosts).some((h) =>
          c.setup.queries.some((q) => {
            const d = lookup(
              h,
              { netstack: q.netstack, dst: parseIp(q.dst), bound: q.bound },
              { name: 'correct', defects: [] },
            );
            return d.ok && d.route.kind === 'vmk-gateway';
          }),
        ),
    },
  ),
  always(
    'N2',
    'in a recommended layout every traffic class leaves through its intended vmk and next hop',
    () => recommendedWorld(false),
    (c, v) => intentViolation(c, v, 'N2'),
  ),
  sometimes(
    'N2',
    'some recommended layouts route replication through a static route or a per-vmk gateway',
    () => recommendedWorld(false),
    {
      'replication needs a gateway': flowsNeedingRoute,
      'summary route present': (c) =>
        c.setup.hosts.some((h) => (h.routes ?? []).some((r) => r.network === '10.0.0.0/8')),
      'replication through its per-vmk gateway': (c, hosts) =>
        c.setup.topology !== null &&
        flowsOf(c.setup.topology, hosts).some((f) => {
          const h = hosts[f.host];
          const d = h && lookup(h, { netstack: f.netstack, dst: f.dst, bound: f.bound }, CORRECT);
          return f.class === 'replication' && d?.ok === true && d.route.kind === 'vmk-gateway';
        }),
    },
  ),
  always(
    'N3',
    'a reboot keeps exactly the persisted routes, and a recommended layout routes the same after it',
    () =>
      recommendedWorld(false).chain((w) =>
        randomCase.map((r) => ({
          ...w,
          setup: { ...w.setup, hosts: [...w.setup.hosts, ...r.setup.hosts] },
        })),
      ),
    checkN3,
  ),
  sometimes('N3', 'some reboots drop an unpersisted route on a local.sh host', () => randomCase, {
    'unpersisted route on local.sh': (_c, hosts) =>
      Object.values(hosts).some(
        (h) => h.persistence === 'local.sh' && h.routes.some((r) => !r.persisted),
      ),
  }),
  always(
    'N4',
    'traffic pinned to a vmk the way seed 004 recommends leaves through that vmk',
    () => pinnedWorld,
    checkN4,
  ),
  sometimes('N4', 'some pinned vmks share their subnet with another vmk', () => pinnedWorld, {
    'pinned vmk shares a subnet': (c) =>
      c.setup.hosts.some((h) => h.vmks.filter((v) => v.address.startsWith('10.10.10.')).length > 1),
    'pinned vmk on a dedicated subnet': (c) =>
      c.setup.hosts.some((h) => h.vmks.some((v) => v.address.startsWith('10.20.20.'))),
  }),
  always(
    'N5',
    "a flow on one netstack never uses another netstack's routes or gateway",
    () => randomCase,
    checkN5,
    500,
  ),
  sometimes(
    'N5',
    'some flows run on a custom netstack that has no gateway of its own',
    () => randomCase,
    {
      'custom stack without gateway': (c, hosts) =>
        c.setup.queries.some(
          (q) =>
            q.netstack !== 'defaultTcpipStack' &&
            Object.values(hosts).some(
              (h) => h.netstacks.find((n) => n.name === q.netstack)?.gateway === null,
            ),
        ),
    },
  ),
  always(
    'N6',
    'after reprotect the DR-to-primary flows of a mirrored DR site leave through their intended vmk and next hop',
    () => recommendedWorld(true),
    (c, v) => intentViolation(c, v, 'N6'),
  ),
  sometimes(
    'N6',
    'some reverse replication needs the DR site to route to the primary VRS',
    () => recommendedWorld(true),
    {
      'reverse flow needs a gateway': flowsNeedingRoute,
    },
  ),
  always(
    'N7',
    'the advisor reports every flow that goes wrong, only those, and each fix removes its finding without adding one',
    () => perturbedWorld,
    checkN7,
    300,
  ),
  sometimes(
    'N7',
    'some drifted layouts have findings with fixes and some stay clean',
    () => perturbedWorld,
    {
      'finding with a fix': (c, hosts) =>
        c.setup.topology !== null &&
        advise(hosts, c.setup.topology, { name: 'correct', defects: [] }).some(
          (f) => f.fix.events.length > 0,
        ),
      'clean layout': (c, hosts) =>
        c.setup.topology !== null &&
        advise(hosts, c.setup.topology, { name: 'correct', defects: [] }).length === 0,
      'N3 finding': (c, hosts) =>
        c.setup.topology !== null &&
        advise(hosts, c.setup.topology, { name: 'correct', defects: [] }).some((f) =>
          f.invariants.includes('N3'),
        ),
    },
  ),
  always(
    'N8',
    'replication and NFC leave through a vmk on the default netstack, and no fix moves them off it',
    () => fc.oneof(customStackWorld, perturbedWorld),
    checkN8,
    200,
  ),
  sometimes(
    'N8',
    'some replication vmks sit on a custom netstack, some bind on the default one, and some fixes re-create them there',
    () => fc.oneof(customStackWorld, perturbedWorld),
    N8_GOALS,
    200,
  ),
  {
    id: 'N8-fixes',
    area: 'network',
    kind: 'always',
    invariants: ['N8', 'N7'],
    title:
      'N8 every fix the check prints, read back from its text and applied, mends its flow and breaks no other, where flows compete for one route too',
    numRuns: 200,
    arbitrary: fixWorlds,
    check: checkPrintedFixes,
  },
  {
    id: 'N8-fixes-reach',
    area: 'network',
    kind: 'sometimes',
    invariants: ['N8', 'N7'],
    title:
      'N8 reachability: some flows compete for one address, and printed fixes set per-vmk gateways, add /32 routes and keep routes in local.sh',
    numRuns: 200,
    arbitrary: fixWorlds,
    goals: Object.keys(FIX_GOALS),
    reach: (c, v) => countCase(c, v, FIX_GOALS),
  },
];
