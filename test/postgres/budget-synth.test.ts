import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { synthToRoot } from '../../scripts/synth';

// Bad input: an environment whose connection budget does not fit fails the synth with the numbers
// and the fix, and leaves the output exactly as it was.
describe('a connection budget that does not fit', () => {
  let work: string;
  beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-')); });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('fails synth with the numbers and the fix; dist is untouched', () => {
    const out = path.join(work, 'dist');
    const good: Record<string, EnvironmentOverrides> = { ok: {} };
    synthToRoot({ environments: [], outRoot: out, registry: good, warn: () => undefined });
    const before = fs.readdirSync(path.join(out, 'ok')).map((f) => fs.readFileSync(path.join(out, 'ok', f), 'utf8'));
    // Web scaled to 20 pods with more threads, and more PgBouncer pods than Postgres has slots for.
    const bad: Record<string, EnvironmentOverrides> = {
      ...good,
      crowded: { superset: { web: { maxReplicas: 20 } }, pgbouncer: { replicas: 4, maxClientConn: 100 } },
    };
    expect(() => synthToRoot({ environments: [], outRoot: out, registry: bad, warn: () => undefined })).toThrow(
      /Invalid environment "crowded"[\s\S]*pgbouncer\.maxClientConn = 100\s+rule: Superset can open 353 client connections at peak \(superset-web 25 pods x 3 x 4 = 300[\s\S]*fix: {2}raise pgbouncer\.maxClientConn to 118 or more[\s\S]*pgbouncer\.defaultPoolSize = 25\s+rule: 5 PgBouncer pods[\s\S]*= 125 exceed Postgres max_connections 100 minus 21 reserved/,
    );
    expect(fs.readdirSync(out)).toEqual(['ok']);
    expect(fs.readdirSync(path.join(out, 'ok')).map((f) => fs.readFileSync(path.join(out, 'ok', f), 'utf8'))).toEqual(before);
  });
});
