// The replication properties: each invariant checked after every step over generated runs,
// each paired with a reachability twin that fails when what it needs never happens.
import type { Variant } from '../../model/variants.ts';
import { reachabilityTwin } from '../goals.ts';
import type { PropertyDef } from '../registry-types.ts';
import {
  CONFIG,
  CRASHES,
  GENERAL,
  POWER,
  type Profile,
  RETENTION,
  SEEDS,
  scenarioArb,
} from './arbitraries.ts';
import {
  type Invariant,
  R1,
  R2,
  R3,
  R4,
  R5,
  R6,
  R7,
  R9,
  R12,
  type Scenario,
  type StepView,
  simulate,
} from './oracle.ts';

const always = (
  inv: Invariant,
  title: string,
  profile: Profile,
  numRuns: number,
): PropertyDef<Scenario> => ({
  id: inv.id,
  area: 'replication',
  kind: 'always',
  invariants: [inv.id],
  title: `${inv.id} ${title}`,
  numRuns,
  arbitrary: () => scenarioArb(profile),
  check: (s: Scenario, v: Variant) => simulate(s, v, [inv]),
  perStep: { check: (v) => inv.check(v as StepView) },
});

const sometimes = (
  inv: Invariant,
  title: string,
  profile: Profile,
  numRuns: number,
  goals: Record<string, (v: StepView) => boolean>,
): PropertyDef<Scenario> =>
  reachabilityTwin({
    id: inv.id,
    area: 'replication',
    invariant: inv.id,
    title,
    numRuns,
    arbitrary: scenarioArb(profile),
    goals,
    walk: (s, variant, see) => simulate(s, variant, [], see),
  });

const committedNow = (v: StepView) => v.result.emitted.some((e) => e.kind === 'InstanceCommitted');

const RUNS = 500;
/** Twins run longer than their goals need: a goal missed by chance would fail CI. */
const TWIN_RUNS = 300;

