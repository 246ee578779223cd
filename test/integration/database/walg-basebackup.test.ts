import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildObjects } from '../../helpers';
import { imageRoot, rootCommand, rootEnv } from '../roots/image-root';
import { TestCa } from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The base-backup sidecar's script, taken from the synthesized ConfigMap, run against a stand-in
// `wal-g` (records its arguments) and a stand-in Patroni REST API on 127.0.0.1, HTTPS as prod's
// postgres.tls makes it, with a certificate of the run's CA that names the Services, not
// 127.0.0.1 (no wal-g package or object store is available here: the script's decisions are what
// is tested). The script runs
// in the spilo-18 stand-in's root (its bash and curl) as the sidecar's user.
const objects = buildObjects({ postgres: { tls: { enabled: true }, walArchive: { bucket: 'wal-bucket', baseBackupIntervalHours: 24, baseBackupRetainFull: 5 } } }, 'prod');
const configMap = objects.find((o: any) => o.kind === 'ConfigMap' && o.data?.['walg-basebackup.sh']) as any;
const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres') as any;
const sidecar = statefulSet.spec.template.spec.containers.find((c: any) => c.name === 'walg-basebackup');
const retentionJob = objects.find((o: any) => o.kind === 'CronJob' && o.metadata.name === 'walg-retention') as any;
const retention = retentionJob.spec.jobTemplate.spec.template.spec.containers[0];
/** The sidecar runs in the Patroni container's image (spilo-18) as its user: dist/prod's patroni container names both. */
const root = imageRoot('prod', '20-postgres.yaml', 'postgres', 'patroni');

let dir: string;
let tlsDir: string;
let server: https.Server;
let primary = false;
let api: string;
/** The CA file the sidecar checks the API's certificate with, and one of another CA. */
let caFile: string;
let foreignCaFile: string;

beforeAll(async () => {
  tlsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'walg-tls-'));
  fs.chmodSync(tlsDir, 0o755); // the sidecar's user reads the CA file
  const ca = new TestCa(path.join(tlsDir, 'ca'));
  const certificate = ca.issue('postgres', { dnsNames: ['postgres', 'postgres.superset.svc'], gid: root.gid });
  caFile = certificate.ca;
  foreignCaFile = new TestCa(path.join(tlsDir, 'foreign')).ca;
  server = https.createServer({ cert: fs.readFileSync(certificate.cert), key: fs.readFileSync(certificate.key) }, (req, res) => {
    res.statusCode = req.url === '/primary' && primary ? 200 : 503;
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  fs.rmSync(tlsDir, { recursive: true, force: true });
});

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'walg-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.writeFileSync(path.join(dir, 'script.sh'), configMap.data['walg-basebackup.sh'], { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'retention.sh'), configMap.data['walg-retention.sh'], { mode: 0o755 });
  // Stand-in wal-g: logs its arguments; fails backup-push or delete when STUB_FAIL is set;
  // backup-list prints STUB_BACKUPS base backups.
  fs.writeFileSync(path.join(dir, 'bin', 'wal-g'), [
    '#!/bin/bash',
    `echo "$*" >> "${dir}/calls"`,
    '[[ "$1" == backup-push || "$1" == delete ]] && [[ -n "$STUB_FAIL" ]] && exit 1',
    'if [[ "$1" == backup-list ]]; then echo "name modified wal_segment_backup_start"; for ((i = 1; i <= ${STUB_BACKUPS:-0}; i++)); do echo "base_00000001000000000000000$i 2026-12-01T00:00:0${i}Z 00000001000000000000000$i"; done; fi',
    'exit 0',
  ].join('\n'), { mode: 0o755 });
  for (const p of [dir, path.join(dir, 'bin'), path.join(dir, 'bin', 'wal-g'), path.join(dir, 'script.sh'), path.join(dir, 'retention.sh')]) fs.chownSync(p, root.uid, root.gid);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** One round of the script; async, so the stand-in API in this process can answer it. */
