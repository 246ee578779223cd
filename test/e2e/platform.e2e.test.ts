import { Session } from './session';
import { SCENARIOS } from './scenarios';

// The platform end to end, for each environment CI checks: dist/<env> applied to an empty cluster
// on this machine, every workload ready, then every scenario that applies to the environment.
// Figures are printed, never asserted. Run with `npm run test:e2e` (root; scripts/e2e.sh).

const environments = (process.env.E2E_ENVIRONMENTS ?? 'dev,prod').split(',').filter(Boolean);

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

  for (const scenario of SCENARIOS.filter((s) => !s.freshStart && (!s.environments || s.environments.includes(environment)))) {
    test(`${scenario.name}: ${scenario.description}`, () => session.scenario(scenario).then(() => undefined), 900_000);
  }
});

