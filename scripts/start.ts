// npm start -- [--budget SECONDS] [--seed S] [--variant NAME] (and every flag of npm run nightly)
// The nightly run with a short budget: every property first to npm test's own run count, then
// deeper with what is left; the report goes to reports/start/<time>/ and reports/latest points
// at it. Exit 0 when nothing new failed, 1 when something did, 2 on a usage error, 130/143 when
// a signal stopped a run that found nothing new (`npm start -- --help` says it all).
import { nightlyCli, START } from './nightly-cli.ts';

process.exitCode = await nightlyCli(process.argv.slice(2), START);
