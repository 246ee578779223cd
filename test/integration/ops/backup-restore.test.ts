import { execFile, execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { keyPairText, rawKeyPair } from '../../../lib/config/key-pairs';
import { SUPERSET_CORE_TABLES } from '../../../lib/ops/defaults';
import { BACKUP_SIGNATURE_NAMESPACE } from '../../../lib/ops/secrets';
import { baseEnv, chownToRunner, configuredMajor, FIXTURES, freePort, installScripts, postgresInstall, run, RunResult, tempDir, TestPostgres } from './harness';
import { S3StandIn } from './s3-stand-in';
import { StsStandIn } from './sts-stand-in';

// pg-backup.sh and pg-restore-check.sh, run for real: a PostgreSQL server with a Superset-shaped
// metadata database, the least-privilege backup role docs/operations.md documents, and an S3 stand-in
// that checks every SigV4 signature and each key's policy: pg-backup writes with a key that may
// list, get, put and delete, the restore check reads with one that may only list and get. The
// dumps are encrypted with age and their checksums signed with ssh-keygen, with key pairs made by
// the code `npm run secrets` runs. Credentials are random per run and never printed.
// The scripts and PostgreSQL run from the superset-ops stand-in's root (harness.ts), with the
// POSTGRES_MAJOR the CronJobs set.

const { major } = postgresInstall();
const credentials = {
  accessKeyId: `AKIT${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString('base64'),
  backupPassword: randomBytes(24).toString('hex'),
};
const readOnly = { accessKeyId: `AKRO${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
const agePair = keyPairText('age-x25519', rawKeyPair('age-x25519'), 'it');
const signingPair = keyPairText('ssh-ed25519', rawKeyPair('ssh-ed25519'), 'pg-backup');
/** The key files as the pods' Secret volumes hold them. */
const keyFiles = { recipient: '', signingKey: '', identity: '', verifyKey: '' };
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

function storageEnv(prefix: string, key: { accessKeyId: string; secretAccessKey: string } = credentials): Record<string, string> {
  return {
    S3_ENDPOINT: s3.endpoint, S3_REGION: REGION, S3_BUCKET: BUCKET, S3_PREFIX: prefix, S3_ADDRESSING_STYLE: 'path',
    AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
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
      BACKUP_AGE_RECIPIENT_FILE: keyFiles.recipient, BACKUP_SIGNING_KEY_FILE: keyFiles.signingKey, BACKUP_SIGNATURE_NAMESPACE,
      ...env,
    },
  });
}

function restoreCheck(prefix: string, env: Record<string, string> = {}): Promise<RunResult> {
  return run('/bin/bash', [path.join(scripts, 'pg-restore-check.sh')], {
    env: {
      ...baseEnv(path.join(dir, 'home')),
      PGDATABASE: 'superset', ...storageEnv(prefix, readOnly), POSTGRES_MAJOR: String(major), SCRATCH_DIR: scratch(),
      RESTORE_MAX_AGE_HOURS: '36', RESTORE_ROLE: 'superset',
      RESTORE_AGE_IDENTITY_FILE: keyFiles.identity, RESTORE_VERIFY_KEY_FILE: keyFiles.verifyKey, BACKUP_SIGNATURE_NAMESPACE,
      RESTORE_REQUIRED_TABLES: [...SUPERSET_CORE_TABLES, 'logs'].join(' '),
      RESTORE_NONEMPTY_TABLES: ['alembic_version', 'ab_user', 'ab_role', 'ab_permission_view', 'dashboards', 'slices', 'logs'].join(' '),
      ...env,
    },
  });
}

/** The complete backups (encrypted dump, checksum and signature) under a prefix, oldest first. */
function completeBackups(prefix: string): string[] {
  const keys = s3.keys(`${prefix}/pg-dump/superset-`);
  return keys.filter((k) => k.endsWith('.dump.age') && keys.includes(`${k}.sha256`) && keys.includes(`${k}.sha256.sig`));
}

/**
 * Stores a backup the way pg-backup.sh does (age to the recipient, sha256sum, ssh-keygen -Y sign),
 * from a plain pg_dump archive; `signWith` another private key to forge one.
 */
function plant(prefix: string, stampText: string, plain: Buffer, signWith = keyFiles.signingKey): string {
  const work = fs.mkdtempSync(path.join(dir, 'plant-'));
  const name = `superset-${stampText}.dump.age`;
  fs.writeFileSync(path.join(work, 'plain'), plain);
  execFileSync('age', ['--encrypt', '--recipients-file', keyFiles.recipient, '--output', path.join(work, name), path.join(work, 'plain')]);
  const encrypted = fs.readFileSync(path.join(work, name));
  fs.writeFileSync(path.join(work, `${name}.sha256`), `${sha256(encrypted)}  ${name}\n`);
  fs.copyFileSync(signWith, path.join(work, 'key'));
  fs.chmodSync(path.join(work, 'key'), 0o600);
  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', path.join(work, 'key'), '-n', BACKUP_SIGNATURE_NAMESPACE, path.join(work, `${name}.sha256`)], { stdio: 'ignore' });
  const key = `${prefix}/pg-dump/${name}`;
  s3.put(key, encrypted);
  s3.put(`${key}.sha256`, fs.readFileSync(path.join(work, `${name}.sha256`)));
  s3.put(`${key}.sha256.sig`, fs.readFileSync(path.join(work, `${name}.sha256.sig`)));
  fs.rmSync(work, { recursive: true, force: true });
  return key;
}

/** The plain pg_dump archive inside a stored backup (decrypted with the identity). */
function decrypted(key: string): Buffer {
  return execFileSync('age', ['--decrypt', '--identity', keyFiles.identity], { input: s3.objects.get(key)!.body, maxBuffer: 1 << 30 });
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
  // The keys as Secret volumes present them: one file each, readable by the pod's group.
  const keys = path.join(dir, 'keys');
  fs.mkdirSync(keys);
  const writeKey = (file: string, text: string) => {
    fs.writeFileSync(path.join(keys, file), text.endsWith('\n') ? text : `${text}\n`, { mode: 0o440 });
    return path.join(keys, file);
  };
  keyFiles.recipient = writeKey('age-recipient', agePair.public);
  keyFiles.identity = writeKey('age-identity', agePair.private);
  keyFiles.signingKey = writeKey('signing-key', signingPair.private);
  keyFiles.verifyKey = writeKey('verify-key', signingPair.public);
  chownToRunner(keys);
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
  // The bucket policy of docs/operations.md: the writing key everything, the restore check's key list and get.
  s3 = new S3StandIn({ ...credentials, keys: [{ ...readOnly, allow: { list: [''], get: [''] } }], region: REGION, bucket: BUCKET, pageSize: 3 });
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
  test('dumps from the server as the read-only backup role, checks the archive, uploads it encrypted with its signed checksum', async () => {
    const r = await backup('it-main');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/backup complete/) });
    measured.push(`pg-backup.sh: ${r.seconds.toFixed(1)} s wall; ${summary(r, /stored s3:/)}`);

    const [dumpKey] = completeBackups('it-main');
    expect(dumpKey).toMatch(/^it-main\/pg-dump\/superset-\d{8}T\d{6}Z\.dump\.age$/);
    const stored = s3.objects.get(dumpKey)!.body;
    const sum = s3.objects.get(`${dumpKey}.sha256`)!.body.toString();
    expect(sum).toBe(`${sha256(stored)}  ${path.basename(dumpKey)}\n`); // sha256sum --check format
    // Encrypted at rest: age's header, and no trace of the data (a user name of the fixture) in the object.
    expect(stored.subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    expect(stored.includes(Buffer.from('alembic_version'))).toBe(false);
    // The signature verifies with the public key, for this checksum only.
    const verify = (data: string) => {
      fs.writeFileSync(path.join(dir, 'allowed'), `pg-backup namespaces="${BACKUP_SIGNATURE_NAMESPACE}" ${signingPair.public}\n`);
      fs.writeFileSync(path.join(dir, 'sig'), s3.objects.get(`${dumpKey}.sha256.sig`)!.body);
      try {
        execFileSync('ssh-keygen', ['-Y', 'verify', '-f', path.join(dir, 'allowed'), '-I', 'pg-backup', '-n', BACKUP_SIGNATURE_NAMESPACE, '-s', path.join(dir, 'sig')], { input: data, stdio: ['pipe', 'ignore', 'ignore'] });
        return true;
      } catch {
        return false;
      }
    };
    expect([verify(sum), verify(sum.replace(/^./, (c) => (c === '0' ? '1' : '0')))]).toEqual([true, false]);
    const dump = decrypted(dumpKey);
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP'); // pg_dump custom format

    // The object itself restores-lists: every table's data is in it.
    const local = path.join(dir, 'downloaded.dump');
    fs.writeFileSync(local, dump);
    chownToRunner(local);
    const list = await run(path.join(postgresInstall().bin, 'pg_restore'), ['--list', local], { env: baseEnv(dir) });
    for (const table of ['ab_user', 'dashboards', 'slices', 'logs', 'alembic_version']) expect(list.stdout).toMatch(new RegExp(`TABLE DATA public ${table} `));
    // Every request was signed; the PUTs carried the payload hash the stand-in verified.
    expect(s3.requests.filter((q) => q.status === 403)).toEqual([]);
    expect(s3.requests.filter((q) => q.method === 'PUT').map((q) => q.key)).toEqual([dumpKey, `${dumpKey}.sha256`, `${dumpKey}.sha256.sig`]);
  });

  test('retention: older than 30 days goes, the newest 3 complete always stay, incomplete and foreign objects are handled', async () => {
    const p = 'it-retention/pg-dump';
    const old = { d2: stamp(2), d31: stamp(31), d35: stamp(35), d40: stamp(40), d45: stamp(45) };
    for (const s of [old.d2, old.d31, old.d35, old.d40]) {
      s3.put(`${p}/superset-${s}.dump.age`, `dump ${s}`);
      s3.put(`${p}/superset-${s}.dump.age.sha256`, `sum ${s}`);
      s3.put(`${p}/superset-${s}.dump.age.sha256.sig`, `sig ${s}`);
    }
    s3.put(`${p}/superset-${old.d45}.dump.age`, 'an old dump whose checksum upload failed');
    s3.put(`${p}/superset-notes.txt`, 'not a backup');
    s3.put(`${p}/supersetx-${old.d45}.dump.age`, 'another database');

    const r = await backup('it-retention', { BACKUP_KEEP_LAST: '3' });
    expect(r.code).toBe(0);
    const fresh = s3.keys(`${p}/superset-`).filter((k) => !Object.values(old).some((s) => k.includes(s)) && k.endsWith('.dump.age'));
    expect(fresh).toHaveLength(1);
    const complete = (k: string) => [k, `${k}.sha256`, `${k}.sha256.sig`];
    expect(s3.keys(p)).toEqual([
      ...complete(`${p}/superset-${old.d31}.dump.age`), // older than 30 days, but among the newest 3 complete
      ...complete(`${p}/superset-${old.d2}.dump.age`),
      ...complete(fresh[0]),
      `${p}/superset-notes.txt`,
      `${p}/supersetx-${old.d45}.dump.age`,
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
      s3.fault = (method, key) => (method === 'PUT' && key.endsWith('.dump.age') ? 500 : undefined);
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
      expect(added[0]).toMatch(/\.dump\.age$/);
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
  test('restores the newest complete backup with the read-only key, as the owner role, and the sanity queries pass', async () => {
    // A newer dump without its signature is an incomplete backup: skipped.
    const incomplete = `it-main/pg-dump/superset-${stamp(0).replace(/..Z$/, '59Z')}.dump.age`;
    s3.put(incomplete, 'incomplete');
    s3.put(`${incomplete}.sha256`, 'incomplete');
    const [complete] = completeBackups('it-main');
    const requests = s3.requests.length;
    const r = await restoreCheck('it-main');
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/restore check passed/) });
    expect(r.stderr).toContain(`newest complete backup: ${path.basename(complete)}`);
    expect(r.stderr).toMatch(new RegExp(`dashboards=${SIZES.dashboards} slices=${SIZES.charts} logs=${SIZES.logs} revision=c233f5365c9e`));
    measured.push(`pg-restore-check.sh: ${r.seconds.toFixed(1)} s wall; ${summary(r, /restored superset-/)}`);
    // It reads only, and only with the read-only key.
    const own = s3.requests.slice(requests);
    expect(own.length).toBeGreaterThan(3);
    expect(own.filter((q) => q.accessKeyId !== readOnly.accessKeyId || !['GET', 'HEAD'].includes(q.method))).toEqual([]);
    s3.objects.delete(incomplete);
    s3.objects.delete(`${incomplete}.sha256`);
  });

  test('the read-only key really is read-only: the bucket refuses its PUT and DELETE (AccessDenied)', async () => {
    const [key] = completeBackups('it-main').slice(-1);
    const before = s3.keys('it-main');
    const lib = path.join(scripts, 'ops-lib.sh');
    const r = await run('/bin/bash', ['-c', `source ${lib}; printf x > "$TMPDIR/x"; s3_put "$TMPDIR/x" "${key}"; echo "put=$?"; s3_delete "${key}"; echo "delete=$?"`], {
      env: { ...baseEnv(path.join(dir, 'home')), ...storageEnv('it-main', readOnly) },
    });
    expect(r.stdout).toBe('put=1\ndelete=1\n');
    expect(r.stderr).toMatch(/PUT .*: HTTP 403 \(AccessDenied\)[\s\S]*DELETE .*: HTTP 403 \(AccessDenied\)/);
    expect(s3.keys('it-main')).toEqual(before);
    // ...and pg-backup with that key fails at its first upload, leaving nothing behind.
    const b = await backup('it-readonly', storageEnv('it-readonly', readOnly));
    expectFailure(b, 1, /HTTP 403 \(AccessDenied\)[\s\S]*upload of .* failed/);
    expect(s3.keys('it-readonly')).toEqual([]);
  });

  test('fails loudly: a missing table and an empty table', async () => {
    const r = await restoreCheck('it-main', { RESTORE_REQUIRED_TABLES: 'ab_user no_such_table key_value', RESTORE_NONEMPTY_TABLES: 'ab_user key_value' });
    expectFailure(r, 3, /FAILED: table no_such_table is missing[\s\S]*FAILED: table key_value is empty[\s\S]*restore check of .* failed \(2 problem\(s\)\)/);
  });

  describe('a tampered or forged backup is refused (exit 3), before it is decrypted or restored', () => {
    let key: string;
    let original: { dump: Buffer; sum: Buffer; sig: Buffer };
    beforeEach(() => {
      [key] = completeBackups('it-main').slice(-1);
      original = { dump: s3.objects.get(key)!.body, sum: s3.objects.get(`${key}.sha256`)!.body, sig: s3.objects.get(`${key}.sha256.sig`)!.body };
    });
    afterEach(() => {
      s3.put(key, original.dump);
      s3.put(`${key}.sha256`, original.sum);
      s3.put(`${key}.sha256.sig`, original.sig);
    });
    const refused = async (message: RegExp) => {
      const before = s3.keys('it-main');
      const r = await restoreCheck('it-main');
      expectFailure(r, 3, message);
      expect(r.stderr).not.toMatch(/restored superset-|did not restore/); // never reached the restore
      expect(s3.keys('it-main')).toEqual(before);
    };

    test('one flipped byte in the stored dump: the signed checksum no longer matches', async () => {
      const corrupted = Buffer.from(original.dump);
      corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
      s3.put(key, corrupted);
      await refused(/checksum mismatch: .* is not the file that was backed up/);
    });

    test('a replaced dump with a matching new checksum (what a writer without the signing key can do): the signature does not verify', async () => {
      const forged = Buffer.from(original.dump);
      forged[forged.length - 10] ^= 0x01;
      s3.put(key, forged);
      s3.put(`${key}.sha256`, `${sha256(forged)}  ${path.basename(key)}\n`);
      await refused(/the signature of .*\.sha256 does not verify against the verify key: not written by pg-backup \(forged or tampered\)/);
    });

    test('a whole backup signed with another key (the forger\'s own): refused', async () => {
      const other = keyPairText('ssh-ed25519', rawKeyPair('ssh-ed25519'), 'pg-backup');
      const otherKey = path.join(dir, 'other-signing-key');
      fs.writeFileSync(otherKey, other.private, { mode: 0o600 });
      plant('it-main', path.basename(key).replace(/^superset-|\.dump\.age$/g, ''), decrypted(key), otherKey);
      await refused(/does not verify against the verify key/);
    });

    test('a genuinely signed checksum of an older backup replayed under the newest name: refused', async () => {
      const older = plant('it-replay', stamp(5), decrypted(key));
      s3.put(key, s3.objects.get(older)!.body);
      s3.put(`${key}.sha256`, s3.objects.get(`${older}.sha256`)!.body);
      s3.put(`${key}.sha256.sig`, s3.objects.get(`${older}.sha256.sig`)!.body);
      await refused(/the signed checksum names another file than .* \(a signed checksum of another backup, replayed\?\)/);
    });
  });

  test('a validly signed dump whose SQL needs a superuser (an event trigger) does not restore as the owner role: exit 3', async () => {
    // As a superuser could plant it: an event trigger runs its function for every DDL of anyone.
    await pg.sql('CREATE DATABASE evil;');
    await pg.sql([
      'CREATE TABLE ab_user (id int);',
      'CREATE FUNCTION grab() RETURNS event_trigger LANGUAGE plpgsql AS $$BEGIN RAISE NOTICE $x$owned$x$; END$$;',
      'CREATE EVENT TRIGGER grab ON ddl_command_start EXECUTE FUNCTION grab();',
    ].join('\n'), 'evil');
    const local = path.join(dir, 'evil.dump');
    await run(path.join(postgresInstall().bin, 'pg_dump'), ['-Fc', '-h', pg.socketDir, '-p', String(pg.port), '-U', 'ops_admin', '-f', local, 'evil'], { env: baseEnv(dir) });
    plant('it-evil', stamp(0), fs.readFileSync(local));
    const r = await restoreCheck('it-evil', { RESTORE_REQUIRED_TABLES: 'ab_user', RESTORE_NONEMPTY_TABLES: '' });
    expectFailure(r, 3, /permission denied to create event trigger[\s\S]*did not restore as the owner role superset \(no superuser\): a dump that needs one is refused/);
  });

  test('an archive that was corrupt when it was taken (signed, checksum matches): exit 3', async () => {
    plant('it-garbage', stamp(0), randomBytes(4096));
    const r = await restoreCheck('it-garbage');
    expectFailure(r, 3, /pg_restore cannot read superset-.*\.dump\.age/);
  });

  test('a key pair that does not match pg-backup\'s recipient: exit 3, says which key', async () => {
    const other = keyPairText('age-x25519', rawKeyPair('age-x25519'), 'other');
    const identity = path.join(dir, 'keys', 'other-identity');
    fs.writeFileSync(identity, `${other.private}\n`, { mode: 0o440 });
    chownToRunner(identity);
    const r = await restoreCheck('it-main', { RESTORE_AGE_IDENTITY_FILE: identity });
    expectFailure(r, 3, /age cannot decrypt .* with RESTORE_AGE_IDENTITY_FILE/);
  });

  test('the newest backup is too old (backups stopped): exit 3 after restoring it', async () => {
    const [key] = completeBackups('it-main').slice(-1);
    plant('it-old', stamp(3), decrypted(key));
    const r = await restoreCheck('it-old', { RESTORE_MAX_AGE_HOURS: '36' });
    expectFailure(r, 3, /FAILED: the newest backup is 7\d h old, more than 36 h: are the backups failing\?/);
    expect(r.stderr).toMatch(/restored superset-/);
  });

  test('no backup at all: exit 3', async () => {
    const r = await restoreCheck('it-empty');
    expectFailure(r, 3, /no complete backup \(\.dump\.age \+ \.sha256 \+ \.sig\) under s3:\/\/superset-backups\/it-empty\/pg-dump\/superset-/);
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

describe('cloud identity (credentials "webIdentity"): temporary credentials for the projected ServiceAccount token, no stored key', () => {
  const WRITE_ROLE = 'arn:aws:iam::123456789012:role/it-superset-backup';
  const READ_ROLE = 'arn:aws:iam::123456789012:role/it-superset-restore-check';
  const AUDIENCE = 'sts.amazonaws.com';
  let sts: StsStandIn;
  let caFile: string;
  const tokenFiles = { write: '', read: '' };

  /** A token file as the projected volume presents it (group-readable for the pod's fsGroup). */
  const writeToken = (name: string, token: string) => {
    const file = path.join(dir, 'web-identity', name);
    fs.writeFileSync(file, token, { mode: 0o440 });
    chownToRunner(file);
    return file;
  };

  /** The env the CronJob renders in this mode: no access key, the role, the token file, the token service. */
  const webEnv = (prefix: string, role: string, tokenFile: string): Record<string, string> => ({
    ...storageEnv(prefix), AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '',
    AWS_ROLE_ARN: role, AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile, AWS_STS_ENDPOINT: sts.endpoint,
    AWS_ROLE_SESSION_NAME: 'pg-backup-29400000-abcde', AWS_SESSION_DURATION_SECONDS: '3600',
    CURL_CA_BUNDLE: caFile,
  });
  const temporaryKeys = () => new Set(s3.requests.map((q) => q.accessKeyId).filter((k) => k.startsWith('ASIA')));
  const secretsIn = (text: string) => [...temporaryKeys()].some((k) => text.includes(k.slice(4))) || text.includes(fs.readFileSync(tokenFiles.write, 'utf8'));

  beforeAll(async () => {
    fs.mkdirSync(path.join(dir, 'web-identity'));
    chownToRunner(path.join(dir, 'web-identity'));
    const key = path.join(dir, 'web-identity', 'sts.key');
    caFile = path.join(dir, 'web-identity', 'sts.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', caFile,
      '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    chownToRunner(caFile);
    sts = new StsStandIn({
      s3, audience: AUDIENCE, tls: { cert: fs.readFileSync(caFile, 'utf8'), key: fs.readFileSync(key, 'utf8') },
      roles: [
        { roleArn: WRITE_ROLE, subject: 'system:serviceaccount:superset-it:superset-ops', allow: { list: [''], get: [''], put: [''], delete: [''] } },
        { roleArn: READ_ROLE, subject: 'system:serviceaccount:superset-it:superset-ops-read', allow: { list: [''], get: [''] } },
      ],
    });
    await sts.start();
    tokenFiles.write = writeToken('superset-ops', sts.token('system:serviceaccount:superset-it:superset-ops'));
    tokenFiles.read = writeToken('superset-ops-read', sts.token('system:serviceaccount:superset-it:superset-ops-read'));
  });

  afterAll(async () => {
    await sts?.stop();
  });

  test('pg-backup assumes the writing role and uploads with its temporary keys; the restore check assumes the read-only one and only reads', async () => {
    const before = s3.requests.length;
    const b = await backup('it-web', webEnv('it-web', WRITE_ROLE, tokenFiles.write));
    expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/assumed arn:aws:iam::123456789012:role\/it-superset-backup[\s\S]*backup complete/) });
    expect(completeBackups('it-web')).toHaveLength(1);
    const backupRequests = s3.requests.slice(before);
    // Every request was signed with a temporary key (and its session token, which the stand-in checks).
    expect(backupRequests.filter((q) => !q.accessKeyId.startsWith('ASIA') || q.status >= 300)).toEqual([]);
    expect(sts.calls.map((c) => [c.roleArn, c.sessionName, c.durationSeconds, c.status])).toEqual([[WRITE_ROLE, 'pg-backup-29400000-abcde', 3600, 200]]);

    const middle = s3.requests.length;
    const r = await restoreCheck('it-web', webEnv('it-web', READ_ROLE, tokenFiles.read));
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/restore check passed/) });
    const readKeys = new Set(s3.requests.slice(middle).map((q) => q.accessKeyId));
    expect(readKeys.size).toBe(1);
    expect([...readKeys][0]).not.toBe(backupRequests[0].accessKeyId);
    expect(s3.requests.slice(middle).filter((q) => !['GET', 'HEAD'].includes(q.method))).toEqual([]);
    // Neither the token nor a temporary secret reaches a log.
    expect(secretsIn(b.stderr + b.stdout + r.stderr + r.stdout)).toBe(false);
  });

  test('the read-only role\'s temporary keys cannot write or delete, and the restore check\'s token cannot assume the writing role', async () => {
    const lib = path.join(scripts, 'ops-lib.sh');
    const [key] = completeBackups('it-web');
    const before = s3.keys('it-web');
    const r = await run('/bin/bash', ['-c', `source ${lib}; require_s3_credentials; printf x > "$TMPDIR/x"; s3_put "$TMPDIR/x" "${key}"; echo "put=$?"; s3_delete "${key}"; echo "delete=$?"`], {
      env: { ...baseEnv(path.join(dir, 'home')), ...webEnv('it-web', READ_ROLE, tokenFiles.read) },
    });
    expect(r.stdout).toBe('put=1\ndelete=1\n');
    expect(r.stderr).toMatch(/PUT .*: HTTP 403 \(AccessDenied\)[\s\S]*DELETE .*: HTTP 403 \(AccessDenied\)/);
    expect(s3.keys('it-web')).toEqual(before);
    // The trust policy of the writing role names superset-ops only: exit 3, nothing written.
    const b = await backup('it-web-denied', webEnv('it-web-denied', WRITE_ROLE, tokenFiles.read));
    expectFailure(b, 3, /AssumeRoleWithWebIdentity arn:aws:iam::123456789012:role\/it-superset-backup: HTTP 403 \(AccessDenied/);
    expect(s3.keys('it-web-denied')).toEqual([]);
  });

  test('a forged token, a token for another audience and a plain-HTTP token service are refused before anything is read or written', async () => {
    const genuine = fs.readFileSync(tokenFiles.write, 'utf8');
    const [header, , signature] = genuine.split('.');
    const claims = Buffer.from(JSON.stringify({ iss: 'https://oidc.integration.test', sub: 'system:serviceaccount:superset-it:superset-ops', aud: [AUDIENCE], exp: 4102444800 })).toString('base64url');
    const forged = writeToken('forged', `${header}.${claims}.${signature}`);
    const b = await backup('it-web-forged', webEnv('it-web-forged', WRITE_ROLE, forged));
    expectFailure(b, 3, /HTTP 400 \(InvalidIdentityToken: signature does not verify\)/);
    const otherAudience = writeToken('other-audience', sts.token('system:serviceaccount:superset-it:superset-ops', 'https://kubernetes.default.svc'));
    const a = await backup('it-web-forged', webEnv('it-web-forged', WRITE_ROLE, otherAudience));
    expectFailure(a, 3, /HTTP 403 \(AccessDenied/);
    const h = await backup('it-web-forged', { ...webEnv('it-web-forged', WRITE_ROLE, tokenFiles.write), AWS_STS_ENDPOINT: sts.endpoint.replace('https:', 'http:') });
    expectFailure(h, 3, /AWS_STS_ENDPOINT http:\/\/127\.0\.0\.1:\d+ is not https/);
    expect(s3.keys('it-web-forged')).toEqual([]);
  });

  // The ops image pins Debian 12's curl (images/ops/Dockerfile); the root here has a newer one.
  // Where the host has Debian 12's, the same requests are made with it too.
  const hostCurl = execFileSync('curl', ['--version']).toString().split(' ')[1];
  (hostCurl.startsWith('7.88.') ? test : test.skip)(`with the curl the ops image pins (7.88.1; the host's ${hostCurl}): the session token is signed as well`, async () => {
    const before = s3.requests.length;
    // Asynchronous: the stand-ins answer from this process. As root on the host (it reads the files the pod's uid owns).
    const { stdout: out } = await promisify(execFile)('/bin/bash', ['-c', `source ${path.join(scripts, 'ops-lib.sh')}; require_s3_credentials; s3_list it-web/pg-dump/`], {
      env: { PATH: '/usr/bin:/bin', TMPDIR: dir, ...webEnv('it-web', READ_ROLE, tokenFiles.read) },
    });
    expect(out).toMatch(/it-web\/pg-dump\/superset-\d{8}T\d{6}Z\.dump\.age/);
    const own = s3.requests.slice(before);
    expect(own.length).toBeGreaterThan(0);
    expect(own.filter((q) => !q.accessKeyId.startsWith('ASIA') || q.status !== 200)).toEqual([]);
  });

  test('credentials about to expire are fetched again before a request, so a long run never signs with expired keys', async () => {
    // Keys that expire in 299 s: inside the 5-minute margin at once, so every request renews them.
    sts.lifetimeSeconds = 299;
    const calls = sts.calls.length;
    const before = s3.requests.length;
    try {
      const b = await backup('it-web-renew', webEnv('it-web-renew', WRITE_ROLE, tokenFiles.write));
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/backup complete/) });
    } finally {
      sts.lifetimeSeconds = undefined;
    }
    const own = s3.requests.slice(before);
    expect(own.filter((q) => q.status >= 300)).toEqual([]);
    // One exchange at start, then one per request made in the script's own shell (the uploads).
    expect(sts.calls.length - calls).toBeGreaterThan(3);
    expect(new Set(own.map((q) => q.accessKeyId)).size).toBeGreaterThan(3);
  });
});
