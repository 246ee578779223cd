import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { resolveEnvironment } from '../../lib/config/load';
import { keyPairText } from '../../lib/config/key-pairs';
import { allSecretRefs, generateSecrets, secretsByName } from '../../lib/config/platform-secrets';
import { buildObjects, findAll, IDP_NETWORK } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */
const oauth = { type: 'oauth' as const, oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://okta.example.com/.well-known/openid-configuration', scope: 'openid', icon: 'fa-key' }] } };

describe('Secrets contract', () => {
  test('every key is listed once, with an env var, a description and how to generate it', () => {
    const refs = allSecretRefs(resolveEnvironment('prod', { superset: { asyncQueries: { enabled: true }, auth: oauth }, network: IDP_NETWORK }).config);
    const keys = refs.map((r) => `${r.secretName}/${r.key}`);
    // a key read by several containers is listed once per env var it is exposed as
    const uses = refs.map((r) => `${r.secretName}/${r.key}/${r.envVar}`);
    expect(new Set(uses).size).toBe(uses.length);
    expect(keys).toEqual(expect.arrayContaining(['superset-app/secret-key', 'superset-app/async-queries-jwt-secret', 'superset-database/password', 'redis-cache-auth/password', 'redis-queue-auth/password', 'superset-oauth/okta-client-id', 'superset-oauth/okta-client-secret']));
    for (const r of refs) {
      // every key is read from the environment, except a TLS Secret's (the ingress controller
      // mounts it) and the key files mounted from Secret volumes
      expect(r.envVar).toMatch(r.secretType === 'kubernetes.io/tls' || r.file ? /^$/ : /^[A-Z][A-Z0-9_]*$/);
      if (r.file) expect(r.file).toMatch(/^\/etc\/[a-z/-]+$/);
      expect(r.description.length).toBeGreaterThan(10);
      expect(r.generate.length).toBeGreaterThan(5);
    }
  });

  test('generated Secrets: strong random values grouped per Secret; IdP credentials left to the operator', () => {
    const config = resolveEnvironment('prod', { superset: { asyncQueries: { enabled: true }, auth: oauth }, network: IDP_NETWORK }).config;
    const { manifests, manual } = generateSecrets(config, 'superset-prod', (n) => Buffer.alloc(n, 7));
    const byName = Object.fromEntries(manifests.map((m: any) => [m.metadata.name, m]));
    expect(Object.keys(byName)).toEqual(['superset-app', 'superset-database', 'redis-cache-auth', 'redis-queue-auth', 'postgres-credentials', 'pgbouncer-auth', 'postgres-backup', 'pg-backup-keys', 'pg-restore-keys']);
    expect(Object.keys(byName['postgres-credentials'].stringData)).toEqual(['superuser-password', 'replication-password', 'rewind-password', 'restapi-password']);
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
      'backup-object-storage-read/access-key-id', 'backup-object-storage-read/secret-access-key',
      'dashboard-export-git/ssh-privatekey', 'dashboard-export-git/known_hosts',
      'superset-tls/tls.crt', 'superset-tls/tls.key',
    ]);
  });

  test('backup key pairs: each half in the Secret of the process that uses it, the halves of one pair matching', () => {
    const config = resolveEnvironment('prod', {}).config;
    const raw = (kind: string) => ({ privateKey: Buffer.alloc(32, kind === 'age-x25519' ? 1 : 2), publicKey: Buffer.alloc(32, kind === 'age-x25519' ? 3 : 4) });
    const { manifests } = generateSecrets(config, 'superset-prod', (n) => Buffer.alloc(n, 7), raw as any);
    const data = (name: string) => (manifests.find((m: any) => m.metadata.name === name) as any).stringData;
    expect(Object.keys(data('pg-backup-keys'))).toEqual(['age-recipient', 'signing-key']);
    expect(Object.keys(data('pg-restore-keys'))).toEqual(['age-identity', 'verify-key']);
    expect(data('pg-backup-keys')['age-recipient']).toBe(keyPairText('age-x25519', raw('age-x25519'), '').public);
    expect(data('pg-restore-keys')['age-identity']).toBe(keyPairText('age-x25519', raw('age-x25519'), '').private);
    expect(data('pg-backup-keys')['signing-key']).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    expect(data('pg-restore-keys')['verify-key']).toBe(keyPairText('ssh-ed25519', raw('ssh-ed25519'), 'pg-backup').public);
    // WAL-G's key is a random hex string of 32 bytes, generated when archiving is on.
    const archiving = resolveEnvironment('prod', { postgres: { walArchive: { bucket: 'wal', endpoint: 'https://s3.acme.test' } } }).config;
    const wal = generateSecrets(archiving, 'superset-prod', (n) => Buffer.alloc(n, 9)).manifests.find((m: any) => m.metadata.name === 'postgres-wal-encryption') as any;
    expect(wal.stringData).toEqual({ 'libsodium-key': '09'.repeat(32) });
  });

  test('a pair is drawn once per run, whichever Secrets its halves go to; two runs draw two pairs', () => {
    const config = resolveEnvironment('dev', {}).config;
    const run = () => Object.fromEntries(generateSecrets(config, 'x').manifests.map((m: any) => [m.metadata.name, m.stringData]));
    const a = run();
    const b = run();
    expect(a['pg-backup-keys']['age-recipient']).toMatch(/^age1[0-9a-z]{58}$/);
    expect(a['pg-restore-keys']['age-identity']).toMatch(/^AGE-SECRET-KEY-1[0-9A-Z]{58}$/);
    expect(a['pg-backup-keys']['age-recipient']).not.toBe(b['pg-backup-keys']['age-recipient']);
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

describe('npm run secrets (the real command)', () => {
  const ROOT = path.join(__dirname, '..', '..');
  // The outer npm (npm test) exports its config as npm_* variables, which the inner npm would read.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  const sh = (command: string) => spawnSync('bash', ['-c', command], { cwd: ROOT, encoding: 'utf8', env });
  const documented = ['README.md', 'docs/secrets.md'].flatMap((file) =>
    [...fs.readFileSync(path.join(ROOT, file), 'utf8').matchAll(/^\s*(npm run [^|\n]*secrets[^|\n]*?)\s*\|\s*kubectl create -f -/gm)].map((m) => m[1]));

  test('the docs show the pipe into kubectl create', () => {
    expect(documented.length).toBeGreaterThan(0);
  });

  test.each(documented)('`%s` writes only Secret manifests to stdout', (command) => {
    const run = sh(command);
    expect(run.status).toBe(0);
    const docs = parseAllDocuments(run.stdout);
    expect(docs.flatMap((d) => d.errors)).toEqual([]);
    const objects = docs.map((d) => d.toJS());
    expect(objects.length).toBeGreaterThan(3);
    for (const o of objects) expect([o.apiVersion, o.kind, o.metadata.namespace, Object.keys(o).sort()]).toEqual(['v1', 'Secret', 'superset-prod', ['apiVersion', 'kind', 'metadata', 'stringData', 'type']]);
  });

  test('without --silent, npm prints its banner into the pipe: the script says so and prints no Secret', () => {
    const run = sh('npm run secrets -- prod | cat');
    expect(run.stdout).toMatch(/^\s*> superset-k8s@/); // npm's banner, ahead of anything the script writes
    expect(run.stdout).not.toMatch(/kind: Secret|stringData/);
    expect(run.stderr).toMatch(/npm printed its banner to stdout[\s\S]*npm run --silent secrets -- prod \| kubectl create -f -/);
    expect(sh('set -o pipefail; npm run secrets -- prod | cat').status).not.toBe(0);
  });
});
