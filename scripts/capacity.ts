// npm run capacity [-- <env> ...]: prints the connection budget of each environment at its peak
// (every HPA at its maximum, plus rolling-update surge). Exits non-zero when one does not fit.
import { ENVIRONMENTS } from '../environments';
import { budgetProblems, budgetTable, connectionBudget } from '../lib/capacity/connections';
import { withDefaults } from '../lib/config/load';
import { platformSchema } from '../lib/config/platform-schema';
import { overridesFor } from '../lib/synthesize';

/** The table of one environment; the budget is computed even when another rule fails. */
export function capacityReport(name: string): { text: string; fits: boolean } {
  const config = platformSchema.parse(withDefaults(overridesFor(name, ENVIRONMENTS)));
  const budget = connectionBudget(config);
  const problems = budgetProblems(budget);
  const lines = [`## ${name}`, '', budgetTable(budget)];
  for (const p of problems) lines.push('', `DOES NOT FIT: ${p.field} = ${JSON.stringify(p.value)}`, `  rule: ${p.rule}`, `  fix:  ${p.fix}`);
  return { text: lines.join('\n'), fits: problems.length === 0 };
}

if (require.main === module) {
  const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(ENVIRONMENTS);
  let fits = true;
  try {
    for (const name of names) {
      const report = capacityReport(name);
      console.log(`${report.text}\n`);
      fits = fits && report.fits;
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 1;
  }
  if (!fits) process.exitCode = 1;
}
