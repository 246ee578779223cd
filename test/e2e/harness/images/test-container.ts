import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImageStandIn } from '../contracts';
import { runCommand } from './run-command';

// A container the way the kubelet runs one, reduced to what the image tests need: an overlay
// over the read-only root (mount points created in the upper layer), bubblewrap with the root
// read-only, PID 1 in a PID namespace, setpriv to the manifest's uid. Test-only helper.

export interface ContainerOptions {
  readonly argv: readonly string[];
  readonly uid: number;
  readonly gid: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Network namespace (under /run/netns) to run in. */
  readonly netns?: string;
  /** Host path -> container path, read-only. */
  readonly files?: Readonly<Record<string, string>>;
  /** Host folders -> container paths, read-write. */
  readonly volumes?: Readonly<Record<string, string>>;
  /** Container paths that get an empty tmpfs (writable by anyone, sticky). */
  readonly tmpfs?: readonly string[];
  readonly cwd?: string;
}

export interface RunningContainer {
  readonly process: ChildProcess;
  output(): string;
  /** Resolves with the exit code once it ended. */
  readonly exited: Promise<number>;
  stop(): Promise<void>;
}

/** Temporary folders of a test run: /var/tmp/hI-XXXXXX. */
export function makeScratch(): string {
  return mkdtempSync('/var/tmp/hI-');
}

async function mountOverlay(standIn: ImageStandIn, scratch: string, options: ContainerOptions): Promise<string> {
  const dir = mkdtempSync(join(scratch, 'ctr-'));
  const [upper, work, merged] = ['upper', 'work', 'merged'].map((d) => join(dir, d));
  for (const d of [upper, work, merged]) mkdirSync(d);
  // Mount points the root lacks: created in the upper layer, as the kubelet does.
  const points = [...Object.values(options.files ?? {}), ...Object.values(options.volumes ?? {}), ...(options.tmpfs ?? [])];
  for (const p of Object.values(options.files ?? {})) {
    mkdirSync(join(upper, dirname(p)), { recursive: true });
    writeFileSync(join(upper, p), '');
  }
  for (const p of points.filter((q) => !Object.values(options.files ?? {}).includes(q))) mkdirSync(join(upper, p), { recursive: true });
  await runCommand(['mount', '-t', 'overlay', 'overlay', '-o', `lowerdir=${standIn.root},upperdir=${upper},workdir=${work}`, merged]);
  return merged;
}

export async function startContainer(standIn: ImageStandIn, scratch: string, options: ContainerOptions): Promise<RunningContainer> {
  const merged = await mountOverlay(standIn, scratch, options);
  const env = { ...standIn.env, ...(options.env ?? {}) };
  const bwrap = ['bwrap', '--ro-bind', merged, '/', '--proc', '/proc', '--dev', '/dev', '--perms', '1777', '--tmpfs', '/dev/shm'];
  for (const [from, to] of Object.entries(options.files ?? {})) bwrap.push('--ro-bind', from, to);
  for (const [from, to] of Object.entries(options.volumes ?? {})) bwrap.push('--bind', from, to);
  for (const t of options.tmpfs ?? []) bwrap.push('--perms', '1777', '--tmpfs', t);
  bwrap.push('--chdir', options.cwd ?? standIn.workingDir, '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--as-pid-1', '--die-with-parent', '--clearenv');
  for (const [k, v] of Object.entries(env)) bwrap.push('--setenv', k, v);
  bwrap.push('setpriv', '--reuid', String(options.uid), '--regid', String(options.gid), '--clear-groups', '--inh-caps=-all', '--no-new-privs', ...options.argv);
  const argv = options.netns ? ['ip', 'netns', 'exec', options.netns, ...bwrap] : bwrap;
  const child = spawn(argv[0], argv.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number>((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 10000);
      await exited;
      clearTimeout(timer);
    }
    await runCommand(['umount', merged]).catch(() => undefined);
  };
  return { process: child, output: () => out, exited, stop };
}

/** Runs a command in a container to its end: exit code and output. */
export async function runContainer(standIn: ImageStandIn, scratch: string, options: ContainerOptions): Promise<{ code: number; output: string }> {
  const c = await startContainer(standIn, scratch, options);
  const code = await c.exited;
  await c.stop();
  return { code, output: c.output() };
}

/** A fresh network namespace with loopback up (addresses 127.0.0.0/8 exist only inside it). */
export async function makeNetns(): Promise<{ name: string; remove: () => Promise<void> }> {
  const name = `hI-${Math.random().toString(16).slice(2, 10)}`;
  await runCommand(['ip', 'netns', 'add', name]);
  await runCommand(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
  return { name, remove: () => runCommand(['ip', 'netns', 'del', name]).then(() => undefined) };
}

export function removeScratch(scratch: string): void {
  rmSync(scratch, { recursive: true, force: true });
}
