import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { readScripts } from '../../../lib/ops/ops-scripts';
import { imageRoot, ImageRoot, rootCommand, rootEnv } from '../roots/image-root';

// What the ops integration tests share: the scripts and PostgreSQL run from the superset-ops
// stand-in's Debian root (PostgreSQL 18 from Debian unstable) as the CronJobs' user (999), the
// export phase from the superset stand-in's as 1000; temp folders under /tmp (which the roots
// see) that user owns, a PostgreSQL server on 127.0.0.1 with a random port, and the scripts
// copied out of the ConfigMap exactly as the pods mount them. The Git side of the export test
// (sshd, the remote repository) runs on the host as HOST_USER.

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The pg-backup CronJob's container: the superset-ops root, uid/gid 999. */
export const OPS_ROOT: ImageRoot = imageRoot('prod', '70-ops.yaml', 'pg-backup', 'pg-backup');
/** The dashboard-export CronJob's export container: the superset root, uid/gid 1000. */
export const EXPORT_ROOT: ImageRoot = imageRoot('prod', '70-ops.yaml', 'dashboard-export', 'export');
/** A host login the test sshd accepts (created by Debian's postgresql-common). */
export const HOST_USER = 'postgres';

/** Where a command runs: an image root (as its manifest's user) or the host (as HOST_USER). */
export type Runner = ImageRoot | 'host';

/** POSTGRES_MAJOR as the pg-backup CronJob of dist/prod sets it. */
export function configuredMajor(): number {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'dist', 'prod', '70-ops.yaml'), 'utf8');
  const job = parseAllDocuments(text).map((d) => d.toJS()).find((o: any) => o?.kind === 'CronJob' && o.metadata.name === 'pg-backup');
  const value = job.spec.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === 'POSTGRES_MAJOR')?.value;
  if (!value) throw new Error('dist/prod/70-ops.yaml: pg-backup sets no POSTGRES_MAJOR');
  return Number(value);
}

/** The PostgreSQL of the ops root: the configured major's bin folder (on the image's PATH). */
export function postgresInstall(): { bin: string; major: number } {
  const major = configuredMajor();
  const bin = `/usr/lib/postgresql/${major}/bin`;
  if (!fs.existsSync(path.join(OPS_ROOT.root, bin, 'pg_dump'))) throw new Error(`the superset-ops root ${OPS_ROOT.root} has no ${bin}/pg_dump (POSTGRES_MAJOR ${major})`);
  return { bin, major };
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

export interface RunOptions {
  readonly env?: Record<string, string>;
  readonly cwd?: string;
  readonly input?: string;
  readonly timeoutMs?: number;
  /** Default: the ops root. */
  readonly runner?: Runner;
}

function argvFor(runner: Runner, command: string, args: readonly string[], cwd?: string): string[] {
  if (runner === 'host') return ['/usr/bin/setpriv', '--reuid', HOST_USER, '--regid', HOST_USER, '--init-groups', '--', command, ...args];
  return rootCommand(runner, command, args, { cwd });
}

/**
 * Runs a command in the ops root as its user (or where `runner` says) with exactly the given
 * environment: nothing leaks in from the test process. Asynchronous, so servers in this process
 * keep answering.
 */
export function run(command: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const runner = o.runner ?? OPS_ROOT;
  const [cmd, ...argv] = argvFor(runner, command, args, o.cwd);
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const env = runner === 'host' ? o.env ?? { PATH: '/usr/bin:/bin' } : rootEnv(runner, o.env);
    const child = spawn(cmd, argv, { env, cwd: runner === 'host' ? o.cwd ?? os.tmpdir() : '/', stdio: [o.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    });
    if (child.stdin) {
      // A command that exits without reading its input must not fail the test with EPIPE.
      child.stdin.on('error', () => undefined);
      child.stdin.end(o.input);
    }
  });
}

/** run() that throws with the output when the command fails. */
export async function runOk(command: string, args: readonly string[], o: RunOptions = {}): Promise<RunResult> {
  const r = await run(command, args, o);
  if (r.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.code}\n${r.stderr}${r.stdout}`);
  return r;
}

/** A temp folder under /tmp the ops user owns, which the other users may enter (0755). */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join('/tmp', `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  chownToRunner(dir);
  return dir;
}

