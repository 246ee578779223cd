// Helpers for the database integration tests: free ports on 127.0.0.1, temporary directories
// owned by the server's user, servers started in their own process group (so a test can kill a
// whole "pod" hard), polling, and psql. Servers and clients run from the image stand-ins' Debian
// roots (roots/image-root.ts) as the manifests' users. Every server started here is stopped by
// stopAll().
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { imageRoot, ImageRoot, rootCommand, rootEnv } from '../roots/image-root';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const ROOT = path.join(__dirname, '..', '..', '..');

/** The Patroni container of the postgres StatefulSet: the spilo-18 stand-in, as uid 101 / gid 103. */
export const POSTGRES_ROOT: ImageRoot = imageRoot('staging', '20-postgres.yaml', 'postgres', 'patroni');

/** The PostgreSQL binaries: patroni.yml's bin_dir, in the root. */
export const PG_BIN: string = parse(configMapData('staging', '20-postgres.yaml', 'postgres-patroni')['patroni.yml']).postgresql.bin_dir;

/** A command run in an image root (default: the postgres one) as its user, with its environment. */
export function inRoot(command: string, args: readonly string[], env: Record<string, string | undefined>, root: ImageRoot = POSTGRES_ROOT): { argv: string[]; env: NodeJS.ProcessEnv } {
  return { argv: rootCommand(root, command, args), env: rootEnv(root, env) };
}

/** A throwaway password: never written to the repository, never printed. Contains a " and a $. */
export function throwawayPassword(): string {
  return `${randomBytes(18).toString('base64url')}"$x`;
}

/** A temporary directory (under /tmp, which the roots see) the server's user owns. */
export function tempDir(prefix: string, owner: ImageRoot = POSTGRES_ROOT): string {
  const dir = fs.mkdtempSync(path.join('/tmp', prefix));
  chownToServerUser(dir, owner);
  return dir;
}

export function chownToServerUser(p: string, owner: ImageRoot = POSTGRES_ROOT): void {
  fs.chownSync(p, owner.uid, owner.gid);
}

