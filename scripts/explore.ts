// npm run explore -- [--area A] [--scope NAME] [--variant V] [--json] [--max-states N]
//                    [--budget S] [--shard I/N] [--out DIR] [--no-symmetry]
// Exhaustive exploration of small scopes: every state of a scope visited breadth-first on the
// models' own step functions (routing configurations enumerated), every invariant checked on
// every transition, TLC's statistics printed, and the shortest counterexample written as a
// corpus record with its replay command. --help says more.
import { exploreCli } from './explore-cli.ts';

process.exitCode = await exploreCli(process.argv.slice(2), (text) => process.stdout.write(text));
