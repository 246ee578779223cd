import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUPERSET_CORE_TABLES } from '../../../lib/ops/defaults';
import { baseEnv, chownToRunner, configuredMajor, FIXTURES, freePort, installScripts, postgresInstall, run, RunResult, tempDir, TestPostgres } from './harness';
import { S3StandIn } from './s3-stand-in';

// pg-backup.sh and pg-restore-check.sh, run for real: a PostgreSQL server with a Superset-shaped
// metadata database, the least-privilege backup role docs/operations.md documents, and an S3 stand-in
// that checks every SigV4 signature. Credentials are random per run and never printed. The scripts
// and PostgreSQL run from the superset-ops stand-in's root (harness.ts), with the POSTGRES_MAJOR
// the CronJobs set.

const { major } = postgresInstall();
const credentials = {
  accessKeyId: `AKIT${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
  backupPassword: randomBytes(24).toString('hex'),
};
const BUCKET = 'superset-backups';
const REGION = 'eu-test-1';
// OPS_IT_LOG_ROWS makes the database bigger for a one-off measurement (the figures of docs/operations.md).
const SIZES = { users: 60, charts: 2000, dashboards: 120, logs: Number(process.env.OPS_IT_LOG_ROWS ?? 150000) };

let dir: string;
let scripts: string;
let pg: TestPostgres;
let s3: S3StandIn;
const measured: string[] = [];

/** A backup timestamp as the scripts write it, `daysAgo` days before now. */
function stamp(daysAgo: number): string {
  return new Date(Date.now() - daysAgo * 86400_000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** A fresh emptyDir stand-in for one run. */
function scratch(): string {
  const d = fs.mkdtempSync(path.join(dir, 'scratch-'));
  chownToRunner(d);
  return d;
}

/** The script's own summary line (timings and sizes), for the figures printed at the end. */
function summary(r: RunResult, pattern: RegExp): string {
  return r.stderr.split('\n').find((l) => pattern.test(l))?.replace(/^\S+ [\w-]+: /, '') ?? '(no summary line)';
}

function storageEnv(prefix: string): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint, S3_REGION: REGION, S3_BUCKET: BUCKET, S3_PREFIX: prefix, S3_ADDRESSING_STYLE: 'path',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  };
}

function backup(prefix: string, env: Record<string, string> = {}, extraPath: string[] = []): Promise<RunResult> {
  return run('/bin/bash', [path.join(scripts, 'pg-backup.sh')], {
    env: {
      ...baseEnv(path.join(dir, 'home'), extraPath),
      PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGDATABASE: 'superset', PGUSER: 'superset_backup',
      PGPASSWORD: credentials.backupPassword, PGCONNECT_TIMEOUT: '5',
      ...storageEnv(prefix),
      BACKUP_RETENTION_DAYS: '30', BACKUP_KEEP_LAST: '7', POSTGRES_MAJOR: String(major), SCRATCH_DIR: scratch(),
      ...env,
    },
  });
}

function restoreCheck(prefix: string, env: Record<string, string> = {}): Promise<RunResult> {
  return run('/bin/bash', [path.join(scripts, 'pg-restore-check.sh')], {
    env: {
      ...baseEnv(path.join(dir, 'home')),
      PGDATABASE: 'superset', ...storageEnv(prefix), POSTGRES_MAJOR: String(major), SCRATCH_DIR: scratch(),
      RESTORE_MAX_AGE_HOURS: '36',
      RESTORE_REQUIRED_TABLES: [...SUPERSET_CORE_TABLES, 'logs'].join(' '),
      RESTORE_NONEMPTY_TABLES: ['alembic_version', 'ab_user', 'ab_role', 'ab_permission_view', 'dashboards', 'slices', 'logs'].join(' '),
      ...env,
    },
  });
}

/** The complete backups (dump and checksum) under a prefix, oldest first. */
function completeBackups(prefix: string): string[] {
  const keys = s3.keys(`${prefix}/postgres/superset-`);
  return keys.filter((k) => k.endsWith('.dump') && keys.includes(`${k}.sha256`));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const expectFailure = (r: RunResult, code: number, message: RegExp) => {
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code, stderr: expect.stringMatching(message) });
};

beforeAll(async () => {
  dir = tempDir('ops-backup-it');
  fs.mkdirSync(path.join(dir, 'home'));
  fs.mkdirSync(path.join(dir, 'pg'));
  chownToRunner(dir);
  scripts = installScripts(dir);
  pg = await TestPostgres.start(path.join(dir, 'pg'));
  // As the database tier sets it up: Superset's database owned by its role, PUBLIC revoked.
  await pg.sql('CREATE ROLE superset LOGIN;\nCREATE DATABASE superset OWNER superset;\nREVOKE ALL ON DATABASE superset FROM PUBLIC;');
  // The backup role of docs/operations.md: read-only (pg_read_all_data), CONNECT on the database only.
  await pg.sql([
    '\\getenv pw BACKUP_PASSWORD',
    'CREATE ROLE superset_backup LOGIN PASSWORD :\'pw\';',
    'GRANT pg_read_all_data TO superset_backup;',
    'GRANT CONNECT ON DATABASE superset TO superset_backup;',
  ].join('\n'), 'postgres', { BACKUP_PASSWORD: credentials.backupPassword });
  const seeded = Date.now();
  await pg.sql(`${Object.entries(SIZES).map(([k, v]) => `\\set ${k} ${v}`).join('\n')}\n${fs.readFileSync(path.join(FIXTURES, 'superset-schema.sql'), 'utf8')}`, 'superset');
  const size = await pg.sql("SELECT pg_size_pretty(pg_database_size('superset'))");
  measured.push(`test database: PostgreSQL ${major}, ${size} (${SIZES.logs} log rows, ${SIZES.charts} charts, ${SIZES.dashboards} dashboards), seeded in ${((Date.now() - seeded) / 1000).toFixed(1)} s`);
  s3 = new S3StandIn({ ...credentials, region: REGION, bucket: BUCKET, pageSize: 3 });
  await s3.start();
});

afterAll(async () => {
  await s3?.stop();
  await pg?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  if (measured.length) console.log(`ops integration figures:\n  ${measured.join('\n  ')}`);
});

describe('the image', () => {
  test('its pg_dump, pg_restore and server are the POSTGRES_MAJOR the CronJobs set', async () => {
    for (const program of ['pg_dump', 'pg_restore', 'postgres']) {
      const r = await run(path.join(postgresInstall().bin, program), ['--version'], { env: baseEnv(dir) });
      expect(r.stdout).toMatch(new RegExp(`^${program} \\(PostgreSQL\\) ${configuredMajor()}\\.\\d+`));
    }
    expect(await pg.sql('SHOW server_version_num')).toMatch(new RegExp(`^${configuredMajor()}\\d{4}$`));
  });
});

describe('pg-backup.sh', () => {
  test('dumps from the server as the read-only backup role, checks the archive, uploads it with its checksum', async () => {
    const r = await backup('it-main');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/backup complete/) });
    measured.push(`pg-backup.sh: ${r.seconds.toFixed(1)} s wall; ${summary(r, /stored s3:/)}`);

    const [dumpKey] = completeBackups('it-main');
    expect(dumpKey).toMatch(/^it-main\/postgres\/superset-\d{8}T\d{6}Z\.dump$/);
    const dump = s3.objects.get(dumpKey)!.body;
    const sum = s3.objects.get(`${dumpKey}.sha256`)!.body.toString();
    expect(sum).toBe(`${sha256(dump)}  ${path.basename(dumpKey)}\n`); // sha256sum --check format
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump custom format

    // The object itself restores-lists: every table's data is in it.
    const local = path.join(dir, 'downloaded.dump');
    fs.writeFileSync(local, dump);
    chownToRunner(local);
    const list = await run(path.join(postgresInstall().bin, 'pg_restore'), ['--list', local], { env: baseEnv(dir) });
    for (const table of ['ab_user', 'dashboards', 'slices', 'logs', 'alembic_version']) expect(list.stdout).toMatch(new RegExp(`TABLE DATA public ${table} `));
    // Every request was signed; the PUTs carried the payload hash the stand-in verified.
    expect(s3.requests.filter((q) => q.status === 403)).toEqual([]);
    expect(s3.requests.filter((q) => q.method === 'PUT').map((q) => q.key)).toEqual([dumpKey, `${dumpKey}.sha256`]);
  });

  test('retention: older than 30 days goes, the newest 3 complete always stay, incomplete and foreign objects are handled', async () => {
    const p = 'it-retention/postgres';
    const old = { d2: stamp(2), d31: stamp(31), d35: stamp(35), d40: stamp(40), d45: stamp(45) };
    for (const s of [old.d2, old.d31, old.d35, old.d40]) {
      s3.put(`${p}/superset-${s}.dump`, `dump ${s}`);
      s3.put(`${p}/superset-${s}.dump.sha256`, `sum ${s}`);
    }
    s3.put(`${p}/superset-${old.d45}.dump`, 'an old dump whose checksum upload failed');
    s3.put(`${p}/superset-notes.txt`, 'not a backup');
    s3.put(`${p}/supersetx-${old.d45}.dump`, 'another database');

    const r = await backup('it-retention', { BACKUP_KEEP_LAST: '3' });
    expect(r.code).toBe(0);
    const fresh = s3.keys(`${p}/superset-`).filter((k) => !Object.values(old).some((s) => k.includes(s)) && k.endsWith('.dump'));
    expect(fresh).toHaveLength(1);
    expect(s3.keys(p)).toEqual([
      `${p}/superset-${old.d31}.dump`, `${p}/superset-${old.d31}.dump.sha256`, // older than 30 days, but among the newest 3 complete
      `${p}/superset-${old.d2}.dump`, `${p}/superset-${old.d2}.dump.sha256`,
      fresh[0], `${fresh[0]}.sha256`,
      `${p}/superset-notes.txt`,
      `${p}/supersetx-${old.d45}.dump`,
    ].sort());
    expect(r.stderr).toMatch(/retention: 3 backups kept \(5 complete, the newest 3 always\), 3 deleted/);
    // The listing came in pages of 3: the continuation token (base64, with + / =) was signed right.
    expect(s3.requests.filter((q) => q.method === 'GET' && q.query.includes('continuation-token')).length).toBeGreaterThan(0);
  });

  describe('failure paths exit non-zero and never delete an older backup', () => {
    const p = 'it-retention';
    let before: string[];
    beforeEach(() => {
      before = s3.keys(p);
      s3.fault = undefined;
    });
    afterEach(() => {
      s3.fault = undefined;
    });

    test('unreachable database', async () => {
      const r = await backup(p, { PGPORT: String(await freePort()) });
      expectFailure(r, 1, /cannot query 127\.0\.0\.1:\d+\/superset as superset_backup; nothing was uploaded or deleted/);
      expect(s3.keys(p)).toEqual(before);
    });

    test('wrong database password', async () => {
      const r = await backup(p, { PGPASSWORD: randomBytes(8).toString('hex') });
      expectFailure(r, 1, /password authentication failed[\s\S]*nothing was uploaded or deleted/);
      expect(s3.keys(p)).toEqual(before);
    });

    test('object storage refuses the upload (HTTP 500, retried by curl)', async () => {
      s3.fault = (method, key) => (method === 'PUT' && key.endsWith('.dump') ? 500 : undefined);
      const r = await backup(p);
      expectFailure(r, 1, /HTTP 500 \(InternalError\)[\s\S]*upload of .* failed; older backups are untouched/);
      expect(s3.requests.filter((q) => q.method === 'PUT' && q.status === 500).length).toBeGreaterThanOrEqual(4); // 1 + 3 retries
      expect(s3.keys(p)).toEqual(before);
    });

    test('the checksum upload fails: the dump is left incomplete (no checksum), older backups intact', async () => {
      s3.fault = (method, key) => (method === 'PUT' && key.endsWith('.sha256') ? 503 : undefined);
      const r = await backup(p);
      expectFailure(r, 1, /upload of the checksum failed/);
      const added = s3.keys(p).filter((k) => !before.includes(k));
      expect(added).toHaveLength(1);
      expect(added[0]).toMatch(/\.dump$/);
      expect(before.every((k) => s3.objects.has(k))).toBe(true);
      s3.objects.delete(added[0]);
    });

    test('wrong object-storage secret key (403, not retried)', async () => {
      const r = await backup(p, { AWS_SECRET_ACCESS_KEY: randomBytes(30).toString('base64') });
      expectFailure(r, 1, /HTTP 403 \(SignatureDoesNotMatch\)/);
      expect(s3.keys(p)).toEqual(before);
    });

    test('object storage unreachable', async () => {
      const r = await backup(p, { S3_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
      expectFailure(r, 1, /no answer from http:\/\/127\.0\.0\.1:\d+/);
      expect(s3.keys(p)).toEqual(before);
    });

    test('corrupt archive (pg_dump wrote garbage and exited 0): not uploaded', async () => {
      const fake = path.join(dir, 'fake-bin');
      fs.mkdirSync(fake, { recursive: true });
      fs.writeFileSync(path.join(fake, 'pg_dump'), [
        '#!/bin/bash',
        `[[ "$1" == --version ]] && exec ${postgresInstall().bin}/pg_dump --version`,
        'for a in "$@"; do [[ "$a" == --file=* ]] && head -c 100000 /dev/urandom > "${a#--file=}"; done',
        'exit 0',
      ].join('\n'), { mode: 0o755 });
      chownToRunner(fake);
      const requests = s3.requests.length;
      const r = await backup(p, {}, [fake]);
      expectFailure(r, 1, /pg_restore cannot read the new archive \(corrupt\); nothing was uploaded or deleted/);
      expect(s3.requests.length).toBe(requests); // it never even talked to the bucket
      expect(s3.keys(p)).toEqual(before);
    });

    test('the image\'s pg_dump is not the configured major: permanent failure (exit 3)', async () => {
      const r = await backup(p, { POSTGRES_MAJOR: String(major + 1) });
      expectFailure(r, 3, new RegExp(`pg_dump is PostgreSQL ${major} but the server is configured as ${major + 1}`));
      expect(s3.keys(p)).toEqual(before);
    });
  });
});

describe('pg-restore-check.sh', () => {
  test('restores the newest complete backup into a throwaway PostgreSQL and the sanity queries pass', async () => {
    // A newer dump without its checksum is an incomplete backup: skipped.
    const incomplete = `it-main/postgres/superset-${stamp(0).replace(/..Z$/, '59Z')}.dump`;
    s3.put(incomplete, 'incomplete');
    const [complete] = completeBackups('it-main');
    const r = await restoreCheck('it-main');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/restore check passed/) });
    expect(r.stderr).toContain(`newest complete backup: ${path.basename(complete)}`);
    expect(r.stderr).toMatch(new RegExp(`dashboards=${SIZES.dashboards} slices=${SIZES.charts} logs=${SIZES.logs} revision=c233f5365c9e`));
    measured.push(`pg-restore-check.sh: ${r.seconds.toFixed(1)} s wall; ${summary(r, /restored superset-/)}`);
    // It reads only: nothing written or deleted.
    expect(s3.requests.filter((q) => q.key.startsWith('it-main') && ['PUT', 'DELETE'].includes(q.method) && q.key === incomplete)).toEqual([]);
    s3.objects.delete(incomplete);
  });

  test('fails loudly: a missing table and an empty table', async () => {
    const r = await restoreCheck('it-main', { RESTORE_REQUIRED_TABLES: 'ab_user no_such_table key_value', RESTORE_NONEMPTY_TABLES: 'ab_user key_value' });
    expectFailure(r, 3, /FAILED: table no_such_table is missing[\s\S]*FAILED: table key_value is empty[\s\S]*restore check of .* failed \(2 problem\(s\)\)/);
  });

  test('a corrupted object (checksum mismatch): exit 3, nothing deleted', async () => {
    const [key] = completeBackups('it-main').slice(-1);
    const original = s3.objects.get(key)!.body;
    const corrupted = Buffer.from(original);
    corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
    s3.put(key, corrupted);
    const before = s3.keys('it-main');
    try {
      const r = await restoreCheck('it-main');
      expectFailure(r, 3, /checksum mismatch: .* is not the file that was backed up/);
      expect(s3.keys('it-main')).toEqual(before);
    } finally {
      s3.put(key, original);
    }
  });

  test('an archive that was corrupt when it was taken (its checksum matches): exit 3', async () => {
    const garbage = randomBytes(4096);
    const name = `superset-${stamp(0)}.dump`;
    s3.put(`it-garbage/postgres/${name}`, garbage);
    s3.put(`it-garbage/postgres/${name}.sha256`, `${sha256(garbage)}  ${name}\n`);
    const r = await restoreCheck('it-garbage');
    expectFailure(r, 3, /pg_restore cannot read superset-.*\.dump/);
  });

  test('the newest backup is too old (backups stopped): exit 3 after restoring it', async () => {
    const [key] = completeBackups('it-main').slice(-1);
    const name = `superset-${stamp(3)}.dump`;
    const body = s3.objects.get(key)!.body;
    s3.put(`it-old/postgres/${name}`, body);
    s3.put(`it-old/postgres/${name}.sha256`, `${sha256(body)}  ${name}\n`);
    const r = await restoreCheck('it-old', { RESTORE_MAX_AGE_HOURS: '36' });
    expectFailure(r, 3, /FAILED: the newest backup is 7\d h old, more than 36 h: are the backups failing\?/);
    expect(r.stderr).toMatch(/restored superset-/);
  });

  test('no backup at all: exit 3', async () => {
    const r = await restoreCheck('it-empty');
    expectFailure(r, 3, /no complete backup \(dump \+ \.sha256\) under s3:\/\/superset-backups\/it-empty\/postgres\/superset-/);
  });
});

describe('virtual-hosted addressing (https://<bucket>.<endpoint>/<key>)', () => {
  test('backup and restore check work the same', async () => {
    const env = { S3_ENDPOINT: s3.localhostEndpoint, S3_ADDRESSING_STYLE: 'virtual' };
    const b = await backup('it-virtual', env);
    expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/backup complete/) });
    expect(completeBackups('it-virtual')).toHaveLength(1);
    const r = await restoreCheck('it-virtual', env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/restore check passed/) });
  });
});