/** Writes a file the server's user owns and can read. */
export function writeOwned(file: string, text: string, mode = 0o600, owner: ImageRoot = POSTGRES_ROOT): void {
  fs.writeFileSync(file, text, { mode });
  chownToServerUser(file, owner);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Server {
  readonly name: string;
  readonly process: ChildProcess;
  readonly log: string;
  exited: boolean;
}

const running: Server[] = [];

/**
 * Starts a server from an image root (default: the postgres one) as the manifest's user, in its
 * own process group, logging to a file. Its pid is the server's own (the exec chain execs it).
 * `root: 'host'` runs a host program (etcd: no image has it) as the postgres root's user.
 */
export function startServer(name: string, command: string, args: string[], options: { env?: Record<string, string | undefined>; log: string; root?: ImageRoot | 'host' }): Server {
  const fd = fs.openSync(options.log, 'a');
  const root = options.root ?? POSTGRES_ROOT;
  const { uid, gid } = POSTGRES_ROOT;
  const argv = root === 'host' ? ['/usr/bin/setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', command, ...args] : rootCommand(root, command, args);
  const child = spawn(argv[0], argv.slice(1), {
    env: root === 'host' ? { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', ...options.env } : rootEnv(root, options.env),
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  fs.closeSync(fd);
  const server: Server = { name, process: child, log: options.log, exited: false };
  child.on('exit', () => { server.exited = true; });
  running.push(server);
  return server;
}

/** Sends a signal to a server's whole process group (a "pod"). */
export function signalGroup(server: Server, signal: NodeJS.Signals): void {
  try {
    process.kill(-server.process.pid!, signal);
  } catch {
    // already gone
  }
}

export async function waitForExit(server: Server, timeoutMs: number): Promise<boolean> {
  const start = Date.now();
  while (!server.exited && Date.now() - start < timeoutMs) await sleep(50);
  return server.exited;
}

/** Stops every server this process started: SIGINT, then SIGKILL after a few seconds. */
export async function stopAll(): Promise<void> {
  for (const s of running) if (!s.exited) signalGroup(s, 'SIGINT');
  const deadline = Date.now() + 8000;
  while (running.some((s) => !s.exited) && Date.now() < deadline) await sleep(100);
  for (const s of running) if (!s.exited) signalGroup(s, 'SIGKILL');
  running.length = 0;
}

/** Kills a process id directly (postmasters started by Patroni live outside its group). */
export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, intervalMs = 100): Promise<T> {
  const start = Date.now();
  let last: unknown;
  while (Date.now() - start < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface PsqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly password?: string;
  readonly appName?: string;
  /** libpq sslmode; "disable" when unset. */
  readonly sslmode?: string;
  /** The CA file for verify-ca / verify-full. */
  readonly sslrootcert?: string;
}

/** libpq's TLS variables of a target. */
function sslEnv(t: PsqlTarget): Record<string, string> {
  return { PGSSLMODE: t.sslmode ?? 'disable', ...(t.sslrootcert ? { PGSSLROOTCERT: t.sslrootcert } : {}) };
}

/** Runs SQL through psql; returns the result or throws with psql's message (never the password). */
export function psql(t: PsqlTarget, sql: string, timeoutSeconds = 3): string {
  const c = inRoot(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    PGHOST: t.host,
    PGPORT: String(t.port),
    PGUSER: t.user,
    PGDATABASE: t.database,
    PGPASSWORD: t.password ?? '',
    PGCONNECT_TIMEOUT: String(timeoutSeconds),
    PGAPPNAME: t.appName ?? 'integration-test',
    ...sslEnv(t),
  });
  const r: SpawnSyncReturns<string> = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', timeout: (timeoutSeconds + 2) * 1000, env: c.env });
  if (r.status !== 0) throw new Error(`psql failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

/** psql's unaligned output with a header row, as objects (for SHOW POOLS). */
export function psqlRows(t: PsqlTarget, sql: string): Record<string, string>[] {
  const c = inRoot(`${PG_BIN}/psql`, ['-X', '-A', '-F', '|', '-P', 'footer=off', '-c', sql],
    { PGHOST: t.host, PGPORT: String(t.port), PGUSER: t.user, PGDATABASE: t.database, PGPASSWORD: t.password ?? '', ...sslEnv(t) });
  const r = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', timeout: 5000, env: c.env });
  if (r.status !== 0) throw new Error(`psql failed: ${(r.stderr || '').trim()}`);
  const [header, ...lines] = r.stdout.trim().split('\n');
  const keys = header.split('|');
  return lines.filter(Boolean).map((l) => Object.fromEntries(l.split('|').map((v, i) => [keys[i], v])));
}

/** Objects of a committed dist/<env>/<file>.yaml. */
export function distObjects(env: string, file: string): any[] {
  const text = fs.readFileSync(path.join(ROOT, 'dist', env, file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
}

export function configMapData(env: string, file: string, name: string): Record<string, string> {
  const cm = distObjects(env, file).find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);
  if (!cm) throw new Error(`no ConfigMap ${name} in dist/${env}/${file}`);
  return cm.data;
}

/** A fresh local PostgreSQL cluster from the postgres root (for the PgBouncer test), with SCRAM over TCP (or the given pg_hba lines). */
export async function startPostgres(dir: string, port: number, superuserPassword: string, settings: Record<string, string | number>, hba?: readonly string[]): Promise<Server> {
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  writeOwned(pwfile, `${superuserPassword}\n`);
  const args = ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'];
  const c = inRoot(`${PG_BIN}/initdb`, args, {});
  const init = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', env: c.env });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  fs.rmSync(pwfile);
  // The rendered pg_hba (patroni.yml's) instead of initdb's, when given.
  if (hba) writeOwned(path.join(data, 'pg_hba.conf'), `${hba.join('\n')}\n`);
  const opts = Object.entries({ listen_addresses: '127.0.0.1', port, unix_socket_directories: dir, ...settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const server = startServer('postgres', `${PG_BIN}/postgres`, ['-D', data, ...opts], { log: path.join(dir, 'postgres.log') });
  const ready = inRoot(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)], {});
  await waitFor('postgres to accept connections', () => spawnSync(ready.argv[0], ready.argv.slice(1), { env: ready.env }).status === 0, 30000);
  return server;
}

/** A small Markdown-ish table for console output. */
export function table(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i])).join(' | ')} |`;
  return [line(keys), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}

/** A certificate made for a test run: where its files are. */
export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

/** A server certificate to make: its names and the group of the server that reads the key. */
export interface CertificateSpec {
  readonly dnsNames: readonly string[];
  readonly ips?: readonly string[];
  readonly gid: number;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[]): void {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

/**
 * A throwaway CA under `dir` (ca.crt, and ca.key until `dropCaKey`), valid two days. The
 * certificates it signs are laid out as the kubelet lays out a Secret volume with the pod's
 * fsGroup: owned by root, group `gid`, the key 0640 (what PostgreSQL accepts for a key owned by
 * root), the certificates 0644.
 */
export class TestCa {
  readonly ca: string;
  private readonly caKey: string;

  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    fs.chmodSync(dir, 0o755); // every server's user walks into it (an mkdtemp directory is 0700)
    this.ca = path.join(dir, 'ca.crt');
    this.caKey = path.join(dir, 'ca.key');
    openssl(['req', '-x509', ...EC, '-days', '2', '-subj', '/CN=integration-test database CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', this.caKey, '-out', this.ca]);
    fs.chmodSync(this.ca, 0o644);
  }

  /**
   * Signs a certificate into `<dir>/<name>/` (tls.crt, tls.key, ca.crt). Again for the same name
   * (a renewal), the new files replace the old ones by rename, as atomically as the kubelet's swap.
   */
  issue(name: string, server: CertificateSpec): TestCertificate {
    const sub = path.join(this.dir, name);
    fs.mkdirSync(sub, { recursive: true, mode: 0o755 });
    const work = fs.mkdtempSync(path.join(this.dir, `.${name}-`));
    const [key, cert, ca, csr, ext] = ['tls.key', 'tls.crt', 'ca.crt', 'tls.csr', 'ext.cnf'].map((f) => path.join(work, f));
    const san = [...server.dnsNames.map((n) => `DNS:${n}`), ...(server.ips ?? []).map((ip) => `IP:${ip}`)].join(',');
    fs.writeFileSync(ext, `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', ...EC, '-subj', `/CN=${server.dnsNames[0]}`, '-keyout', key, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', this.ca, '-CAkey', this.caKey, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert]);
    fs.copyFileSync(this.ca, ca);
    for (const f of [key, cert, ca]) fs.chownSync(f, 0, server.gid);
    fs.chmodSync(key, 0o640);
    fs.chmodSync(cert, 0o644);
    fs.chmodSync(ca, 0o644);
    for (const f of ['tls.key', 'tls.crt', 'ca.crt']) fs.renameSync(path.join(work, f), path.join(sub, f));
    fs.rmSync(work, { recursive: true, force: true });
    return { cert: path.join(sub, 'tls.crt'), key: path.join(sub, 'tls.key'), ca: path.join(sub, 'ca.crt') };
  }

  /** Nothing else is ever signed with it. */
  dropCaKey(): void {
    fs.rmSync(this.caKey, { force: true });
  }
}

/** A throwaway CA and one server certificate per entry, the CA key deleted (see TestCa). */
export function makeCertificates(dir: string, servers: Record<string, CertificateSpec>): Record<string, TestCertificate> {
  const ca = new TestCa(dir);
  const out = Object.fromEntries(Object.entries(servers).map(([name, spec]) => [name, ca.issue(name, spec)]));
  ca.dropCaKey();
  return out;
}

/** The subject of the certificate a PostgreSQL-protocol server presents (openssl s_client -starttls postgres), checked against `caFile`. */
export function presentedSubject(port: number, caFile: string, root: ImageRoot = POSTGRES_ROOT): string {
  const c = inRoot('/usr/bin/openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-starttls', 'postgres', '-CAfile', caFile, '-verify_return_error'], {}, root);
  const r = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', input: '', env: c.env, timeout: 10000 });
  if (!/Verify return code: 0 \(ok\)/.test(r.stdout)) throw new Error(`no verified TLS handshake on port ${port}: ${r.stdout.slice(-300)} ${r.stderr.slice(-300)}`);
  return /subject=(.*)/.exec(r.stdout)?.[1].trim() ?? '';
}
