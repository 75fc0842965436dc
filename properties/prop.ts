// `prop(arbitraries, params)(name, predicate)`: a vitest test that runs a fast-check property,
// in the shape of @fast-check/vitest's test.prop. That package imports vitest's own entry
// natively, which costs seconds per test file in every worker; this costs nothing.
import fc from 'fast-check';
import { test } from 'vitest';

export function prop<Ts extends [unknown, ...unknown[]]>(
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  params: fc.Parameters<Ts>,
): (name: string, predicate: (...args: Ts) => void) => void {
  return (name, predicate) =>
    test(name, () => {
      fc.assert(
        fc.property(...arbitraries, (...args: Ts) => {
          predicate(...args);
        }),
        params,
      );
    });
}
