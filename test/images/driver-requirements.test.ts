import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';

// images/superset/driver-requirements.py turns DRIVERS ("trino,snowflake") into requirements taken
// from the installed apache-superset's own metadata. Run here with python3 against a distribution
// whose metadata has the shape of apache-superset's (Provides-Extra, Requires-Dist with extra markers).

const SCRIPT = path.join(__dirname, '..', '..', 'images', 'superset', 'driver-requirements.py');
const METADATA = `Metadata-Version: 2.1
Name: apache_superset
Version: 6.1.0
Requires-Dist: celery<6.0.0,>=5.3.6
Provides-Extra: snowflake
Requires-Dist: snowflake-sqlalchemy<2,>=1.2.4; extra == "snowflake"
Provides-Extra: trino
Requires-Dist: trino>=0.328.0; extra == "trino"
Provides-Extra: bigquery
Requires-Dist: pandas-gbq>=0.19.1; extra == "bigquery"
Requires-Dist: sqlalchemy-bigquery>=1.15.0; extra == "bigquery"
`;

function requirementsFor(drivers: string): { status: number | null; out: string; err: string } {
  const site = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-dist-'));
  try {
    const info = path.join(site, 'apache_superset-6.1.0.dist-info');
    fs.mkdirSync(info);
    fs.writeFileSync(path.join(info, 'METADATA'), METADATA);
    const r = spawnSync('python3', [SCRIPT, drivers], { env: { ...process.env, PYTHONPATH: site }, encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  } finally {
    fs.rmSync(site, { recursive: true, force: true });
  }
}

describe('images/superset DRIVERS', () => {
  test('each named extra brings the requirements Superset declares for it, and nothing else', () => {
    const r = requirementsFor('trino,bigquery');
    expect(r.status).toBe(0);
    expect(r.out.trim().split('\n').sort()).toEqual(['pandas-gbq>=0.19.1', 'sqlalchemy-bigquery>=1.15.0', 'trino>=0.328.0']);
  });

  test('none named: nothing to install', () => {
    expect(requirementsFor('')).toMatchObject({ status: 0, out: '' });
  });

  test('an unknown extra fails the build, listing the known ones', () => {
    const r = requirementsFor('trino,snowflak');
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/DRIVERS names no extra of apache-superset 6\.1\.0: snowflak \(known: bigquery, snowflake, trino\)/);
  });
});

describe('superset.image.drivers and network.dataSources[].driver', () => {
  const warehouse = (driver?: string) => ({ cidr: '10.30.0.0/16', ports: [8080], ...(driver ? { driver } : {}) });
  const warnings = (overrides: object) => resolveEnvironment('prod', overrides).warnings.filter((w) => w.includes('driver'));

  test('default: the image lists no extra drivers (postgres is always there)', () => {
    expect(resolveEnvironment('prod', {}).config.superset.image.drivers).toEqual([]);
    expect(warnings({ network: { dataSources: [warehouse('postgres'), warehouse()] } })).toEqual([]);
  });

  test('a data source whose driver the image lacks: a warning that says how to build it', () => {
    expect(warnings({ superset: { image: { drivers: ['snowflake'] } }, network: { dataSources: [warehouse('trino')] } })).toEqual([
      'network.dataSources[0] (10.30.0.0/16) needs the "trino" driver, which superset.image.drivers does not list (postgres, snowflake): build the image with --build-arg DRIVERS=snowflake,trino (images/superset/Dockerfile) and add "trino" to superset.image.drivers.',
    ]);
  });

  test('listed: no warning', () => {
    expect(warnings({ superset: { image: { drivers: ['trino'] } }, network: { dataSources: [warehouse('trino')] } })).toEqual([]);
  });

  test('a driver name that is no extra name is refused', () => {
    expect(() => resolveEnvironment('prod', { superset: { image: { drivers: ['Trino DB'] } } })).toThrow(/superset\.image\.drivers\.0[\s\S]*must be an extra of apache-superset/);
  });
});