async function round(extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: `${dir}/bin:${root.path}` };
  for (const e of sidecar.env) if (e.value !== undefined) env[e.name] = e.value;
  Object.assign(env, { PATRONI_API: api, PATRONI_API_CAFILE: caFile, PGDATA: `${dir}/pgdata`, BASEBACKUP_MARKER: `${dir}/marker`, HEARTBEAT_FILE: `${dir}/alive` }, extraEnv);
  const run = await new Promise<{ status: number; output: string }>((resolve) => {
    const argv = rootCommand(root, 'bash', [path.join(dir, 'script.sh'), '--once']);
    execFile(argv[0], argv.slice(1), { env: rootEnv(root, env), encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as any).code) : 0, output: stdout + stderr }));
  });
  const calls = fs.existsSync(`${dir}/calls`) ? fs.readFileSync(`${dir}/calls`, 'utf8').trim().split('\n') : [];
  return { ...run, calls };
}

/** One run of walg-retention.sh with the CronJob's environment (and throwaway access keys). */
async function retentionRun(extraEnv: Record<string, string> = {}) {
  const env: Record<string, string> = { PATH: `${dir}/bin:${process.env.PATH}`, AWS_ACCESS_KEY_ID: 'AKIDRETENTION', AWS_SECRET_ACCESS_KEY: 'not-a-real-key' };
  for (const e of retention.env) if (e.value !== undefined) env[e.name] = e.value;
  Object.assign(env, extraEnv);
  const r = await new Promise<{ status: number; output: string }>((resolve) => {
    execFile('bash', [path.join(dir, 'retention.sh')], { env, encoding: 'utf8' }, (error, stdout, stderr) =>
      resolve({ status: error ? Number((error as any).code) : 0, output: stdout + stderr }));
  });
  const calls = fs.existsSync(`${dir}/calls`) ? fs.readFileSync(`${dir}/calls`, 'utf8').trim().split('\n') : [];
  return { ...r, calls };
}

