import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DebianImageStandIns } from '../../e2e/harness/images/debian-image-stand-ins';

// The integration tests run each server from the Debian root that stands in for its image (the
// e2e harness's roots, test/e2e/harness/images), so they test the versions we ship (PostgreSQL 18,
// Patroni 4.1, PgBouncer 1.26, Valkey 9.1 from Debian unstable), not the host's. Unlike the e2e
// harness there is no pod network: servers listen on the host's 127.0.0.1.
//
// Per root, one holder process (unshare -m -> sh -> chroot <root>) makes a private mount namespace
// in which the root is read-only, with the host's /tmp (where every test keeps its data, config
// and scripts, at the same paths), /dev, /proc and /etc/hosts on top. A program then runs through
// nsenter (into that namespace and root) -> setpriv -> env, each exec'ing the next, so the pid a
// test gets is the server's own (it signals, SIGSTOPs and reads /proc of it). Setting the mounts
// up once instead of per program keeps a psql call cheap (tests poll with hundreds of them).

/* eslint-disable @typescript-eslint/no-explicit-any */

const REPO = path.join(__dirname, '..', '..', '..');

/** A container of dist/<env> and the root that stands in for its image. */
export interface ImageRoot {
  readonly image: string;
  readonly root: string;
  /** The manifest's runAsUser / runAsGroup (container over pod). */
  readonly uid: number;
  readonly gid: number;
  /** The image's PATH. */
  readonly path: string;
}

function objectsOf(env: string, file: string): any[] {
  const text = fs.readFileSync(path.join(REPO, 'dist', env, file), 'utf8');
  return parseAllDocuments(text).map((d) => d.toJS()).filter(Boolean);
}

function podSpecOf(o: any): any {
  return o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
}

/**
 * The root of a container of a workload in dist/<env>/<file>, run as the manifest's user.
 * Throws when the workload or container is missing, the manifest sets no user, or the root is not
 * built (scripts/integration.sh builds the roots the suites need).
 */
export function imageRoot(env: string, file: string, workload: string, container: string): ImageRoot {
  const o = objectsOf(env, file).find((x) => ['StatefulSet', 'Deployment', 'CronJob', 'Job'].includes(x.kind) && x.metadata.name === workload);
  if (!o) throw new Error(`dist/${env}/${file} has no workload ${workload}`);
  const spec = podSpecOf(o);
  const c = [...(spec.initContainers ?? []), ...spec.containers].find((x: any) => x.name === container);
  if (!c) throw new Error(`dist/${env}/${file}: ${workload} has no container ${container}`);
  const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
  const gid = c.securityContext?.runAsGroup ?? spec.securityContext?.runAsGroup ?? uid;
  if (uid === undefined) throw new Error(`dist/${env}/${file}: ${workload}/${container} sets no runAsUser`);
  const standIn = new DebianImageStandIns().standInFor(c.image);
  return { image: c.image, root: standIn.root, uid, gid, path: standIn.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
}

// $0 is the root. The holder waits on its stdin, a pipe from this process: it ends when this
// process does (EOF), whatever way it ends.
const HOLDER = [
  'set -e',
  'r=$0',
  '/usr/bin/mount --bind "$r" "$r"',
  '/usr/bin/mount -o remount,bind,ro "$r"',
  '/usr/bin/mount --rbind /dev "$r/dev"',
  '/usr/bin/mount -t proc proc "$r/proc"',
  '/usr/bin/mount --bind /tmp "$r/tmp"',
  '/usr/bin/mount --bind -o ro /etc/hosts "$r/etc/hosts"',
  'exec /usr/sbin/chroot "$r" /bin/sh -c "read _"',
].join('; ');

/** Root -> its holder (kept referenced: its stdin pipe must stay open while the suite runs). */
const holders = new Map<string, ChildProcess>();

/** The pid of the process holding the root's mount namespace (started on first use). */
function holderOf(root: string): number {
  const known = holders.get(root);
  if (known && known.exitCode === null && known.signalCode === null) return known.pid!;
  const child = spawn('/usr/bin/unshare', ['--mount', '/bin/sh', '-c', HOLDER, root], { stdio: ['pipe', 'ignore', 'inherit'] });
  // Neither the holder nor its pipe keeps this process (jest) from exiting.
  child.unref();
  (child.stdin as unknown as { unref(): void }).unref();
  const pid = child.pid!;
  // Synchronous wait (rootCommand is called from synchronous code) until the holder is in the root.
  const deadline = Date.now() + 20000;
  for (;;) {
    let at = '';
    try {
      at = fs.readlinkSync(`/proc/${pid}/root`);
    } catch {
      /* not started yet, or failed */
    }
    if (at === root) break;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the mount namespace of root ${root} could not be set up (unshare/mount as root?)`);
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
  }
  holders.set(root, child);
  return pid;
}

export interface RootCommandOptions {
  /** Working directory inside the root (default /tmp). */
  readonly cwd?: string;
  /** Another user than the manifest's (numeric). */
  readonly uid?: number;
  readonly gid?: number;
}

/** argv that runs `command args` in the root as the manifest's user (spawn it with an explicit env). */
export function rootCommand(r: ImageRoot, command: string, args: readonly string[], o: RootCommandOptions = {}): string[] {
  const uid = o.uid ?? r.uid;
  const gid = o.gid ?? r.gid;
  const cwd = o.cwd ?? '/tmp';
  if (!cwd.startsWith('/tmp')) throw new Error(`rootCommand: working directory ${cwd} is not under /tmp, the only host folder the root sees`);
  const holder = holderOf(r.root);
  return ['/usr/bin/nsenter', `--target=${holder}`, '--mount', '--root', '/usr/bin/setpriv',
    `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', '/usr/bin/env', '-C', cwd, command, ...args];
}

/** The environment a program in the root starts with: the image's PATH, then `env`. */
export function rootEnv(r: ImageRoot, env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: r.path, LANG: 'C.UTF-8', ...env };
}
