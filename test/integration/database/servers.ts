// Helpers for the database integration tests: free ports on 127.0.0.1, temporary directories
// owned by an unprivileged user, servers started in their own process group (so a test can kill a
// whole "pod" hard), polling, and psql. Every server started here is stopped by stopAll().
import { ChildProcess, spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */

export const PG_BIN = '/usr/lib/postgresql/15/bin';
export const ROOT = path.join(__dirname, '..', '..', '..');

/** Postgres refuses to run as root: as root (CI), servers run as the "postgres" system user. */
export const RUN_AS = process.getuid?.() === 0 ? 'postgres' : undefined;

function runAsIds(): { uid: number; gid: number } | undefined {
  if (!RUN_AS) return undefined;
  const out = spawnSync('id', ['-u', RUN_AS], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', RUN_AS], { encoding: 'utf8' });
  return { uid: Number(out.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** A throwaway password: never written to the repository, never printed. Contains a " and a $. */
export function throwawayPassword(): string {
  return `${randomBytes(18).toString('base64url')}"$x`;
}

/** A temporary directory the server user owns. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  chownToServerUser(dir);
  return dir;
}

export function chownToServerUser(p: string): void {
  const ids = runAsIds();
  if (ids) fs.chownSync(p, ids.uid, ids.gid);
}

/** Writes a file the server user owns and can read. */
export function writeOwned(file: string, text: string, mode = 0o600): void {
  fs.writeFileSync(file, text, { mode });
  chownToServerUser(file);
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

/** Starts a server in its own process group (as the server user when root), logging to a file. */
export function startServer(name: string, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; log: string; cwd?: string }): Server {
  const fd = fs.openSync(options.log, 'a');
  const argv = RUN_AS ? ['runuser', '-u', RUN_AS, '--', command, ...args] : [command, ...args];
  const child = spawn(argv[0], argv.slice(1), {
    env: { PATH: process.env.PATH, LANG: 'C.UTF-8', ...options.env },
    cwd: options.cwd ?? os.tmpdir(),
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
}

/** Runs SQL through psql; returns the result or throws with psql's message (never the password). */
export function psql(t: PsqlTarget, sql: string, timeoutSeconds = 3): string {
  const r: SpawnSyncReturns<string> = spawnSync(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    encoding: 'utf8',
    timeout: (timeoutSeconds + 2) * 1000,
    env: {
      PATH: process.env.PATH,
      PGHOST: t.host,
      PGPORT: String(t.port),
      PGUSER: t.user,
      PGDATABASE: t.database,
      PGPASSWORD: t.password ?? '',
      PGCONNECT_TIMEOUT: String(timeoutSeconds),
      PGAPPNAME: t.appName ?? 'integration-test',
      PGSSLMODE: 'disable',
    },
  });
  if (r.status !== 0) throw new Error(`psql failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

/** psql's unaligned output with a header row, as objects (for SHOW POOLS). */
export function psqlRows(t: PsqlTarget, sql: string): Record<string, string>[] {
  const r = spawnSync(`${PG_BIN}/psql`, ['-X', '-A', '-F', '|', '-P', 'footer=off', '-c', sql], {
    encoding: 'utf8',
    timeout: 5000,
    env: { PATH: process.env.PATH, PGHOST: t.host, PGPORT: String(t.port), PGUSER: t.user, PGDATABASE: t.database, PGPASSWORD: t.password ?? '', PGSSLMODE: 'disable' },
  });
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

/** A fresh local Postgres 15 cluster (for the PgBouncer test), with SCRAM over TCP. */
export async function startPostgres(dir: string, port: number, superuserPassword: string, settings: Record<string, string | number>): Promise<Server> {
  const data = path.join(dir, 'data');
  const pwfile = path.join(dir, 'pwfile');
  writeOwned(pwfile, `${superuserPassword}\n`);
  const args = ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C.UTF-8'];
  const init = spawnSync(RUN_AS ? 'runuser' : `${PG_BIN}/initdb`, RUN_AS ? ['-u', RUN_AS, '--', `${PG_BIN}/initdb`, ...args] : args, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  fs.rmSync(pwfile);
  const opts = Object.entries({ listen_addresses: '127.0.0.1', port, unix_socket_directories: dir, ...settings }).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
  const server = startServer('postgres', `${PG_BIN}/postgres`, ['-D', data, ...opts], { log: path.join(dir, 'postgres.log') });
  await waitFor('postgres to accept connections', () => spawnSync(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(port)]).status === 0, 30000);
  return server;
}

/** A small Markdown-ish table for console output. */
export function table(rows: Array<Record<string, string | number>>): string {
  const keys = Object.keys(rows[0] ?? {});
  const width = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(width[i])).join(' | ')} |`;
  return [line(keys), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(keys.map((k) => String(r[k]))))].join('\n');
}