/** Gives a file or folder tree to a runner's user (default: the ops root's). */
export function chownToRunner(target: string, runner: Runner = OPS_ROOT): void {
  const { uid, gid } = runner === 'host' ? hostIds() : runner;
  const walk = (p: string) => {
    fs.lchownSync(p, uid, gid);
    if (fs.lstatSync(p).isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
  };
  walk(target);
}

let ids: { uid: number; gid: number } | undefined;
function hostIds(): { uid: number; gid: number } {
  if (!ids) {
    const line = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${HOST_USER}:`));
    if (!line) throw new Error(`no host user ${HOST_USER}: install the postgresql-15 package (test/integration/packages.txt)`);
    const [, , uid, gid] = line.split(':');
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return ids;
}

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** The scripts as the pods see them: the ConfigMap's data written to a folder (mode 0555). */
export function installScripts(dir: string): string {
  const target = path.join(dir, 'opt', 'superset-ops');
  fs.mkdirSync(target, { recursive: true });
  for (const [name, text] of Object.entries(readScripts())) fs.writeFileSync(path.join(target, name), text, { mode: 0o555 });
  chownToRunner(path.join(dir, 'opt'));
  return target;
}

/** A base environment for the scripts: PATH with PostgreSQL's binaries, a private HOME and TMPDIR. */
export function baseEnv(home: string, extraPath: readonly string[] = []): Record<string, string> {
  return {
    PATH: [...extraPath, postgresInstall().bin, '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: home,
  };
}

/** A PostgreSQL server on 127.0.0.1 (random port) with its socket in its own folder. */
export class TestPostgres {
  public readonly socketDir: string;
  private readonly dataDir: string;

  private constructor(public readonly dir: string, public readonly port: number) {
    this.socketDir = path.join(dir, 'socket');
    this.dataDir = path.join(dir, 'data');
  }

  /** Superuser "ops_admin" over the unix socket (trust); TCP needs a password (scram-sha-256). */
  static async start(dir: string): Promise<TestPostgres> {
    const pg = new TestPostgres(dir, await freePort());
    const bin = postgresInstall().bin;
    fs.mkdirSync(pg.socketDir, { mode: 0o700 });
    chownToRunner(pg.socketDir);
    const env = baseEnv(dir);
    await runOk(path.join(bin, 'initdb'), ['-D', pg.dataDir, '-U', 'ops_admin', '--auth-local=trust', '--auth-host=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8', '--no-sync'], { env });
    await runOk(path.join(bin, 'pg_ctl'), ['-D', pg.dataDir, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', '-o',
      `-c listen_addresses=127.0.0.1 -c port=${pg.port} -c unix_socket_directories=${pg.socketDir} -c fsync=off -c shared_buffers=128MB`, 'start'], { env });
    return pg;
  }

  /** psql as the superuser; returns unaligned, tuples-only output. */
  async sql(sql: string, database = 'postgres', env: Record<string, string> = {}): Promise<string> {
    const r = await runOk(path.join(postgresInstall().bin, 'psql'), ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', this.socketDir, '-p', String(this.port), '-U', 'ops_admin', '-d', database, '-f', '-'],
      { env: { ...baseEnv(this.dir), ...env }, input: sql });
    return r.stdout.trim();
  }

  async stop(): Promise<void> {
    await run(path.join(postgresInstall().bin, 'pg_ctl'), ['-D', this.dataDir, '-m', 'fast', '-w', 'stop'], { env: baseEnv(this.dir) });
  }
}

export const FIXTURES = path.join(__dirname, 'fixtures');

/** A long-running host program (sshd) as HOST_USER; the caller kills it by its handle. */
export function startDaemon(command: string, args: readonly string[], env: Record<string, string>): ChildProcess {
  const [cmd, ...argv] = argvFor('host', command, args);
  return spawn(cmd, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Stops a daemon started by startDaemon and waits until it is gone. */
export function stopDaemon(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Resolves once something accepts TCP connections on 127.0.0.1:port. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.end(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The login name the test sshd accepts (it runs as that host user). */
export function runnerName(): string {
  return HOST_USER;
}
