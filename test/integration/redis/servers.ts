import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { imageRoot, rootCommand, rootEnv } from '../roots/image-root';
import { REDIS_CACHE_APP_USER } from '../../../lib/redis/endpoints';

// Real Valkey servers for the integration tests, started by the very scripts and config files of
// the synthesized ConfigMaps, from the valkey stand-in's Debian root (Valkey 9.1 from Debian
// unstable) as the StatefulSets' user. Only ports, paths and addresses are rewritten (127.0.0.1,
// random free ports, temporary folders). The password is generated here for each run, written to
// a 0600 file (as Kubernetes mounts the Secret) and never logged. The clients of load_client.py
// are the host's (Debian's python3-redis and python3-kombu).

const run = promisify(execFile);

/** Debian's python3 (with python3-redis), not whatever python3 comes first on PATH. */
export const PYTHON = '/usr/bin/python3';
export const LOAD_CLIENT = path.join(__dirname, 'load_client.py');

/** The redis container of redis-queue (prod): the valkey root, uid/gid 999 (redis-cache's is the same image and user). */
export const VALKEY_ROOT = imageRoot('prod', '35-redis-queue.yaml', 'redis-queue', 'redis');

/**
 * Gives the servers' user what the test wrote under `dir` (as root). The servers rename and
 * delete their own files meanwhile: a file gone by the time it is reached is skipped.
 */
