import { resolveEnvironment } from '../../lib/config/load';
import { isPlaceholderEndpoint, versionOfTag } from '../../lib/postgres/rules';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';

const REPO = { superset: { image: { repository: 'ghcr.io/acme/superset' } } };

function resolve(overrides: unknown) {
  return resolveEnvironment('prod', { ...REPO, ...(overrides as object) } as EnvironmentOverrides);
}

describe('database tier: field rules (schema)', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no members', { postgres: { members: 0 } }, /postgres\.members = 0\s+rule: must be at least 1/],
    ['too many members', { postgres: { members: 9 } }, /postgres\.members = 9\s+rule: must be at most 7/],
    ['Postgres too old', { postgres: { majorVersion: 13 } }, /postgres\.majorVersion = 13\s+rule: must be 14 or later/],
    ['bad storage size', { postgres: { storage: { size: '20GB' } } }, /postgres\.storage\.size = "20GB"\s+rule: must be a Kubernetes storage quantity/],
    ['bad parameter name', { postgres: { parameters: { 'Shared Buffers': '1GB' } } }, /postgres\.parameters[\s\S]*postgresql\.conf parameter name/],
    ['ttl too short', { postgres: { patroni: { ttlSeconds: 5 } } }, /postgres\.patroni\.ttlSeconds = 5\s+rule: must be at least 20 seconds/],
    ['bad bucket', { postgres: { walArchive: { bucket: 'My_Bucket' } } }, /postgres\.walArchive\.bucket = "My_Bucket"\s+rule: must be an S3 bucket name/],
    ['endpoint with credentials', { postgres: { walArchive: { endpoint: 'https://key:secret@minio:9000' } } }, /postgres\.walArchive\.endpoint[\s\S]*without credentials/],
    ['anti-affinity mode', { postgres: { nodeAntiAffinity: 'sometimes' } }, /postgres\.nodeAntiAffinity = "sometimes"\s+rule: must be one of "required", "preferred"/],
    ['server_login_retry too long', { pgbouncer: { serverLoginRetrySeconds: 15 } }, /pgbouncer\.serverLoginRetrySeconds = 15\s+rule: must be 1 or 2 seconds/],
    ['no PgBouncer', { pgbouncer: { replicas: 0 } }, /pgbouncer\.replicas = 0\s+rule: must be at least 1/],
    ['unknown key', { pgbouncer: { poolMode: 'session' } }, /pgbouncer\.poolMode[\s\S]*is not a known setting of pgbouncer/],
    ['unknown Secret name key', { secrets: { postgress: 'x' } }, /secrets\.postgress[\s\S]*did you mean "postgres"/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolve(override)).toThrow(expected);
  });
});