export const REPLICATION_PROPERTIES: readonly PropertyDef<Scenario>[] = [
  always(
    R1,
    'after a full sync or a quiet delta cycle the replica equals the source block for block',
    GENERAL,
    RUNS,
  ),
  sometimes(
    R1,
    'some run commits a cycle with no guest write since it started',
    GENERAL,
    TWIN_RUNS,
    {
      'quiet commit': (v) =>
        committedNow(v) &&
        v.result.emitted.some(
          (e) => e.kind === 'InstanceCommitted' && v.after.tick - e.pit > 2 && e.cycle === 'delta',
        ),
    },
  ),
  always(
    R2,
    'every committed instance equals the source at one instant, never a mixture',
    GENERAL,
    RUNS,
  ),
  sometimes(
    R2,
    'some run commits an instance while a write hit a block still in flight',
    GENERAL,
    TWIN_RUNS,
    {
      'commit after copy-before-write': (v) =>
        v.event.type === 'BundleCommit' &&
        committedNow(v) &&
        Object.values(v.before.vms[v.event.vm]?.repl?.cycle?.demandLog ?? {}).some(
          (m) => Object.keys(m).length > 0,
        ),
    },
  ),
  always(
    R3,
    "the latest instance's point in time never moves backwards, and MPIT keeps N a day for D days",
    RETENTION,
    RUNS,
  ),
  sometimes(
    R3,
    'some commit prunes an instance, and some keeps an older instance from an ended slot',
    RETENTION,
    TWIN_RUNS,
    {
      'retention pruned an instance': (v) =>
        committedNow(v) &&
        Object.values(v.after.vms).some(
          (vm) =>
            vm.repl !== null &&
            vm.repl.instances.length > 0 &&
            (v.before.vms[vm.name]?.repl?.instances.length ?? 0) >= vm.repl.instances.length,
        ),
      'an older instance kept from an ended slot': (v) =>
        committedNow(v) &&
        Object.values(v.after.vms).some(
          (vm) => vm.repl !== null && vm.repl.perDay > 0 && vm.repl.instances.length >= 2,
        ),
    },
  ),
  always(
    R4,
    'a write acknowledged before a cycle starts is in the replica once that cycle commits',
    GENERAL,
    RUNS,
  ),
  sometimes(
    R4,
    'some run commits a delta cycle after a cut resent its blocks',
    GENERAL,
    TWIN_RUNS,
    {
      'delta committed': (v) =>
        v.result.emitted.some((e) => e.kind === 'InstanceCommitted' && e.cycle === 'delta'),
      'transfer cut mid-cycle': (v) =>
        v.result.emitted.some((e) => e.kind === 'CycleAborted') &&
        (v.event.type === 'LinkDown' ||
          v.event.type === 'VrsRestart' ||
          v.event.type === 'NfcFail'),
    },
  ),
  always(
    R5,
    'a partly received bundle never shows at the target; a cut leaves the previous instance intact',
    GENERAL,
    RUNS,
  ),
  sometimes(
    R5,
    'some run cuts a transfer after part of its bundle was staged',
    GENERAL,
    TWIN_RUNS,
    {
      'partial bundle dropped': (v) =>
        v.result.emitted.some((e) => e.kind === 'CycleAborted') &&
        Object.values(v.before.vms).some(
          (vm) =>
            vm.repl?.staging &&
            !vm.repl.staging.complete &&
            v.after.vms[vm.name]?.repl?.staging === null,
        ),
    },
  ),
  always(
    R6,
    'after a source host crash replication resumes with every change tracked, or falls back to full sync',
    CRASHES,
    RUNS,
  ),
  sometimes(
    R6,
    'some run resumes from an intact psf, and some falls back to full sync from a stale or lost one',
    CRASHES,
    TWIN_RUNS,
    {
      'resumed from psf': (v) =>
        v.event.type === 'PowerOn' &&
        v.before.vms[v.event.vm]?.repl?.recovering === true &&
        v.after.vms[v.event.vm]?.repl?.needsFullSync === false &&
        Object.values(v.after.vms[v.event.vm]?.repl?.disks ?? {}).some((d) => d.bitmap.length > 0),
      'full sync forced by psf': (v) => v.result.emitted.some((e) => e.kind === 'FullSyncRequired'),
    },
  ),
  always(
    R7,
    'full sync sends exactly the blocks whose checksums differ; an identical seed sends none',
    SEEDS,
    RUNS,
  ),
  sometimes(
    R7,
    'some full sync from an identical seed sends nothing, and some sends part of a disk',
    SEEDS,
    TWIN_RUNS,
    {
      'identical seed sends none': (v) =>
        v.result.emitted.some(
          (e) => e.kind === 'CycleStarted' && e.cycle === 'full' && e.blocks === 0,
        ) &&
        Object.values(v.before.vms).some(
          (vm) => vm.repl && Object.keys(vm.repl.base).length > 0 && vm.targetDisks,
        ),
      'partial full sync': (v) =>
        v.result.emitted.some((e) => {
          if (e.kind !== 'CycleStarted' || e.cycle !== 'full' || e.blocks === 0) return false;
          const vm = v.before.vms[e.vm];
          const size = vm ? Object.values(vm.disks).reduce((n, d) => n + d.sizeBlocks, 0) : 0;
          return e.blocks < size;
        }),
    },
  ),
  always(
    R9,
    'a powered-off VM is Not Active (Paused if paused) and moves no data, a power cycle is no Error, and Sync Now locks it until the sync ends',
    POWER,
    RUNS,
  ),
  sometimes(
    R9,
    'some paused VM is powered off, some transfer is cut by a power-off, and some Sync Now of a powered-off VM refuses a power-on and then completes',
    POWER,
    TWIN_RUNS,
    {
      'paused and powered off': (v) =>
        Object.values(v.after.vms).some((vm) => vm.power === 'off' && vm.repl?.paused === true),
      'a power-off cut a transfer': (v) =>
        v.event.type === 'PowerOff' && v.result.emitted.some((e) => e.kind === 'CycleAborted'),
      'power-on refused during Sync Now': (v) =>
        v.event.type === 'PowerOn' && v.result.refused?.includes('Sync Now') === true,
      'Sync Now completed while off': (v) =>
        v.event.type === 'BundleCommit' &&
        committedNow(v) &&
        v.before.vms[v.event.vm]?.power === 'off' &&
        v.before.vms[v.event.vm]?.repl?.cycle?.syncNow === true,
    },
  ),
  always(
    R12,
    'an RPO, retention or seed outside what the version allows is rejected with a clear error and nothing is lost',
    CONFIG,
    200,
  ),
  sometimes(
    R12,
    'some requests are rejected for each reason and some are accepted',
    CONFIG,
    3 * TWIN_RUNS,
    {
      accepted: (v) =>
        v.event.type === 'ConfigureReplication' &&
        v.result.emitted.some((e) => e.kind === 'Configured'),
      'RPO rejected': (v) => v.result.error?.includes('RPO') === true,
      'seed UUID rejected': (v) => v.result.error?.includes('UUID') === true,
      'already replicated rejected': (v) => v.result.error?.includes('already replicated') === true,
    },
  ),
];
