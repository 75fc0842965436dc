// npm start -- [--budget SECONDS] [--seed S] [--out DIR] (and every flag of npm run nightly)
// The nightly run with a short budget (60 s) writing to reports/latest/. A property the budget
// stops before npm test's own run count is reported "interrupted", not passed, and does not
// fail the run. Exit 0 when nothing new failed, 1 when something did, 2 on a usage error.
import { nightlyCli, START } from './nightly-cli.ts';

process.exitCode = await nightlyCli(process.argv.slice(2), START);
