import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../../lib/config/load';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { renderSupersetConfig } from '../../../lib/superset/config-py';
import { SUPERSET_WEB } from '../../../lib/superset/endpoints';
import { buildObjects, find } from '../../helpers';

// A report screenshot with the generated webdriver settings: take_screenshot.py drives Debian's
// Chromium through chromedriver with Selenium as Superset 6.1 does, in a sandbox shaped like the
// reports worker's pod (bubblewrap: uid 1000, read-only root, writable /tmp and /dev/shm only, a
// network namespace of its own where only the web Service name resolves, to a stand-in web server
// on the port of the WEBDRIVER_BASEURL the worker's env gives). Host differences: Debian 12's
// Chromium and Selenium 4.8 (the image has its base's Debian Chromium and Superset's pin).

/* eslint-disable @typescript-eslint/no-explicit-any */
const TEST_ROOT = path.resolve(__dirname, '..', '..');
const STUBS = path.join(TEST_ROOT, 'fixtures', 'python-stubs');
const ENV = {
  DATABASE_USER: 'superset', DATABASE_PASSWORD: 'x', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'not-a-real-key-padded-to-more-than-32-bytes', REDIS_CACHE_PASSWORD: 'x', REDIS_QUEUE_PASSWORD: 'x', SMTP_PASSWORD: 'x',
};

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-screenshot-'));
  fs.writeFileSync(path.join(dir, 'hosts'), `127.0.0.1 localhost ${SUPERSET_WEB.host}\n`);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface Shot {
  png?: { width: number; height: number };
  timeout?: string;
  requests: Array<{ path: string; session: boolean }>;
  uid: number;
  rootWritable: boolean;
}

function screenshot(screenshots: object, appearAfterMs: number): Shot {
  const overrides = {
    superset: { reports: { smtp: { enabled: true, host: 'smtp.acme.io', user: 'reports@acme.io', mailFrom: 'superset@acme.io' }, screenshots } },
    network: { egress: [{ name: 'mail', purpose: 'smtp', cidr: '192.0.2.25/32', ports: [587], from: ['worker-reports'] }] },
  };
  const file = path.join(dir, 'superset_config.py');
  fs.writeFileSync(file, renderSupersetConfig('prod', resolveEnvironment('prod', overrides as EnvironmentOverrides).config));
  // The reports worker's own env (WEBDRIVER_BASEURL: the web Service), as the manifests set it.
  const worker = find(buildObjects(overrides as EnvironmentOverrides, 'prod'), 'Deployment', 'superset-worker-reports').spec.template.spec.containers[0];
  const podEnv = Object.fromEntries(worker.env.filter((e: any) => e.name.startsWith('WEBDRIVER_')).map((e: any) => [e.name, e.value]));
  const env = Object.entries({ PATH: '/usr/bin:/bin', HOME: '/tmp', PYTHONPATH: STUBS, ...ENV, ...podEnv }).flatMap(([k, v]) => ['--setenv', k, v]);
  const out = execFileSync('bwrap', [
    '--ro-bind', '/', '/', '--dev', '/dev', '--tmpfs', '/dev/shm', '--proc', '/proc', '--tmpfs', '/tmp',
    // Over the private /tmp: the test's files (the checkout may live under /tmp, as in CI).
    '--ro-bind', TEST_ROOT, TEST_ROOT, '--ro-bind', path.join(dir, 'hosts'), '/etc/hosts', '--bind', dir, dir,
    '--unshare-all', '--uid', '1000', '--gid', '1000', '--die-with-parent', '--new-session', '--clearenv', ...env,
    '/usr/bin/python3', '-B', path.join(__dirname, 'take_screenshot.py'), file, path.join(dir, 'shot.png'), String(appearAfterMs),
  ], { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('a report screenshot with the generated webdriver settings (Debian Chromium, Selenium, a pod-shaped sandbox)', () => {
  test('logs in on WEBDRIVER_BASEURL, waits for the dashboard and writes its PNG, as uid 1000 on a read-only root', () => {
    const shot = screenshot({}, 1500);
    expect(shot).toMatchObject({ png: { width: 400, height: 300 }, uid: 1000, rootWritable: false });
    expect(shot.requests).toEqual([
      { path: '/login/', session: false },
      { path: '/superset/dashboard/1/?standalone=3', session: true },
    ]);
    expect(fs.readFileSync(path.join(dir, 'shot.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 150_000);

  test('a dashboard slower than screenshots.locateWaitSeconds fails the screenshot instead of capturing a blank page', () => {
    const shot = screenshot({ locateWaitSeconds: 2 }, 6000);
    expect(shot.png).toBeUndefined();
    expect(shot.timeout).toMatch(/SCREENSHOT_LOCATE_WAIT/);
  }, 150_000);
});
