import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { Session } from './session';
import { SCENARIOS } from './scenarios';
import { loadManifests } from './harness/manifests';
import { withoutMigrateRedisFlows } from './mutations';

// Runs that need a fresh, empty cluster of their own: the scenarios about how the platform starts,
// and the first-apply defect planted in a copy of dist/dev, which must make e2e fail with a
// message that names the pod, the peer and the port. (The other planted mistakes run on the dev
// platform of platform.e2e.test.ts: scenarios/mutations.ts.)

const repoRoot = path.resolve(__dirname, '../..');

describe('a fresh install of a dist/dev copy whose migrate Job cannot reach Redis', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-mutated-dist-'));
    const objects = withoutMigrateRedisFlows(loadManifests(path.join(repoRoot, 'dist/dev')));
    fs.writeFileSync(path.join(dir, 'all.yaml'), objects.map((o) => yaml.dump(o, { noRefs: true })).join('---\n'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('fails, naming the migrate pod, the Redis peer and the port', async () => {
    const session = new Session({ environment: 'dev', distDir: dir, readyTimeoutMs: 600_000 });
    try {
      await expect(session.open()).rejects.toThrow(/superset-migrate-\S+ could not reach \S+:6379\/TCP \(Pod \S+\/redis-(cache|queue)-\d\): no egress rule of NetworkPolicies [^\n]*superset-migrate allows it/);
    } finally {
      await session.close();
    }
  }, 900_000);
});

// Scenarios about how the platform starts: each on a fresh, empty cluster of its own (dev only:
// how the platform starts does not depend on its size).
describe.each(SCENARIOS.filter((s) => s.freshStart).map((s) => [s.name, s] as const))('%s on an empty cluster (dev)', (_name, scenario) => {
  let session: Session;
  beforeAll(async () => {
    session = new Session({ environment: 'dev', hold: scenario.freshStart!.hold });
    await session.open();
  }, 900_000);
  afterAll(async () => {
    if (!session) return;
    console.log(`e2e figures (${scenario.name}):\n${session.figures().join('\n')}`);
    await session.close();
  }, 300_000);
  test(scenario.description, () => session.scenario(scenario).then(() => undefined), 900_000);
});
