import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DebianImageStandIns } from '../../e2e/harness/images/debian-image-stand-ins';

// The integration tests run each server from the Debian root that stands in for its image (the
// e2e harness's roots, test/e2e/harness/images), so they test the versions we ship (PostgreSQL 18,
// Patroni 4.1, PgBouncer 1.26, Valkey 9.1 from Debian unstable), not the host's. Unlike the e2e
// harness there is no pod network: servers listen on the host's 127.0.0.1.
//
// The exec chain is unshare -m -> sh -> chroot <root> -> setpriv -> the program, each exec'ing the
// next, so the pid a test gets is the server's own (it signals, SIGSTOPs and reads /proc of it).
// In the private mount namespace the root is read-only, with the host's /tmp (where every test
// keeps its data, config and scripts, at the same paths), /dev, /proc and /etc/hosts on top.

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

// $0 is the root, $1 the working directory; then the setpriv arguments and the program.
const CHAIN = [
  'set -e',
  'r=$0; cwd=$1; shift',
  '/usr/bin/mount --bind "$r" "$r"',
  '/usr/bin/mount -o remount,bind,ro "$r"',
  '/usr/bin/mount --rbind /dev "$r/dev"',
  '/usr/bin/mount -t proc proc "$r/proc"',
  '/usr/bin/mount --bind /tmp "$r/tmp"',
  '/usr/bin/mount --bind -o ro /etc/hosts "$r/etc/hosts"',
  'exec /usr/sbin/chroot "$r" setpriv "$@"',
].join('; ');

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
  return ['/usr/bin/unshare', '--mount', '/bin/sh', '-c', CHAIN, r.root, cwd,
    `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', '/usr/bin/env', '-C', cwd, command, ...args];
}

/** The environment a program in the root starts with: the image's PATH, then `env`. */
export function rootEnv(r: ImageRoot, env: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { PATH: r.path, LANG: 'C.UTF-8', ...env };
}
