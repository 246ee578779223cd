import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { checkPolicies } from '../../lib/policy';
import { renderSupersetConfig } from '../../lib/superset/config-py';
import { buildObjects, envVar, find, UNIT_PYTHON_STUBS } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The Superset escape hatches: superset.extraConfig, superset.env / envFrom and each component's pod.env / envFrom.

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const FAKE_ENV = {
  DATABASE_USER: 'superset', DATABASE_PASSWORD: 'not-a-real-password', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'test-secret-key-not-real-padded-to-48-bytes-xx', REDIS_CACHE_PASSWORD: 'cache-pw', REDIS_QUEUE_PASSWORD: 'queue-pw', SUPERSET_COMPONENT: 'web',
};

function load(overrides: EnvironmentOverrides): any {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-extra-'));
  try {
    const file = path.join(dir, 'superset_config.py');
    fs.writeFileSync(file, renderSupersetConfig('test', resolveEnvironment('test', overrides).config));
    return JSON.parse(execFileSync('python3', ['-B', path.join(FIXTURES, 'inspect_superset_config.py'), file], {
      env: { PATH: process.env.PATH, PYTHONPATH: UNIT_PYTHON_STUBS, ...FAKE_ENV, SMTP_HOST: 'smtp.example.com' },
      encoding: 'utf8',
    }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const EXTRA = [
  'import os',
  'SMTP_HOST = os.environ["SMTP_HOST"]',
  'SMTP_PORT = 587',
  'FEATURE_FLAGS["DASHBOARD_RBAC"] = True',
  'ROW_LIMIT = 10000',
].join('\n');

describe('superset.extraConfig', () => {
  test('default: nothing is appended', () => {
    expect(renderSupersetConfig('test', resolveEnvironment('test', {}).config)).not.toContain('superset.extraConfig');
  });

  test('appended after every generated setting: it adds settings, extends generated ones in place and may replace those the platform does not own', () => {
    const text = renderSupersetConfig('test', resolveEnvironment('test', { superset: { extraConfig: EXTRA } }).config);
    expect(text.trimEnd().endsWith('ROW_LIMIT = 10000')).toBe(true);
    expect(text.indexOf('SMTP_PORT = 587')).toBeGreaterThan(text.indexOf('celeryd_init.connect'));
    const loaded = load({ superset: { extraConfig: EXTRA } });
    expect(loaded.error).toBeUndefined();
    expect(loaded.settings.SMTP_HOST).toBe('smtp.example.com');
    expect(loaded.settings.SMTP_PORT).toBe(587);
    expect(loaded.settings.ROW_LIMIT).toBe(10000);
    expect(loaded.settings.FEATURE_FLAGS).toMatchObject({ ALERT_REPORTS: false, DASHBOARD_RBAC: true });
  });

  test('a literal password in it fails synth naming the rule "no-secret-literals"', () => {
    const v = checkPolicies(buildObjects({ superset: { extraConfig: 'SMTP_PASSWORD = "hunter2hunter2"' } }));
    expect(v.map((x) => x.rule)).toEqual(['no-secret-literals']);
  });

  test.each([
    ['a syntax error, with its line', 'SMTP_PORT = 587\nif True\n    pass', /superset\.extraConfig[\s\S]*must compile as Python: line 2: /],
    ['an indentation error', '  SMTP_PORT = 587', /must compile as Python: line 1: unexpected indent/],
    ['reassigning the database URI', 'SQLALCHEMY_DATABASE_URI = "sqlite://"', /must not reassign SQLALCHEMY_DATABASE_URI[\s\S]*use superset\.database instead/],
    ['replacing the Celery config', 'class X: pass\nCELERY_CONFIG = X', /must not reassign CELERY_CONFIG/],
    ['an annotated assignment of a cache', 'CACHE_CONFIG: dict = {}', /must not reassign CACHE_CONFIG/],
  ])('rejects %s', (_what, extraConfig, message) => {
    expect(() => resolveEnvironment('test', { superset: { extraConfig } })).toThrow(message);
  });

  test('every problem in one run: a bad snippet and a bad env var together', () => {
    expect(() => resolveEnvironment('test', { superset: { extraConfig: 'SECRET_KEY = os.environ["X"]', env: [{ name: 'DATABASE_HOST', value: 'x' }] } }))
      .toThrow(/2 problem\(s\)[\s\S]*must not reassign SECRET_KEY[\s\S]*superset\.env\.0\.name/);
  });
});

describe('superset.env, superset.envFrom and pod.env', () => {
  const overrides: EnvironmentOverrides = {
    superset: {
      env: [{ name: 'SMTP_HOST', value: 'smtp.example.com' }, { name: 'SMTP_PASSWORD', secretKeyRef: { name: 'smtp', key: 'password' } }],
      envFrom: [{ secretRef: { name: 'superset-extra' } }],
      web: { pod: { env: [{ name: 'WEB_ONLY', value: '1' }], envFrom: [{ configMapRef: { name: 'web-settings' }, prefix: 'WEB_' }] } },
    },
  };
  const objects = buildObjects(overrides);
  const containersOf = (o: any) => {
    const spec = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
    return [...(spec.initContainers ?? []), ...spec.containers];
  };

  test('default: no extra variables and no envFrom in any Superset container', () => {
    for (const c of containersOf(find(buildObjects(), 'Deployment', 'superset-web'))) {
      expect(c.envFrom).toBeUndefined();
      expect(envVar(c, 'SMTP_HOST')).toBeUndefined();
    }
  });

  test('superset.env and envFrom reach every container that loads superset_config.py', () => {
    const supersetContainers = [
      ...['superset-web', 'superset-worker-interactive', 'superset-worker-reports', 'superset-beat'].flatMap((n) => containersOf(find(objects, 'Deployment', n)).filter((c: any) => c.name !== 'statsd-exporter')),
      ...containersOf(objects.find((o) => o.kind === 'Job')),
      containersOf(find(objects, 'CronJob', 'dashboard-export')).find((c: any) => c.name === 'export'),
    ];
    expect(supersetContainers.length).toBe(10);
    for (const c of supersetContainers) {
      expect(envVar(c, 'SMTP_HOST')).toEqual({ name: 'SMTP_HOST', value: 'smtp.example.com' });
      expect(envVar(c, 'SMTP_PASSWORD')).toEqual({ name: 'SMTP_PASSWORD', valueFrom: { secretKeyRef: { name: 'smtp', key: 'password' } } });
      expect(c.envFrom[0]).toEqual({ secretRef: { name: 'superset-extra' } });
    }
  });

  test('a component\'s pod.env and envFrom reach only its own Superset containers, after superset.env', () => {
    const [wait, web] = containersOf(find(objects, 'Deployment', 'superset-web'));
    for (const c of [wait, web]) {
      expect(c.env.map((e: any) => e.name).slice(-3)).toEqual(['SMTP_HOST', 'SMTP_PASSWORD', 'WEB_ONLY']);
      expect(c.envFrom).toEqual([{ secretRef: { name: 'superset-extra' } }, { configMapRef: { name: 'web-settings' }, prefix: 'WEB_' }]);
    }
    for (const c of containersOf(find(objects, 'Deployment', 'superset-beat'))) expect(envVar(c, 'WEB_ONLY')).toBeUndefined();
  });

  test('the policy rules still hold (no literal secret, all references)', () => {
    expect(checkPolicies(objects)).toEqual([]);
  });

  test('a secret-named variable with a literal value fails synth naming the rule "no-secret-literals"', () => {
    const v = checkPolicies(buildObjects({ superset: { beat: { pod: { env: [{ name: 'SLACK_API_TOKEN', value: 'xoxb-123' }] } } } }));
    expect(v.map((x) => [x.rule, x.message])).toEqual([
      ['no-secret-literals', 'init container "wait-for-migrations": env SLACK_API_TOKEN has a literal value'],
      ['no-secret-literals', 'container "beat": env SLACK_API_TOKEN has a literal value'],
    ]);
  });

  test.each([
    ['a variable the platform sets', { superset: { env: [{ name: 'SUPERSET_CONFIG_PATH', value: '/x.py' }] } }, /superset\.env\.0\.name = "SUPERSET_CONFIG_PATH"[\s\S]*must not be a variable the platform sets/],
    ['a worker variable the platform sets', { superset: { workers: { reports: { pod: { env: [{ name: 'DATABASE_HOST', value: 'x' }] } } } } }, /superset\.workers\.reports\.pod\.env\.0\.name/],
    ['a variable with two sources', { superset: { env: [{ name: 'X', value: 'a', configMapKeyRef: { name: 'c', key: 'k' } }] } }, /superset\.env\.0[\s\S]*must set exactly one of value, secretKeyRef, configMapKeyRef, fieldRef \(has value, configMapKeyRef\)/],
    ['an envFrom with both kinds', { superset: { envFrom: [{ secretRef: { name: 'a' }, configMapRef: { name: 'b' } }] } }, /superset\.envFrom\.0[\s\S]*must set exactly one of secretRef and configMapRef/],
    ['a variable name with a dash', { superset: { env: [{ name: 'SMTP-HOST', value: 'x' }] } }, /superset\.env\.0\.name[\s\S]*must be an environment variable name/],
  ])('rejects %s', (_what, o, message) => {
    expect(() => resolveEnvironment('test', o as EnvironmentOverrides)).toThrow(message);
  });
});
