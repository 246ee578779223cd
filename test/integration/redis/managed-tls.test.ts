import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { resolveEnvironment } from '../../../lib/config/load';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { EXTERNAL_REDIS_CA } from '../../../lib/redis/endpoints';
import { renderSupersetConfig } from '../../../lib/superset/config-py';
import { PYTHON, Servers } from './servers';

// redis.queue.mode "external" against a real TLS-only Valkey (the valkey stand-in's Valkey 9.1,
// as a managed Redis with in-transit encryption and AUTH would be): the generated
// superset_config.py is loaded with the unit stubs for Superset, Celery and flask-caching and
// Debian's real redis-py and kombu, and every client it builds for the queue (Celery's broker,
// the rate limiter's storage, Flask-Session, the coordination and async-query backends) talks to
// the server over TLS, checked against the CA bundle the pods mount. A client without that CA is
// refused, and so is one in clear. The certificates and the password are made for each run.

const STUBS = path.join(__dirname, '..', '..', 'fixtures', 'python-stubs');
const CLIENT = path.join(__dirname, 'managed_tls_client.py');

let servers: Servers;
let port: number;
let ca: string;

async function answers(p: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(p, '127.0.0.1', () => { s.destroy(); resolve(true); });
    s.on('error', () => resolve(false));
  });
}

beforeAll(async () => {
  servers = new Servers();
  const dir = servers.root;
  ca = path.join(dir, 'ca.crt');
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=managed-redis-test-ca', '-keyout', 'ca.key', '-out', 'ca.crt');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'san.ext', '-out', 'server.crt');
  fs.rmSync(path.join(dir, 'ca.key'));
  port = await servers.freePort();
  // TLS only (port 0 closes the plain port), AUTH with the run's password, no persistence.
  fs.writeFileSync(path.join(dir, 'valkey.conf'), [
    'bind 127.0.0.1', 'port 0', `tls-port ${port}`, `tls-cert-file ${dir}/server.crt`, `tls-key-file ${dir}/server.key`,
    `tls-ca-cert-file ${dir}/ca.crt`, 'tls-auth-clients no', `requirepass ${servers.password}`, 'save ""', 'appendonly no', `dir ${dir}`,
  ].join('\n') + '\n', { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'start.sh'), `exec valkey-server ${dir}/valkey.conf\n`);
  servers.start(path.join(dir, 'start.sh'), {}, path.join(dir, 'valkey.log'));
  for (let i = 0; i < 100 && !(await answers(port)); i++) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await servers?.stopAll();
  if (servers) fs.rmSync(servers.root, { recursive: true, force: true });
});

function configFor(external: Record<string, unknown>): string {
  const overrides = {
    superset: { image: { repository: 'ghcr.io/acme/superset' }, asyncQueries: { enabled: true } },
    redis: { queue: { mode: 'external', external: { host: '127.0.0.1', port, auth: { secret: 'managed-queue' }, cidrs: ['127.0.0.1/32'], ...external } } },
  } as EnvironmentOverrides;
  // The pods mount the CA bundle at a fixed path; here it is the run's CA file.
  return renderSupersetConfig('test', resolveEnvironment('test', overrides).config).split(EXTERNAL_REDIS_CA['redis-queue'].file).join(ca);
}

function clients(config: string): Record<string, string> {
  const file = path.join(servers.root, 'superset_config.py');
  fs.writeFileSync(file, config);
  const out = execFileSync(PYTHON, ['-B', CLIENT, file, ca], {
    env: {
      PATH: process.env.PATH, PYTHONPATH: STUBS,
      DATABASE_USER: 'superset', DATABASE_PASSWORD: 'x', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset',
      SUPERSET_SECRET_KEY: 'not-a-real-key-padded-to-more-than-32-bytes', REDIS_CACHE_PASSWORD: 'x', REDIS_QUEUE_PASSWORD: servers.password,
      GLOBAL_ASYNC_QUERIES_JWT_SECRET: 'y'.repeat(32),
    },
    encoding: 'utf8',
    timeout: 60000,
  });
  return JSON.parse(out);
}

describe('a managed Redis with TLS and AUTH (redis.queue.mode "external")', () => {
  test('the server really is TLS only (the test would prove nothing otherwise)', async () => {
    expect(await answers(port)).toBe(true);
    expect(configFor({ caBundle: { configMap: 'ca', key: 'ca.crt' } })).toContain(`rediss://{username}:{password}@127.0.0.1:${port}/{db}`);
  });

  test('every queue client of superset_config.py connects over TLS, checked against the CA bundle', () => {
    const out = clients(configFor({ caBundle: { configMap: 'ca', key: 'ca.crt' } }));
    expect(out).toMatchObject({
      session: 'PONG',
      limiter: 'PONG',
      coordination_superset: 'PONG',
      coordination_flask_caching: 'PONG',
      async_queries: 'PONG',
      celery_broker: 'tls',
    });
    // Without the CA the certificate is refused; in clear the TLS port does not answer Redis.
    expect(out.without_ca).toMatch(/certificate verify failed|CERTIFICATE_VERIFY_FAILED/i);
    expect(out.in_clear).toMatch(/Error/);
  });

  test('without caBundle the system trust store is used: the private CA is refused', () => {
    const out = clients(configFor({}));
    expect(out.session).toMatch(/certificate verify failed/i);
    expect(out.celery_broker).toMatch(/certificate verify failed|SSL/i);
  });
});
