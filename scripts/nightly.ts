// npm run nightly -- [--budget SECONDS] [--shard K/N] [--seed S] [--only ID,...]
//                    [--variant NAME] [--root DIR | --out DIR] [--corpus DIR]
// Every registered property, first to npm test's run count and then up to 20 times that within
// the budget (default an hour), the seed layouts, and the defect zoo when the budget allows;
// writes summary.json, summary.md, report.html, junit.xml and one file per counterexample to a
// directory of its own (reports/nightly/<time>[-shard-K-of-N]/, or --out), switches
// reports/latest to it, and adds new counterexamples of the correct model to the corpus.
import { NIGHTLY, nightlyCli } from './nightly-cli.ts';

process.exitCode = await nightlyCli(process.argv.slice(2), NIGHTLY);
