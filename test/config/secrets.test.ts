import { resolveEnvironment } from '../../lib/config/load';
import { allSecretRefs, generateSecrets, secretsByName } from '../../lib/config/platform-secrets';
import { buildObjects, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const oauth = { type: 'oauth' as const, oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://okta.example.com/.well-known/openid-configuration', scope: 'openid', icon: 'fa-key' }] } };

describe('Secrets contract', () => {
  test('every key is listed once, with an env var, a description and how to generate it', () => {
    const refs = allSecretRefs(resolveEnvironment('prod', { superset: { asyncQueries: { enabled: true }, auth: oauth } }).config);
    const keys = refs.map((r) => `${r.secretName}/${r.key}`);
    // a key read by several containers is listed once per env var it is exposed as
    const uses = refs.map((r) => `${r.secretName}/${r.key}/${r.envVar}`);
    expect(new Set(uses).size).toBe(uses.length);
    expect(keys).toEqual(expect.arrayContaining(['superset-app/secret-key', 'superset-app/async-queries-jwt-secret', 'superset-database/password', 'redis-cache-auth/password', 'redis-queue-auth/password', 'superset-oauth/okta-client-id', 'superset-oauth/okta-client-secret']));
    for (const r of refs) {
      // every key is read from the environment, except a TLS Secret's (the ingress controller mounts it)
      expect(r.envVar).toMatch(r.secretType === 'kubernetes.io/tls' ? /^$/ : /^[A-Z][A-Z0-9_]*$/);
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.generate.length).toBeGreaterThan(5);
    }
  });

  test('generated Secrets: strong random values grouped per Secret; IdP credentials left to the operator', () => {
    const config = resolveEnvironment('prod', { superset: { asyncQueries: { enabled: true }, auth: oauth } }).config;
    const { manifests, manual } = generateSecrets(config, 'superset-prod', (n) => Buffer.alloc(n, 7));
    const byName = Object.fromEntries(manifests.map((m: any) => [m.metadata.name, m]));
    expect(Object.keys(byName)).toEqual(['superset-app', 'superset-database', 'redis-cache-auth', 'redis-queue-auth', 'postgres-credentials', 'pgbouncer-auth', 'postgres-backup']);
    expect(Object.keys(byName['postgres-credentials'].stringData)).toEqual(['superuser-password', 'replication-password', 'restapi-password']);
    expect(Object.keys(byName['superset-database'].stringData)).toEqual(['password']); // read by Superset, Patroni and PgBouncer: generated once
    expect(byName['superset-app'].metadata.namespace).toBe('superset-prod');
    expect(byName['superset-app'].stringData['secret-key']).toBe(Buffer.alloc(42, 7).toString('base64'));
    expect(byName['superset-app'].stringData['secret-key']).toHaveLength(56); // 42 bytes
    expect(byName['superset-database'].stringData.password).toMatch(/^[0-9a-f]{64}$/); // hex: safe in URLs and userlists
    expect(byName['postgres-backup'].stringData).toEqual({ password: Buffer.alloc(32, 7).toString('hex') });
    // From the IdP, the object store, the Git host and the CA: the operator adds them.
    expect(manual.map((r) => `${r.secretName}/${r.key}`)).toEqual([
      'superset-oauth/okta-client-id', 'superset-oauth/okta-client-secret',
      'backup-object-storage/access-key-id', 'backup-object-storage/secret-access-key',
      'dashboard-export-git/ssh-privatekey', 'dashboard-export-git/known_hosts',
      'superset-tls/tls.crt', 'superset-tls/tls.key',
    ]);
  });

  test('two runs never produce the same values (the system CSPRNG by default)', () => {
    const config = resolveEnvironment('dev', {}).config;
    const a = generateSecrets(config, 'x').manifests.map((m: any) => m.stringData);
    const b = generateSecrets(config, 'x').manifests.map((m: any) => m.stringData);
    expect(a).not.toEqual(b);
  });
});

describe('ExternalSecrets', () => {
  test('off by default', () => {
    expect(findAll(buildObjects({}), 'ExternalSecret')).toEqual([]);
  });

  test('when enabled: one per Secret, every key a property of the remote key, no values', () => {
    const objects = buildObjects({ secrets: { externalSecrets: { enabled: true, storeName: 'aws', remoteKeyPrefix: 'prod/superset/' } } });
    const ext = findAll(objects, 'ExternalSecret');
    expect(ext.map((e) => e.metadata.name)).toEqual([...secretsByName(resolveEnvironment('test', {}).config).keys()]);
    const db = ext.find((e) => e.metadata.name === 'superset-database');
    expect(db.apiVersion).toBe('external-secrets.io/v1');
    expect(db.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'aws' },
      target: { name: 'superset-database', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'password', remoteRef: { key: 'prod/superset/superset-database', property: 'password' } }],
    });
  });
});
