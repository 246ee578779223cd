import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MIGRATE_SCRIPT, SUPERSET_SCRIPTS_DIR, WAIT_SCRIPT, WEB_SCRIPT } from '../../lib/superset/scripts';

// The scripts of lib/superset/scripts run for real under /bin/sh, with a stand-in `superset` CLI
// first on PATH that plays a given sequence of `superset db current` outcomes.

const FAKE_CLI = path.join(__dirname, '..', 'fixtures', 'fake-superset-cli');

interface Run { code: number | null; log: string[]; calls: string[] }

function run(script: string, args: string[], plan: string[], env: Record<string, string> = {}, users?: string): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-scripts-'));
  try {
    fs.writeFileSync(path.join(dir, 'plan'), `${plan.join('\n')}\n`);
    fs.writeFileSync(path.join(dir, 'calls'), '');
    const r = spawnSync('/bin/sh', [path.join(SUPERSET_SCRIPTS_DIR, script), ...args], {
      encoding: 'utf8',
      env: {
        PATH: `${FAKE_CLI}:/usr/bin:/bin`,
        TMPDIR: dir,
        FAKE_SUPERSET_PLAN: path.join(dir, 'plan'),
        FAKE_SUPERSET_CALLS: path.join(dir, 'calls'),
        FAKE_SUPERSET_USERS: users ?? path.join(dir, 'users'),
        WAIT_INTERVAL_SECONDS: '0',
        WAIT_TIMEOUT_SECONDS: '3600',
        DATABASE_HOST: 'postgres',
        DATABASE_PORT: '5432',
        ...env,
      },
    });
    const strip = (l: string) => l.replace(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /, '');
    return {
      code: r.status,
      log: `${r.stdout}${r.stderr}`.split('\n').filter(Boolean).map(strip),
      calls: fs.readFileSync(path.join(dir, 'calls'), 'utf8').split('\n').filter(Boolean),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const REDIS_DOWN = 'redis.exceptions.ConnectionError: Error 111 connecting to redis-cache:6379. Connection refused.';

describe(`${WAIT_SCRIPT} head (the wait-for-migrations init container)`, () => {
  test('logs what it waits for and why on every attempt, and ends once the schema is at head', () => {
    const r = run(WAIT_SCRIPT, ['head'], [`fail:${REDIS_DOWN}`, 'rev:', 'rev:0c2f1e3d4b5a', 'rev:9d8e7f6a5b4c (head)'], { MIGRATION_JOB: 'superset-migrate-6-1-0-k8s-1-abcd1234' });
    expect(r.code).toBe(0);
    expect(r.log).toEqual([
      'superset-wait: waiting for the migration Job superset-migrate-6-1-0-k8s-1-abcd1234 to bring the schema to this image\'s head revision (at most 3600s)',
      expect.stringMatching(new RegExp(`^superset-wait: still waiting \\(\\d+s of 3600s\\): superset db current failed: ${REDIS_DOWN.replace(/[.()]/g, '\\$&')}$`)),
      expect.stringMatching(/still waiting .*: the schema is at no revision \(nothing migrated yet\), not at this image's head$/),
      expect.stringMatching(/still waiting .*: the schema is at 0c2f1e3d4b5a, not at this image's head$/),
      expect.stringMatching(/^superset-wait: schema at this image's head \(9d8e7f6a5b4c\) after \d+s$/),
    ]);
    expect(r.calls).toEqual(Array(4).fill('db current'));
  });

  test('gives up after its deadline with exit 1 and the last reason, so the pod restarts visibly', () => {
    const r = run(WAIT_SCRIPT, ['head'], ['rev:0c2f1e3d4b5a'], { WAIT_TIMEOUT_SECONDS: '0' });
    expect(r.code).toBe(1);
    expect(r.log.pop()).toMatch(/^superset-wait: giving up after \d+s and 1 attempts waiting for the migration Job to bring the schema to this image's head revision: the schema is at 0c2f1e3d4b5a, not at this image's head$/);
  });

  test('a wrong mode is a usage error', () => {
    expect(run(WAIT_SCRIPT, ['soon'], ['rev:']).code).toBe(2);
  });

  test('stops at once on SIGTERM while it sleeps between attempts (a shell as PID 1 would ignore it otherwise)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-wait-term-'));
    fs.writeFileSync(path.join(dir, 'plan'), 'rev:0c2f1e3d4b5a\n');
    fs.writeFileSync(path.join(dir, 'calls'), '');
    const child = spawn('/bin/sh', [path.join(SUPERSET_SCRIPTS_DIR, WAIT_SCRIPT), 'head'], {
      env: { PATH: `${FAKE_CLI}:/usr/bin:/bin`, TMPDIR: dir, FAKE_SUPERSET_PLAN: path.join(dir, 'plan'), FAKE_SUPERSET_CALLS: path.join(dir, 'calls'), WAIT_INTERVAL_SECONDS: '600', WAIT_TIMEOUT_SECONDS: '3600' },
    });
    let out = '';
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    child.stdout.on('data', (d) => {
      out += d;
      if (/still waiting/.test(out)) child.kill('SIGTERM');
    });
    const r = await ended;
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r).toEqual({ code: 143, signal: null });
    expect(out.trim().split('\n').pop()).toMatch(/superset-wait: stopped by SIGTERM while waiting for the migration Job to bring the schema/);
  }, 20_000);
});

describe(`${MIGRATE_SCRIPT} (the migration Job)`, () => {
  test('waits until the database and Redis answer, then upgrades and inits', () => {
    const r = run(MIGRATE_SCRIPT, [], [`fail:${REDIS_DOWN}`, 'fail:psycopg2.OperationalError: connection to server at "postgres" (10.0.0.7), port 5432 failed: Connection refused', 'rev:']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['db current', 'db current', 'db current', 'db upgrade', 'init']);
    expect(r.log).toEqual([
      'superset-wait: waiting for the metadata database (postgres:5432) and the Redis servers superset_config.py connects to (at most 3600s)',
      expect.stringMatching(/still waiting .*: superset db current failed: redis\.exceptions\.ConnectionError: Error 111 connecting to redis-cache:6379/),
      expect.stringMatching(/still waiting .*: superset db current failed: psycopg2\.OperationalError: connection to server at "postgres"/),
      expect.stringMatching(/^superset-wait: ready after \d+s: the database answers \(revision: none yet\)$/),
      'superset-migrate: superset db upgrade',
      'ok: db upgrade',
      'superset-migrate: superset init',
      'ok: init',
      'superset-migrate: no first admin to create (single sign-on: users are registered at their first login)',
      'superset-migrate: done',
    ]);
  });

  test('never migrates when the wait gives up, and fails the attempt', () => {
    const r = run(MIGRATE_SCRIPT, [], [`fail:${REDIS_DOWN}`], { WAIT_TIMEOUT_SECONDS: '0' });
    expect(r.code).toBe(1);
    expect(r.calls).toEqual(['db current']);
    expect(r.log.pop()).toMatch(/giving up after \d+s and 1 attempts waiting for the metadata database .*: superset db current failed: redis\.exceptions\.ConnectionError/);
  });

  test('a failed upgrade fails the Job attempt before init', () => {
    const r = run(MIGRATE_SCRIPT, [], ['rev:0c2f1e3d4b5a'], { FAKE_SUPERSET_FAIL: 'db upgrade' });
    expect(r.code).not.toBe(0);
    expect(r.calls).toEqual(['db current', 'db upgrade']);
  });
});

describe(`${MIGRATE_SCRIPT}: the first admin (AUTH_DB)`, () => {
  const ADMIN = { ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'bi-admins@acme.example', ADMIN_PASSWORD: 'not-a-real-password' };
  const users = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'superset-users-')), 'users');

  test('is created once after superset init; a re-run changes nothing and says so', () => {
    const db = users();
    const first = run(MIGRATE_SCRIPT, [], ['rev:'], ADMIN, db);
    expect(first.code).toBe(0);
    expect(first.calls.slice(2)).toEqual(['init', 'fab create-admin --username admin --firstname Superset --lastname Admin --email bi-admins@acme.example --password not-a-real-password']);
    expect(first.log).toContain('superset-migrate: created the first admin "admin" (bi-admins@acme.example) from the admin Secret');
    const again = run(MIGRATE_SCRIPT, [], ['rev:9d8e7f6a5b4c (head)'], ADMIN, db);
    expect(again.code).toBe(0);
    expect(again.log).toContain('superset-migrate: a user "admin" or one with email bi-admins@acme.example already exists: nothing changed (the Secret\'s password is never applied to an existing user)');
    expect(fs.readFileSync(db, 'utf8')).toBe('admin bi-admins@acme.example\n');
    expect(again.log.join('\n')).not.toContain('not-a-real-password');
  });

  test('an existing user with the same email counts as existing too', () => {
    const db = users();
    fs.writeFileSync(db, 'alice bi-admins@acme.example\n');
    expect(run(MIGRATE_SCRIPT, [], ['rev:'], ADMIN, db).log.join('\n')).toMatch(/already exists: nothing changed/);
  });

  test('under single sign-on (no admin Secret) no local user is created', () => {
    const r = run(MIGRATE_SCRIPT, [], ['rev:']);
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['db current', 'db upgrade', 'init']);
    expect(r.log).toContain('superset-migrate: no first admin to create (single sign-on: users are registered at their first login)');
  });

  test('a missing password fails the Job attempt instead of creating a user without one', () => {
    const r = run(MIGRATE_SCRIPT, [], ['rev:'], { ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'a@b.example' });
    expect(r.code).not.toBe(0);
    expect(r.calls).not.toContainEqual(expect.stringMatching(/^fab create-admin/));
  });
});

