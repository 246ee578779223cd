import { Session } from './session';
import { SCENARIOS } from './scenarios';

// The platform end to end, for each environment CI checks: dist/<env> applied to an empty cluster
// on this machine, every workload ready, then every scenario that applies to the environment.
// Figures are printed, never asserted. Run with `npm run test:e2e` (root; scripts/e2e.sh).

const environments = (process.env.E2E_ENVIRONMENTS ?? 'dev,prod').split(',').filter(Boolean);
// scripts/e2e.sh runs the long failure scenarios on a platform of their own: E2E_SCENARIOS keeps
// only those named, E2E_SKIP_SCENARIOS leaves those named out.
const names = (variable: string) => (process.env[variable] ?? '').split(',').filter(Boolean);
const only = names('E2E_SCENARIOS');
const skipped = names('E2E_SKIP_SCENARIOS');
const unknown = [...only, ...skipped].filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length) throw new Error(`E2E_SCENARIOS / E2E_SKIP_SCENARIOS name no scenario: ${unknown.join(', ')}`);
const selected = (name: string) => (only.length === 0 || only.includes(name)) && !skipped.includes(name);

describe.each(environments)('%s from dist/', (environment) => {
  let session: Session;

  beforeAll(async () => {
    session = new Session({ environment });
    await session.open();
  }, 900_000);

  afterAll(async () => {
    if (!session) return;
    console.log(`e2e figures (${environment}):\n${session.figures().join('\n')}\n\nnot emulated:\n  ${session.notEmulated().join('\n  ')}`);
    await session.close();
  }, 300_000);

  for (const scenario of SCENARIOS.filter((s) => !s.freshStart && selected(s.name) && (!s.environments || s.environments.includes(environment)))) {
    test(`${scenario.name}: ${scenario.description}`, () => session.scenario(scenario).then(() => undefined), 900_000);
  }
});