describe('walg-basebackup.sh (the base-backup sidecar)', () => {
  test('the sidecar passes the configured interval and encryption, and no retention: it never deletes', () => {
    expect(sidecar.env).toEqual(expect.arrayContaining([
      { name: 'BASEBACKUP_INTERVAL_SECONDS', value: '86400' },
      { name: 'WALG_S3_PREFIX', value: expect.stringMatching(/^s3:\/\/wal-bucket\//) },
      { name: 'WALG_LIBSODIUM_KEY_PATH', value: '/etc/walg/libsodium-key' },
      { name: 'WALG_LIBSODIUM_KEY_TRANSFORM', value: 'hex' },
    ]));
    expect(sidecar.env.map((e: any) => e.name)).not.toContain('BASEBACKUP_RETAIN_FULL');
    expect(configMap.data['walg-basebackup.sh']).not.toMatch(/wal-g delete/);
  });

  test('a replica takes no backup, but stays alive', async () => {
    primary = false;
    const r = await round();
    expect([r.status, r.calls]).toEqual([0, []]);
    expect(fs.existsSync(`${dir}/alive`)).toBe(true);
  });

  test('the primary without a recent backup takes one, then prunes to the retention', async () => {
    primary = true;
    const r = await round();
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([`backup-push ${dir}/pgdata`]); // pruning is walg-retention's job
    expect(fs.existsSync(`${dir}/marker`)).toBe(true);
  });

  test('the API over HTTPS (postgres.tls): the sidecar checks its CA, not the host name; a certificate of another CA or plain HTTP takes no backup', async () => {
    expect(sidecar.env).toEqual(expect.arrayContaining([
      { name: 'PATRONI_API', value: 'https://127.0.0.1:8008' },
      { name: 'PATRONI_API_CAFILE', value: '/etc/ssl/database-ca/ca.crt' },
    ]));
    expect(sidecar.volumeMounts).toContainEqual({ name: 'database-ca', mountPath: '/etc/ssl/database-ca', readOnly: true });
    primary = true;
    expect((await round({ PATRONI_API_CAFILE: foreignCaFile })).calls).toEqual([]);
    expect((await round({ PATRONI_API: api.replace('https:', 'http:') })).calls).toEqual([]);
    expect((await round()).calls).toEqual([`backup-push ${dir}/pgdata`]);
  });

  test('the primary with a backup younger than the interval waits; an older one is redone', async () => {
    primary = true;
    fs.writeFileSync(`${dir}/marker`, '');
    expect((await round()).calls).toEqual([]);
    const twoDaysAgo = new Date(Date.now() - 2 * 86400 * 1000);
    fs.utimesSync(`${dir}/marker`, twoDaysAgo, twoDaysAgo);
    expect((await round()).calls[0]).toBe(`backup-push ${dir}/pgdata`);
  });

  test('a failed backup exits non-zero, keeps the old marker and deletes nothing', async () => {
    primary = true;
    const r = await round({ STUB_FAIL: '1' });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual([`backup-push ${dir}/pgdata`]);
    expect(fs.existsSync(`${dir}/marker`)).toBe(false);
    expect(r.output).toMatch(/base backup failed/);
  });

  test('a missing setting is refused', async () => {
    const r = await round({ BASEBACKUP_INTERVAL_SECONDS: '' });
    expect(r.status).toBe(2);
    expect(r.output).toMatch(/BASEBACKUP_INTERVAL_SECONDS is not set/);
  });
});

describe('walg-retention.sh (the only WAL-G process that deletes)', () => {
  test('the CronJob: the retention key of its own Secret, the WAL-G prefix, no encryption key, no API token', () => {
    expect(retention.env).toEqual(expect.arrayContaining([
      { name: 'BASEBACKUP_RETAIN_FULL', value: '5' },
      { name: 'WALG_S3_PREFIX', value: sidecar.env.find((e: any) => e.name === 'WALG_S3_PREFIX').value },
      { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: 'postgres-wal-retention', key: 'access-key-id' } } },
    ]));
    expect(retention.env.map((e: any) => e.name).filter((n: string) => /LIBSODIUM/.test(n))).toEqual([]);
    expect(retentionJob.spec.jobTemplate.spec.template.spec.automountServiceAccountToken).toBe(false);
    // The members read the archive key, never the retention key.
    const memberSecrets = statefulSet.spec.template.spec.containers.flatMap((c: any) => c.env.filter((e: any) => e.valueFrom?.secretKeyRef).map((e: any) => e.valueFrom.secretKeyRef.name));
    expect(memberSecrets).toContain('postgres-wal-archive');
    expect(memberSecrets).not.toContain('postgres-wal-retention');
  });

  test('keeps the newest N full base backups and the WAL they need', async () => {
    const r = await retentionRun({ STUB_BACKUPS: '3' });
    expect([r.status, r.calls]).toEqual([0, ['backup-list', 'delete retain FULL 5 --confirm']]);
    expect(r.output).toMatch(/3 base backup\(s\) under s3:\/\/wal-bucket\/.*keeping the newest 5/);
  });

  test('an archive without a base backup yet: nothing is deleted', async () => {
    const r = await retentionRun({ STUB_BACKUPS: '0' });
    expect([r.status, r.calls]).toEqual([0, ['backup-list']]);
    expect(r.output).toMatch(/no base backup .* nothing pruned/);
  });

  test('a failing delete exits 1 (retried by the Job)', async () => {
    const r = await retentionRun({ STUB_BACKUPS: '2', STUB_FAIL: '1' });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(/wal-g delete retain FULL 5 failed/);
  });

  test('a bad setting or a missing key is permanent (exit 3)', async () => {
    expect(await retentionRun({ BASEBACKUP_RETAIN_FULL: '0' })).toMatchObject({ status: 3, output: expect.stringMatching(/BASEBACKUP_RETAIN_FULL must be a whole number of at least 1/), calls: [] });
    expect(await retentionRun({ AWS_ACCESS_KEY_ID: '' })).toMatchObject({ status: 3, output: expect.stringMatching(/AWS_ACCESS_KEY_ID is not set/) });
  });
});