function chownTree(dir: string): void {
  const walk = (p: string) => {
    try {
      const st = fs.lstatSync(p);
      if (st.uid !== VALKEY_ROOT.uid) fs.lchownSync(p, VALKEY_ROOT.uid, VALKEY_ROOT.gid);
      if (st.isDirectory()) for (const e of fs.readdirSync(p)) walk(path.join(p, e));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  };
  walk(dir);
}

export class Servers {
  /** Under /tmp: the roots see the host's /tmp at the same path. */
  readonly root = fs.mkdtempSync(path.join('/tmp', 'redis-it-'));
  /** The application's password (the Secret's `password`, as the last setSecret left it). */
  password = randomBytes(24).toString('hex');
  /** What the pods' own users' passwords derive from (`internal-password`), and the exporter's. */
  internalPassword = randomBytes(24).toString('hex');
  readonly exporterPassword = randomBytes(24).toString('hex');
  readonly authFile = path.join(this.root, 'password');
  private readonly processes: ChildProcess[] = [];
  private readonly usedPorts = new Set<number>();

  constructor() {
    fs.writeFileSync(this.authFile, this.password, { mode: 0o600 });
    fs.writeFileSync(path.join(this.root, 'internal-password'), this.internalPassword, { mode: 0o600 });
    fs.writeFileSync(path.join(this.root, 'exporter-password'), this.exporterPassword, { mode: 0o600 });
    chownTree(this.root);
  }

  /** The password of an internal ACL user (agent, replication, sentinel), as common.sh derives it. */
  derived(user: string, internal = this.internalPassword): string {
    return createHash('sha256').update(`${user}:${internal}`).digest('hex');
  }

  /**
   * The mounted Secret during a rotation, as the kubelet updates it: `password` and the optional
   * `next-password` / `previous-password` next to it (undefined removes the file).
   */
  setSecret(keys: { password: string; next?: string; previous?: string }): void {
    this.writeSecret({ password: keys.password, 'next-password': keys.next, 'previous-password': keys.previous });
    this.password = keys.password;
  }

  /** The same for `internal-password` and its next/previous (the pods' own users). */
  setInternalSecret(keys: { internal: string; next?: string; previous?: string }): void {
    this.writeSecret({ 'internal-password': keys.internal, 'next-internal-password': keys.next, 'previous-internal-password': keys.previous });
    this.internalPassword = keys.internal;
  }

  private writeSecret(files: Record<string, string | undefined>): void {
    const dir = path.dirname(this.authFile);
    const write = (name: string, value: string | undefined) => {
      const file = path.join(dir, name);
      if (value === undefined) fs.rmSync(file, { force: true });
      else fs.writeFileSync(`${file}.tmp`, value, { mode: 0o600 });
      if (value !== undefined) fs.renameSync(`${file}.tmp`, file);
    };
    // The optional files first, the current one last, as a rotation step changes them.
    for (const [name, value] of Object.entries(files).reverse()) write(name, value);
    chownTree(dir);
  }

  /** Writes a ConfigMap's files into a folder (scripts are run from there, as in the pod). */
  materialize(name: string, data: Record<string, string>): string {
    const dir = path.join(this.root, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, file), text);
    return dir;
  }

  /** A free port on 127.0.0.1 (and port + 10000, the Redis Cluster bus, when `withBus`). */
  async freePort(withBus = false): Promise<number> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = 20000 + Math.floor(Math.random() * 25000);
      if (this.usedPorts.has(port) || (withBus && this.usedPorts.has(port + 10000))) continue;
      if (await portFree(port) && (!withBus || await portFree(port + 10000))) {
        this.usedPorts.add(port);
        if (withBus) this.usedPorts.add(port + 10000);
        return port;
      }
    }
    throw new Error('no free port found');
  }

  /**
   * Environment of every script: where the password is. The binaries are the scripts' defaults
   * (valkey-server, valkey-cli), as the StatefulSets set them.
   */
  scriptEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    return rootEnv(VALKEY_ROOT, { REDIS_AUTH_FILE: this.authFile, TMPDIR: this.root, ...extra });
  }

  /**
   * Runs a long-lived script (a *-start.sh that execs the server) in the valkey root as the pod's
   * user; output goes to `log`. The process's pid is the server's.
   */
  start(scriptPath: string, env: Record<string, string>, log: string): ChildProcess {
    chownTree(this.root);
    const out = fs.openSync(log, 'a');
    const argv = rootCommand(VALKEY_ROOT, 'sh', [scriptPath]);
    const child = spawn(argv[0], argv.slice(1), { env: this.scriptEnv(env), stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.processes.push(child);
    return child;
  }

  /** Runs a script to completion; returns its status and output. */
  async script(scriptPath: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
    chownTree(this.root);
    const argv = rootCommand(VALKEY_ROOT, 'sh', [scriptPath, ...args]);
    try {
      const { stdout, stderr } = await run(argv[0], argv.slice(1), { env: this.scriptEnv(env), timeout: 240000 });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : 1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }

  /** One redis-cli command as the pods' agent user (the password through REDISCLI_AUTH, never on the command line). */
  cli(port: number, ...args: string[]): Promise<string> {
    return this.cliAs('agent', this.derived('agent'), port, ...args);
  }

  /** One command as the default user with this password (the application's on redis-queue and the Sentinels). */
  cliWith(password: string, port: number, ...args: string[]): Promise<string> {
    return this.cliAs(undefined, password, port, ...args);
  }

  /** One command as `user` (the default user when undefined); valkey-cli from the valkey root. */
  async cliAs(user: string | undefined, password: string, port: number, ...args: string[]): Promise<string> {
    const argv = rootCommand(VALKEY_ROOT, 'valkey-cli', [...(user ? ['--user', user] : []), '--no-auth-warning', '-h', '127.0.0.1', '-p', String(port), ...args]);
    try {
      const { stdout } = await run(argv[0], argv.slice(1), {
        env: rootEnv(VALKEY_ROOT, { REDISCLI_AUTH: password, VALKEYCLI_AUTH: password }),
        timeout: 10000,
      });
      return stdout.replace(/\r/g, '').trim();
    } catch {
      return '';
    }
  }

  /** Runs load_client.py with Debian's python3; the password goes through the environment. */
  python(args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(PYTHON, ['-u', LOAD_CLIENT, ...args], {
      env: { PATH: process.env.PATH, REDIS_PASSWORD: this.password, REDIS_CACHE_USER: REDIS_CACHE_APP_USER },
      timeout: 280000,
      maxBuffer: 16 * 1024 * 1024,
    });
  }

  /**
   * Starts a load_client.py *-writes run: `ready` resolves once its writers are running,
   * `result` with its JSON statistics when it ends (after the trigger file and the settle time).
   */
  writes(args: string[], env: Record<string, string> = {}): { ready: Promise<void>; result: Promise<any> } { // eslint-disable-line @typescript-eslint/no-explicit-any
    const child = spawn(PYTHON, ['-u', LOAD_CLIENT, ...args], {
      env: { PATH: process.env.PATH, REDIS_PASSWORD: this.password, REDIS_CACHE_USER: REDIS_CACHE_APP_USER, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.processes.push(child);
    let stdout = '';
    let stderr = '';
    let signalReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => { signalReady = resolve; });
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) signalReady();
    });
    child.stderr!.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
    const result = new Promise((resolve, reject) => {
      child.once('exit', (code) => {
        signalReady();
        const last = stdout.trim().split('\n').pop() ?? '';
        if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
        else reject(new Error(`load_client.py exited ${code}: ${stderr.slice(-2000)}`));
      });
    });
    return { ready, result };
  }

  /** Stops everything this run started (SIGKILL: nothing to save) and removes the folders. */
  async stopAll(): Promise<void> {
    for (const p of this.processes) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    await Promise.all(this.processes.map((p) => exited(p, 5000)));
    // REDIS_IT_KEEP=1 keeps the folders (server logs) for a post-mortem.
    if (!process.env.REDIS_IT_KEEP) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Replaces (or adds) `directive value` lines of a redis.conf-style file. */
export function rewriteConf(text: string, settings: Record<string, string>): string {
  let out = text;
  for (const [directive, value] of Object.entries(settings)) {
    const line = new RegExp(`^${directive} .*$`, 'm');
    out = line.test(out) ? out.replace(line, `${directive} ${value}`) : `${out}\n${directive} ${value}\n`;
  }
  return out;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** Resolves when the process has exited (or after `ms`). */
export function exited(p: ChildProcess, ms: number): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. Returns the time it took. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check()) return Date.now() - started;
    await sleep(everyMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Measured figures, printed as a table at the end of a suite. */
export class Timings {
  private readonly rows: [string, string][] = [];

  add(what: string, value: string): void {
    this.rows.push([what, value]);
  }

  print(title: string): void {
    if (this.rows.length === 0) return;
    const width = Math.max(...this.rows.map(([w]) => w.length));
    const lines = [`\n${title}`, ...this.rows.map(([w, v]) => `  ${w.padEnd(width)}  ${v}`), ''];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
