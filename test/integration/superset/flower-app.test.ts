import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../../lib/config/load';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { ENVIRONMENTS } from '../../../environments';
import { renderFlowerApp, renderFlowerConfig } from '../../../lib/superset/flower';
import { waitForPort } from '../ops/harness';
import { PYTHON, Servers } from '../redis/servers';

// Celery Flower's rendered files with the real libraries Flower runs on (Debian 12's Celery 5.2
// and kombu, tornado 6.2; Flower itself is not packaged in Debian 12 and PyPI is not reachable
// here): the Celery app reaches a real Valkey (the valkey stand-in's, with a password made for
// the run) with the password from its Secret file and sends Flower's broadcast; a wrong
// password is refused; the settings file gives Flower the login from its Secret files.

let servers: Servers;
let port: number;
let secrets: string;

beforeAll(async () => {
  servers = new Servers();
  const dir = servers.root;
  port = await servers.freePort();
  fs.writeFileSync(path.join(dir, 'valkey.conf'), ['bind 127.0.0.1', `port ${port}`, `requirepass ${servers.password}`, 'save ""', 'appendonly no', `dir ${dir}`].join('\n') + '\n', { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'start.sh'), `exec valkey-server ${dir}/valkey.conf\n`);
  servers.start(path.join(dir, 'start.sh'), {}, path.join(dir, 'valkey.log'));
  await waitForPort(port);
  secrets = path.join(dir, 'secrets');
  fs.mkdirSync(secrets);
  fs.writeFileSync(path.join(secrets, 'FLOWER_USERNAME'), 'flower\n');
  fs.writeFileSync(path.join(secrets, 'FLOWER_PASSWORD'), 'not-a-real-flower-password\n');
});

afterAll(async () => {
  await servers?.stopAll();
  if (servers) fs.rmSync(servers.root, { recursive: true, force: true });
});

/** dev's files (one redis-queue Service), pointed at the run's Valkey; the password file as given. */
function check(password: string): any {
  const config = resolveEnvironment('dev', { ...ENVIRONMENTS.dev, superset: { ...ENVIRONMENTS.dev.superset, flower: { enabled: true } } } as EnvironmentOverrides).config;
  const dir = path.join(servers.root, 'flower');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'flower_app.py'), renderFlowerApp('dev', config).replace(/redis-queue:6379/g, `127.0.0.1:${port}`));
  fs.writeFileSync(path.join(dir, 'flowerconfig.py'), renderFlowerConfig(config).replace('"/run/secrets/superset"', JSON.stringify(secrets)));
  fs.writeFileSync(path.join(secrets, 'REDIS_QUEUE_PASSWORD'), `${password}\n`);
  const out = execFileSync(PYTHON, ['-B', path.join(__dirname, 'flower_check.py'), dir], {
    env: { PATH: process.env.PATH, SUPERSET_SECRETS_DIR: secrets },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('Celery Flower\'s rendered files with the real Celery, kombu and tornado', () => {
  test('the Celery app reaches redis-queue with the password from its Secret file and sends Flower\'s broadcast', () => {
    const r = check(servers.password);
    expect(r).toMatchObject({ broker: 'connected', ping: null });
    expect(r.error).toBeUndefined();
  });

  test('a wrong password is refused by the server (the test would prove nothing otherwise)', () => {
    expect(check('not-the-password').error).toMatch(/invalid|WRONGPASS|auth/i);
  });

  test('the settings file gives Flower its port, path and the login of the Secret files', () => {
    expect(check(servers.password).options).toEqual({ port: 5555, url_prefix: 'flower', xheaders: true, basic_auth: ['flower:not-a-real-flower-password'], purge_offline_workers: 600, max_tasks: 10000 });
  });
});