describe(`${WEB_SCRIPT} (the web container)`, () => {
  /** Starts the script as the container would, waits for the stand-in gunicorn, sends SIGTERM. */
  function start(env: Record<string, string>): Promise<{ pid: number; lines: string[]; code: number | null }> {
    return new Promise((resolve) => {
      const child = spawn('/bin/sh', [path.join(SUPERSET_SCRIPTS_DIR, WEB_SCRIPT)], { env: { PATH: `${FAKE_CLI}:/usr/bin:/bin`, ...env } });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (/arg superset\.app:create_app\(\)\n/.test(out)) child.kill('SIGTERM');
      });
      child.on('exit', (code) => resolve({ pid: child.pid!, lines: out.split('\n').filter(Boolean), code }));
    });
  }

  test('gunicorn replaces the shell (same PID), so the SIGTERM the kubelet sends reaches it', async () => {
    const r = await start({ GUNICORN_KEEPALIVE: '75' });
    expect(r.lines[0]).toBe(`pid ${r.pid}`);
    expect(r.lines).toContain('got SIGTERM');
    expect(r.code).toBe(0);
  });

  test('the flags of Superset 6.1\'s run-server.sh from the same variables, statsd only when configured', async () => {
    const args = (lines: string[]) => lines.filter((l) => l.startsWith('arg ')).map((l) => l.slice(4));
    const plain = args((await start({ SERVER_WORKER_AMOUNT: '5', SERVER_THREADS_AMOUNT: '4', GUNICORN_TIMEOUT: '300', GUNICORN_KEEPALIVE: '75', WORKER_MAX_REQUESTS: '1000', WORKER_MAX_REQUESTS_JITTER: '100' })).lines);
    expect(plain).toEqual([
      '--bind', '0.0.0.0:8088', '--access-logfile', '-', '--error-logfile', '-', '--workers', '5', '--worker-class', 'gthread',
      '--threads', '4', '--log-level', 'info', '--timeout', '300', '--keep-alive', '75', '--max-requests', '1000',
      '--max-requests-jitter', '100', '--limit-request-line', '0', '--limit-request-field_size', '0', 'superset.app:create_app()',
    ]);
    const statsd = args((await start({ SERVER_STATSD_HOST: '127.0.0.1', SERVER_STATSD_PORT: '9125', SERVER_STATSD_PREFIX: 'superset.web' })).lines);
    expect(statsd.slice(-5)).toEqual(['--statsd-host', '127.0.0.1:9125', '--statsd-prefix', 'superset.web', 'superset.app:create_app()']);
  });
});
