import { allSecretRefs, generateSecrets } from '../../lib/config/platform-secrets';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { CHARTS } from '../../lib/platform';
import { cacheAclUsers, queueAclUsers, sentinelAclUsers } from '../../lib/redis/acl';
import { buildCharts, find } from '../helpers';

// The ACL users of our Redis servers and Sentinels (lib/redis/acl.ts). The integration tests
// (test/integration/redis) prove them against real servers: failover, cluster healing, Celery,
// rotations and the refusals.

const env = (overrides: EnvironmentOverrides = {}) => resolveEnvironment('test', overrides);
const configMap = (chart: string, name: string, overrides: EnvironmentOverrides = {}) => find(buildCharts(overrides).get(chart)!, 'ConfigMap', name).data;
/** users.conf as the start scripts read it: name -> [password source, rules]. */
const parse = (text: string) => new Map(text.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
  const [name, source, ...rules] = l.split(' ');
  return [name, { source, rules: rules.join(' ') }];
}));

describe('Redis ACL users', () => {
  test('redis-cache: default off; Superset only on its own key prefix, without administrative or dangerous commands', () => {
    const users = parse(configMap(CHARTS.redisCache, 'redis-cache-config')['users.conf']);
    expect([...users.keys()]).toEqual(['default', 'superset', 'agent', 'replication', 'exporter']);
    expect(users.get('default')).toEqual({ source: 'none', rules: 'resetkeys resetchannels -@all' });
    expect(users.get('superset')!.source).toBe('application');
    expect(users.get('superset')!.rules).toBe('~superset_* resetchannels +@all -@admin -@dangerous +info');
    expect(users.get('agent')).toEqual({ source: 'internal', rules: '~* &* +@all' });
    expect(users.get('replication')!.rules).toBe('resetchannels -@all +ping +psync +sync +replconf');
  });

  test('the exporter may read sizes and INFO, never a value, CONFIG or a write', () => {
    const exporter = cacheAclUsers().find((u) => u.name === 'exporter')!;
    expect(exporter.password).toBe('exporter');
    const allowed = exporter.rules.split(' ').filter((r) => r.startsWith('+'));
    expect(exporter.rules).toContain('%R~*');
    expect(exporter.rules).toContain('-@all');
    for (const command of ['+get', '+eval', '+config|get', '+client', '+client|kill', '+set', '+@read', '+@all']) expect(allowed).not.toContain(command);
    expect(allowed).toEqual(expect.arrayContaining(['+info', '+llen', '+ping']));
  });

  test('redis-queue: the application is the restricted default user; the Sentinels\' user exists only under Sentinel', () => {
    const sentinel = parse(configMap(CHARTS.redisQueue, 'redis-queue-config')['users.conf']);
    expect([...sentinel.keys()]).toEqual(['default', 'agent', 'replication', 'sentinel', 'exporter']);
    expect(sentinel.get('default')).toEqual({ source: 'application', rules: '~* &* +@all -@admin -@dangerous +info' });
    expect(sentinel.get('sentinel')!.rules).toContain('+replicaof');
    expect(sentinel.get('sentinel')!.rules).toContain('resetkeys');
    const standalone = queueAclUsers(env({ redis: { queue: { mode: 'standalone', replicas: 1 } } }));
    expect(standalone.map((u) => u.name)).toEqual(['default', 'agent', 'replication', 'exporter']);
    expect(configMap(CHARTS.redisQueue, 'redis-queue-config', { redis: { queue: { mode: 'standalone', replicas: 1 } } })['sentinel-users.conf']).toBeUndefined();
  });

  test('Sentinels: clients get the discovery queries only; SET, FAILOVER, REMOVE, CONFIG and ACL are the agent\'s', () => {
    const text = configMap(CHARTS.redisQueue, 'redis-queue-config')['sentinel-users.conf'];
    const users = parse(text);
    expect([...users.keys()]).toEqual(['default', 'agent', 'sentinel']);
    const clientRules = users.get('default')!.rules.split(' ');
    expect(clientRules).toContain('-@all');
    expect(clientRules).toContain('+sentinel|get-master-addr-by-name');
    for (const refused of ['+sentinel', '+sentinel|set', '+sentinel|failover', '+sentinel|remove', '+sentinel|config', '+acl', '+@all']) expect(clientRules).not.toContain(refused);
    expect(sentinelAclUsers().find((u) => u.name === 'sentinel')!.rules).toContain('+sentinel|is-master-down-by-addr');
  });

  test('no password in the rendered files: the password sources are names, the passwords come from the Secret at start', () => {
    for (const text of [configMap(CHARTS.redisCache, 'redis-cache-config')['users.conf'], configMap(CHARTS.redisQueue, 'redis-queue-config')['sentinel-users.conf']]) {
      expect(text).not.toMatch(/(^|\s)>\S/m);
      expect(text).not.toMatch(/(^|\s)#[0-9a-f]{64}/m);
    }
  });

  test('Secrets contract: internal-password (a file of the Redis pods) and exporter-password for each Redis we run, none for a managed one', () => {
    const config = env().config;
    const keys = allSecretRefs(config).filter((r) => r.secretName === 'redis-cache-auth' || r.secretName === 'redis-queue-auth').map((r) => `${r.secretName}/${r.key}/${r.envVar || r.file}`);
    expect(keys).toEqual(expect.arrayContaining([
      'redis-cache-auth/password/REDIS_CACHE_PASSWORD',
      'redis-cache-auth/internal-password//etc/redis-auth/internal-password',
      'redis-cache-auth/exporter-password/REDIS_PASSWORD',
      'redis-queue-auth/internal-password//etc/redis-auth/internal-password',
      'redis-queue-auth/exporter-password/REDIS_PASSWORD',
    ]));
    const generated = generateSecrets(config, 'superset', (n) => Buffer.alloc(n, 7));
    const cacheSecret = generated.manifests.find((m: any) => m.metadata.name === 'redis-cache-auth') as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(Object.keys(cacheSecret.stringData).sort()).toEqual(['exporter-password', 'internal-password', 'password']);
    const managed = env({ redis: { cache: { mode: 'external', external: { host: 'cache.example.com', port: 6380, cidrs: ['10.20.0.0/24'], clusterMode: true, tls: true, auth: { secret: 'managed-redis', passwordKey: 'token' } } } } }).config;
    expect(allSecretRefs(managed).filter((r) => r.secretName === 'redis-cache-auth')).toEqual([]);
  });
});
