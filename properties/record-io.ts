// Reading a stored counterexample back: every mistake becomes a one-line InputError naming
// the file, the place and what was expected.
import { readFileSync } from 'node:fs';
import { variantByName } from '../model/variants.ts';
import type { CounterexampleRecord } from './harness.ts';
import { areaOf, propertyById } from './registry.ts';

export class InputError extends Error {
  override readonly name = 'InputError';
}

/** Line and column of a character offset, for JSON syntax errors. */
function lineCol(text: string, pos: number): string {
  const before = text.slice(0, pos).split('\n');
  return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

export function parseJsonFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      `${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const where = m ? lineCol(text, Number(m[1])) : '1';
    throw new InputError(
      `${file}:${where}: expected JSON, ${(e as Error).message.replace(/ in JSON at position \d+.*/, '')}`,
    );
  }
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Checks the shape of a counterexample record; throws InputError naming the first mistake. */
export function readCounterexample(file: string): CounterexampleRecord {
  const raw = parseJsonFile(file);
  const bad = (field: string, expected: string, got: unknown) =>
    new InputError(
      `${file}: field "${field}": expected ${expected}, got ${JSON.stringify(got) ?? 'nothing'}`,
    );
  if (!isObj(raw)) throw bad('(top level)', 'an object', raw);
  if (typeof raw.property !== 'string' || !propertyById(raw.property)?.check) {
    throw bad('property', 'the id of a registered safety property such as "R4"', raw.property);
  }
  if (typeof raw.variant !== 'string' || !variantByName(raw.variant)) {
    throw bad('variant', '"correct" or the name of a zoo variant', raw.variant);
  }
  const area = propertyById(raw.property)?.area ?? 'replication';
  const fields = areaOf(area).eventFields;
  const setup = raw.setup;
  if (!isObj(setup) || !Array.isArray(setup.hosts))
    throw bad('setup', 'an object with a "hosts" array', setup);
  if (area === 'replication') checkReplicationSetup(setup, bad);
  if (!Array.isArray(raw.events)) throw bad('events', 'an array of events', raw.events);
  raw.events.forEach((e, i) => {
    if (!isObj(e) || typeof e.type !== 'string' || !(e.type in fields)) {
      throw bad(
        `events[${i}].type`,
        `one of ${Object.keys(fields).join(', ')}`,
        isObj(e) ? e.type : e,
      );
    }
    for (const f of fields[e.type] ?? []) {
      if (!(f in e)) throw bad(`events[${i}].${f}`, `a value for ${e.type}`, undefined);
    }
  });
  const v = raw.violation;
  if (!isObj(v) || typeof v.step !== 'number' || typeof v.invariant !== 'string') {
    throw bad('violation', 'an object with "step" and "invariant"', v);
  }
  return { ...(raw as unknown as CounterexampleRecord), area };
}

function checkReplicationSetup(
  setup: Record<string, unknown>,
  bad: (field: string, expected: string, got: unknown) => InputError,
): void {
  if (!Array.isArray(setup.vms)) throw bad('setup.vms', 'an array of VMs', setup.vms);
  (setup.vms as unknown[]).forEach((vm, i) => {
    if (
      !isObj(vm) ||
      typeof vm.name !== 'string' ||
      typeof vm.host !== 'string' ||
      !Array.isArray(vm.disks)
    ) {
      throw bad(`setup.vms[${i}]`, 'an object with "name", "host" and "disks"', vm);
    }
    (vm.disks as unknown[]).forEach((d, j) => {
      if (
        !isObj(d) ||
        typeof d.id !== 'string' ||
        typeof d.uuid !== 'string' ||
        !Number.isInteger(d.sizeBlocks)
      ) {
        throw bad(
          `setup.vms[${i}].disks[${j}]`,
          'an object with "id", "uuid" and an integer "sizeBlocks"',
          d,
        );
      }
    });
  });
  if (!Number.isInteger(setup.chunkBlocks) || (setup.chunkBlocks as number) < 1) {
    throw bad('setup.chunkBlocks', 'a positive integer', setup.chunkBlocks);
  }
}