describe('database tier: cross-field rules', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['ttl below loop_wait + 2 x retry_timeout', { postgres: { patroni: { ttlSeconds: 20, loopWaitSeconds: 10, retryTimeoutSeconds: 6 } } },
      /postgres\.patroni\.ttlSeconds = 20\s+rule: must be at least loopWaitSeconds \+ 2 x retryTimeoutSeconds \(10 \+ 2 x 6 = 22\)/],
    ['PgBouncer older than 1.25.2', { pgbouncer: { image: { tag: '1.24.1' } } }, /pgbouncer\.image\.tag = "1\.24\.1"\s+rule: must be PgBouncer 1\.25\.2 or later/],
    ['PgBouncer tag without a version', { pgbouncer: { image: { tag: 'stable-2026' } } }, /pgbouncer\.image\.tag = "stable-2026"\s+rule: must start with the PgBouncer version/],
    ['moving Spilo tag', { postgres: { image: { tag: 'latest' } } }, /postgres\.image\.tag = "latest"\s+rule: must be a pinned version/],
    ['moving exporter tag', { pgbouncer: { exporterImage: { tag: 'master' } } }, /pgbouncer\.exporterImage\.tag = "master"\s+rule: must be a pinned version/],
    ['managed parameter', { postgres: { parameters: { archive_command: '/bin/true' } } }, /postgres\.parameters\.archive_command = "\/bin\/true"\s+rule: is managed by the manifests/],
    ['backup role is Superset\'s', { ops: { backup: { credentials: { user: 'superset', secretName: 'postgres-backup', passwordKey: 'password' } } } },
      /ops\.backup\.credentials\.user = "superset"\s+rule: must be a role of its own, not superset\.database\.user/],
    ['backup role is the replication role', { ops: { backup: { credentials: { user: 'standby', secretName: 'postgres-backup', passwordKey: 'password' } } } },
      /ops\.backup\.credentials\.user = "standby"\s+rule: must be a role of its own, not the replication role/],
    ['max_connections not a number', { postgres: { parameters: { max_connections: 'lots' } } }, /postgres\.parameters\.max_connections = "lots"\s+rule: must be a whole number/],
    ['shared_buffers above the limit', { postgres: { parameters: { shared_buffers: '8GB' } } }, /postgres\.parameters\.shared_buffers = "8GB"\s+rule: must be well below the memory limit \(2Gi\)/],
    ['max_client_conn below the pool', { pgbouncer: { maxClientConn: 10 } }, /pgbouncer\.maxClientConn = 10\s+rule: must be at least defaultPoolSize \+ reservePoolSize \(25\)/],
    ['Postgres limit below request', { postgres: { resources: { memoryRequest: '8Gi', memoryLimit: '4Gi' } } }, /postgres\.resources\.memoryLimit = "4Gi"\s+rule: must be at least the memory request \(8Gi\)/],
    ['exporter CPU limit below request', { pgbouncer: { exporterResources: { cpuRequest: '1', cpuLimit: '100m' } } }, /pgbouncer\.exporterResources\.cpuLimit = "100m"/],
    ['budget: clients', { pgbouncer: { maxClientConn: 100 } }, /pgbouncer\.maxClientConn = 100\s+rule: Superset can open 113 client connections at peak[\s\S]*fix: {2}raise pgbouncer\.maxClientConn to 113 or more/],
    ['budget: servers', { pgbouncer: { defaultPoolSize: 60 } }, /pgbouncer\.defaultPoolSize = 65\s+rule: 3 PgBouncer pods \(replicas \+ 1 during a rollout\) x 65 server connections[\s\S]*= 195 exceed Postgres max_connections 100 minus 21 reserved[\s\S]*fix: {2}lower pgbouncer\.defaultPoolSize \+ pgbouncer\.reservePoolSize to 26 or less/],
  ];
  test.each(cases)('%s', (_what, override, expected) => {
    expect(() => resolve(override)).toThrow(expected);
  });

  test('the defaults and every environment fit', () => {
    expect(() => resolve({})).not.toThrow();
  });

  test.each([['1.25.2', [1, 25, 2]], ['v0.11.0', [0, 11, 0]], ['1.25.2-3', [1, 25, 2]], ['4.1-p2', undefined]])('versionOfTag(%s)', (tag, version) => {
    expect(versionOfTag(tag)).toEqual(version);
  });
});

describe('database tier: warnings', () => {
  test('one PgBouncer in front of a highly available Postgres is a warning; dev (one member) is not', () => {
    expect(resolve({ pgbouncer: { replicas: 1, maxClientConn: 1000 } }).warnings.join('\n')).toMatch(/single point of failure/);
    expect(resolve({ postgres: { members: 1 }, pgbouncer: { replicas: 1, maxClientConn: 1000 } }).warnings.filter((w) => /postgres|pgbouncer/i.test(w) && !/^ops\./.test(w))).toEqual([]);
  });
  test('two members is a warning', () => {
    expect(resolve({ postgres: { members: 2 } }).warnings.join('\n')).toMatch(/postgres\.members is 2/);
  });
  test('a placeholder WAL endpoint is a warning that says archiving is off, and why; a real one is not', () => {
    const placeholder = resolve({ postgres: { walArchive: { bucket: 'superset-backups', endpoint: 'https://s3.example.com' } } }).warnings.join('\n');
    expect(placeholder).toMatch(/postgres\.walArchive\.endpoint is the placeholder "https:\/\/s3\.example\.com": WAL archiving is OFF .*fills the data volume/);
    expect(resolve({ postgres: { walArchive: { bucket: 'superset-backups', endpoint: 'https://minio.acme.net' } } }).warnings.join('\n')).not.toMatch(/walArchive/);
  });
});

describe('placeholder endpoints', () => {
  test.each([
    ['https://s3.example.com', true], ['https://EXAMPLE.net', true], ['https://s3.eu.example.org:9000', true], ['http://minio.example', true], ['https://x.invalid/', true],
    ['https://s3.eu-central-1.amazonaws.com', false], ['https://minio.storage:9000', false], ['https://example.community', false], ['https://myexample.com', false], [undefined, false],
  ])('isPlaceholderEndpoint(%s) is %s', (endpoint, expected) => {
    expect(isPlaceholderEndpoint(endpoint)).toBe(expected);
  });
});
