// npm run nightly -- [--budget SECONDS] [--shard K/N] [--seed S] [--only ID,...]
//                    [--variant NAME] [--out DIR] [--corpus DIR]
// Every registered property, up to 20 times npm test's runs within the budget (default an
// hour), the seed layouts, and the defect zoo when the budget allows; writes summary.json,
// summary.md, report.html, junit.xml and one file per counterexample to --out (default
// reports/nightly/<date>), and new counterexamples of the correct model to the corpus.
import { NIGHTLY, nightlyCli } from './nightly-cli.ts';

process.exitCode = await nightlyCli(process.argv.slice(2), NIGHTLY);
