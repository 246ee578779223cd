import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';

// A container as the runtime makes it: the image's root filesystem (read-only when the spec says
// so), the volumes bind-mounted at their mountPaths, the kubelet's /etc/hosts, /etc/resolv.conf
// and /etc/hostname, its own PID namespace with the command as PID 1, the manifest's uid, gid
// and groups, no capabilities, in the pod's network namespace.

export interface Mount {
  /** Path on the node. */
  readonly source: string;
  /** Path in the container. */
  readonly target: string;
  readonly readOnly: boolean;
}

export interface ContainerSpec {
  /** The image stand-in's root filesystem (never written to). */
  readonly imageRoot: string;
  /** Directory for this container's writable layer and its merged root (on the node). */
  readonly layerDir: string;
  readonly readOnlyRoot: boolean;
  readonly mounts: readonly Mount[];
  readonly hostname: string;
  readonly workingDir: string;
  readonly uid: number;
  readonly gid: number;
  /** Supplementary groups (fsGroup, supplementalGroups). */
  readonly groups: readonly number[];
  readonly noNewPrivileges: boolean;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** The pod's network namespace (a name under /run/netns). */
  readonly netns: string;
  /** File the container's stdout and stderr are appended to. */
  readonly logFile: string;
}

/** Mount points sorted as the runtime mounts them: parents before children. */
export function sortedMounts(mounts: readonly Mount[]): Mount[] {
  return [...mounts].sort((a, b) => a.target.split('/').length - b.target.split('/').length || a.target.localeCompare(b.target));
}

/** The bubblewrap command line (pure, for tests). `merged` is the prepared root. */
export function bwrapArgs(spec: ContainerSpec, merged: string): string[] {
  const args = [
    '--die-with-parent',
    '--unshare-pid', '--as-pid-1',
    '--unshare-ipc', '--unshare-uts', '--hostname', spec.hostname,
    spec.readOnlyRoot ? '--ro-bind' : '--bind', merged, '/',
    '--proc', '/proc',
    '--dev', '/dev',
    // The runtime's /dev/shm: a 64 MiB tmpfs anyone may write (sticky), unless a volume replaces it.
    '--perms', '1777', '--size', String(64 * 2 ** 20), '--tmpfs', '/dev/shm',
  ];
  for (const m of sortedMounts(spec.mounts)) args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, m.target);
  args.push('--chdir', spec.workingDir, '--info-fd', '3', '--');
  args.push(...setprivArgs(spec), ...spec.argv);
  return args;
}

/** setpriv: become the container's user with no capabilities (run inside the container's root). */
export function setprivArgs(spec: Pick<ContainerSpec, 'uid' | 'gid' | 'groups' | 'noNewPrivileges'>): string[] {
  const args = ['/usr/bin/setpriv', `--reuid=${spec.uid}`, `--regid=${spec.gid}`];
  args.push(spec.groups.length ? `--groups=${[...new Set(spec.groups)].join(',')}` : '--clear-groups');
  args.push('--inh-caps=-all', '--bounding-set=-all');
  if (spec.noNewPrivileges) args.push('--no-new-privs');
  args.push('--');
  return args;
}

/**
 * Where `target` (a path in the container) lives under `root` on the node, following symlinks the
 * way the container will see them (an absolute link is relative to `root`, never to the node's
 * own root): `/var/run/x` in a Debian root is `<root>/run/x`.
 */
export function pathInRoot(root: string, target: string): string {
  const parts = target.split('/').filter(Boolean);
  let current = root;
  for (let i = 0, hops = 0; i < parts.length; i++) {
    const next = path.join(current, parts[i]);
    let st: fs.Stats | undefined;
    try {
      st = fs.lstatSync(next);
    } catch {
      st = undefined;
    }
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new Error(`too many symbolic links resolving ${target} in ${root}`);
      const link = fs.readlinkSync(next);
      const rest = parts.slice(i + 1);
      const base = link.startsWith('/') ? link : path.join(path.relative(root, current) || '.', link);
      parts.splice(0, parts.length, ...base.split('/').filter((x) => x && x !== '.'), ...rest);
      current = root;
      i = -1;
      continue;
    }
    if (parts[i] === '..') {
      current = current === root ? root : path.dirname(current);
      continue;
    }
    current = next;
  }
  return current;
}

/**
 * The container's root: an overlay of the image root (lower) and a writable layer (upper), so the
 * runtime can create mount points that the image lacks; with readOnlyRootFilesystem it is then
 * bind-mounted read-only. Returns the merged directory.
 */
