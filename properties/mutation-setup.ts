// Setup file for mutation runs (vitest.mutation.config.ts): every fast-check run that does not
// pass its own seed uses this one, and the properties derive theirs from FC_SEED, which the
// mutation config sets to the same number. A surviving mutant then survives reproducibly.
import fc from 'fast-check';

export const MUTATION_SEED = 20261122;

fc.configureGlobal({ seed: MUTATION_SEED });
