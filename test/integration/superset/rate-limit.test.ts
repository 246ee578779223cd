import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../../lib/config/load';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { renderSupersetConfig } from '../../../lib/superset/config-py';
import { ENVIRONMENTS } from '../../../environments';

// The generated rate-limit settings with the real Flask-Limiter (Debian's python3-flask-limiter
// 3.3, same config keys as the 3.12 Superset 6.1 pins) and redis-queue down (a closed port on
// 127.0.0.1): /health must not depend on the limiter's storage, and the limits keep counting.

const STUBS = path.join(__dirname, '..', '..', 'fixtures', 'python-stubs');
const ENV = { DATABASE_USER: 'superset', DATABASE_PASSWORD: 'x', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset', SUPERSET_SECRET_KEY: 'not-a-real-key-padded-to-more-than-32-bytes', REDIS_CACHE_PASSWORD: 'x', REDIS_QUEUE_PASSWORD: 'x' };

let dir: string;
let closedPort: number;
// Listens but never answers (the kernel completes the handshake; nothing reads): a primary whose
// node went down after the connection was made looks the same to the client.
let silent: net.Server;
let silentPort: number;
const silentSockets: net.Socket[] = [];

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-limiter-'));
  // A port nobody listens on: bind, note, close.
  closedPort = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
  silent = net.createServer((socket) => silentSockets.push(socket));
  silentPort = await new Promise<number>((resolve) => silent.listen(0, '127.0.0.1', () => resolve((silent.address() as net.AddressInfo).port)));
});
afterAll(() => {
  for (const socket of silentSockets) socket.destroy();
  silent?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** dev's single redis-queue, pointed at the closed port. */
const devConfig = (application?: string) => renderSupersetConfig('dev', resolveEnvironment('dev', {
  ...ENVIRONMENTS.dev,
  ...(application ? { edge: { ...ENVIRONMENTS.dev.edge, rateLimits: { application } } } : {}),
} as EnvironmentOverrides).config).replace(/redis-queue:6379/g, `127.0.0.1:${closedPort}`);
/** The defaults' Sentinel mode, whose Sentinel names do not resolve here. */
const sentinelConfig = () => renderSupersetConfig('prod', resolveEnvironment('prod', {}).config);

function statuses(config: string, paths: string[]): number[] {
  const file = path.join(dir, 'superset_config.py');
  fs.writeFileSync(file, config);
  const out = execFileSync('/usr/bin/python3', ['-B', path.join(__dirname, 'limiter_app.py'), file, ...paths], {
    env: { PATH: process.env.PATH, PYTHONPATH: STUBS, ...ENV },
    encoding: 'utf8',
    // A client without socket timeouts would wait on the silent server until TCP gives up.
    timeout: 60_000,
  });
  return JSON.parse(out);
}

describe('Flask-Limiter with redis-queue down', () => {
  test('the storage really is redis-queue, now at the closed port (the test would prove nothing otherwise)', () => {
    expect(devConfig()).toMatch(/RATELIMIT_STORAGE_URI = _redis_queue_url\(4\)/);
    expect(devConfig()).toContain(`@127.0.0.1:${closedPort}/`);
    expect(sentinelConfig()).toMatch(/RATELIMIT_STORAGE_URI = "redis\+sentinel:\/\/redis-queue-0\.redis-queue-headless:26379,/);
  });

  test.each([['single server', devConfig], ['Sentinel', sentinelConfig]])('%s: /health and other requests answer 200 instead of 500 (storage errors swallowed)', (_mode, config) => {
    expect(statuses(config(), ['/health', '/api/v1/chart/', '/health'])).toEqual([200, 200, 200]);
  });

  test('a redis-queue that accepts but never answers (its node went down): requests still answer, after the client\'s socket timeout', () => {
    const config = devConfig().replace(new RegExp(`127\\.0\\.0\\.1:${closedPort}`, 'g'), `127.0.0.1:${silentPort}`);
    expect(config).toContain(`@127.0.0.1:${silentPort}/`);
    const t0 = Date.now();
    expect(statuses(config, ['/api/v1/chart/', '/health'])).toEqual([200, 200]);
    expect(Date.now() - t0).toBeLessThan(60_000);
  }, 90_000);

  test('the application limit still counts, in memory, and /health is exempt from it', () => {
    expect(statuses(devConfig('2 per minute'), ['/api/v1/chart/', '/api/v1/chart/', '/api/v1/chart/', '/health', '/health', '/health'])).toEqual([200, 200, 429, 200, 200, 200]);
  });
});