export function prepareRoot(spec: ContainerSpec): string {
  const upper = path.join(spec.layerDir, 'upper');
  const work = path.join(spec.layerDir, 'work');
  const merged = path.join(spec.layerDir, 'rootfs');
  for (const d of [upper, work, merged]) fs.mkdirSync(d, { recursive: true });
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${spec.imageRoot},upperdir=${upper},workdir=${work}`, merged]);
  for (const m of spec.mounts) {
    const target = pathInRoot(merged, m.target);
    if (fs.existsSync(target)) continue;
    if (fs.statSync(m.source).isDirectory()) fs.mkdirSync(target, { recursive: true, mode: 0o755 });
    else {
      fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
      fs.writeFileSync(target, '');
    }
  }
  const wd = pathInRoot(merged, spec.workingDir);
  if (!fs.existsSync(wd)) fs.mkdirSync(wd, { recursive: true, mode: 0o755 });
  return merged;
}

/** Unmounts a container's root and drops its writable layer (a restarted container starts clean). */
export function removeRoot(layerDir: string): void {
  removeTree(layerDir);
}

/**
 * Removes a directory of the node after unmounting everything mounted under it (container roots,
 * memory-backed volumes), deepest first: a mount left behind would make the removal fail.
 */
export function removeTree(dir: string): void {
  const prefix = `${path.resolve(dir)}/`;
  // A container that is still being killed can keep a mount busy for a moment: try a few times.
  for (let attempt = 0; ; attempt++) {
    const mounts = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
      .map((l) => l.split(' ')[4])
      .filter((m): m is string => !!m && (m === prefix.slice(0, -1) || m.startsWith(prefix)))
      .sort((a, b) => b.length - a.length);
    for (const m of mounts) {
      try {
        execFileSync('umount', ['-l', m], { stdio: 'ignore' });
      } catch {
        // gone meanwhile
      }
    }
    try {
      fs.rmSync(dir, { recursive: true, force: true });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 20) throw e;
      execFileSync('sleep', ['0.25']);
    }
  }
}

export interface RunningContainer {
  readonly process: ChildProcess;
  /** Node PID of the container's PID 1 (for signals and for entering its namespaces). */
  readonly pid: Promise<number>;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  readonly exited: Promise<number>;
}

/** Starts the container; its environment is passed to the process, never on a command line. */
export function startContainer(spec: ContainerSpec): RunningContainer {
  const merged = prepareRoot(spec);
  // bubblewrap resolves a mount target's symlinks against its own temporary root, not the
  // container's: give it targets with the container's symlinks already followed.
  const resolved = { ...spec, mounts: spec.mounts.map((m) => ({ ...m, target: `/${path.relative(merged, pathInRoot(merged, m.target))}` })) };
  const log = fs.openSync(spec.logFile, 'a');
  const child = spawn('/usr/bin/nsenter', [`--net=/run/netns/${spec.netns}`, '--', '/usr/bin/bwrap', ...bwrapArgs(resolved, merged)], {
    env: { ...spec.env },
    stdio: ['ignore', log, log, 'pipe'],
    detached: true,
  });
  fs.closeSync(log);
  const pid = new Promise<number>((resolve, reject) => {
    let info = '';
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (d) => {
      info += d.toString();
      const m = info.match(/"child-pid":\s*(\d+)/);
      if (m) resolve(Number(m[1]));
    });
    fd3.on('end', () => reject(new Error('the container exited before bubblewrap reported its PID')));
    fd3.on('error', reject);
  });
  pid.catch(() => undefined);
  const exited = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    child.on('error', () => resolve(127));
  });
  return { process: child, pid, exited };
}

function signalNumber(signal: NodeJS.Signals): number {
  return (require('node:os').constants.signals as Record<string, number>)[signal] ?? 0;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly output: string;
  readonly timedOut: boolean;
}

/**
 * Runs a command inside a running container (its mount, PID, network, IPC and UTS namespaces, its
 * user, its environment, the working directory of its PID 1), as `kubectl exec` and exec probes
 * do. Killed after `timeoutMs`.
 */
export function execInContainer(
  pid: number,
  /** The container's runtime process (bubblewrap's monitor): `pid` must still be its child. */
  parent: number | undefined,
  user: Pick<ContainerSpec, 'uid' | 'gid' | 'groups' | 'noNewPrivileges'>,
  env: Readonly<Record<string, string>>,
  argv: readonly string[],
  timeoutMs: number,
  input?: string,
): Promise<ExecResult> {
  if (parent !== undefined && !isChildOf(pid, parent)) return Promise.resolve({ exitCode: 126, output: 'the container is not running', timedOut: false });
  return new Promise((resolve) => {
    const child = spawn('/usr/bin/nsenter', [
      `--target=${pid}`, '--mount', '--uts', '--ipc', '--net', '--pid', '--root', '--wd', '--',
      ...setprivArgs(user), ...argv,
    ], { env: { ...env }, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], detached: true });
    let output = '';
    const keep = (d: Buffer) => {
      output += d.toString();
      if (output.length > 65536) output = output.slice(-65536);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    if (input !== undefined) child.stdin!.end(input);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 128 + (signal ? signalNumber(signal) : 0), output, timedOut });
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, output: String(e), timedOut: false });
    });
  });
}

/** Is `pid` a live child of `parent` (not a PID the kernel has since given to another process)? */
function isChildOf(pid: number, parent: number): boolean {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(status.match(/^PPid:\s+(\d+)/m)?.[1]) === parent && !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/** Signals a process group started with `detached: true`. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // gone already
  }
}
