// The Debian root Patroni runs from in this part's e2e test: debootstrap --variant=minbase of sid
// with patroni and postgresql-18 (Patroni 4.1.5, PostgreSQL 18.6 when this was written), built once
// and reused. postgresql-common must not create or start a cluster at install (a policy-rc.d that
// refuses service starts, create_main_cluster = false before the server package). The mount
// points the Patroni container needs exist in it, so it can be mounted read-only as `/`.
// Stands in for the image until the shared root cache of the image stand-ins serves this test.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Where the roots of this suite live (its own directory, separate from the shared cache). */
export const PATRONI_ROOTS_DIR = process.env.E2E_API_ROOTS_DIR ?? '/var/tmp/hA-roots';
export const PATRONI_ROOT = path.join(PATRONI_ROOTS_DIR, 'patroni-sid');
const COMPLETE = '.superset-k8s-root-complete';

/** Mount points the Patroni container binds over (the root is read-only). /var/run is a link to /run. */
const MOUNT_POINTS = ['home/postgres/pgdata', 'etc/patroni', 'run/postgresql', 'run/secrets/kubernetes.io/serviceaccount', 'tmp'];

const APT = ['-o', 'Acquire::Check-Valid-Until=false', '-o', 'APT::Install-Recommends=false', '-o', 'Dpkg::Options::=--force-confold', '-y', '-qq'];

function run(command: string, args: string[], log: fs.WriteStream | number, what: string): void {
  const r = spawnSync(command, args, { stdio: ['ignore', log, log], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C.UTF-8' } });
  if (r.status !== 0) throw new Error(`building the Patroni root: ${what} failed (${r.error?.message ?? `exit ${r.status}`}); see the build log`);
}

/** Versions of the packages that matter, from a finished root. */
export function rootVersions(root: string): string {
  return fs.readFileSync(path.join(root, COMPLETE), 'utf8').trim();
}

/** Returns the root, building it first when missing (about a minute and a half; needs root and the Debian archive). */
export function ensurePatroniRoot(log: (line: string) => void): string {
  if (fs.existsSync(path.join(PATRONI_ROOT, COMPLETE))) return PATRONI_ROOT;
  if (process.env.E2E_NODE_NETNS) {
    // scripts/e2e.sh runs the suite inside a node network namespace without an uplink: the Debian
    // archive cannot be reached from there.
    throw new Error(`the Patroni root ${PATRONI_ROOT} is missing and cannot be built inside the e2e node network namespace (no uplink); ` +
      'build it first, as root, outside it: npx tsx test/e2e/harness/api/patroni-root.ts');
  }
  fs.mkdirSync(PATRONI_ROOTS_DIR, { recursive: true });
  const work = `${PATRONI_ROOT}.build-${process.pid}`;
  const logFile = `${PATRONI_ROOT}.build.log`;
  const out = fs.openSync(logFile, 'w');
  log(`building ${PATRONI_ROOT} with debootstrap (log: ${logFile})`);
  const started = Date.now();
  try {
    fs.rmSync(work, { recursive: true, force: true });
    run('debootstrap', ['--variant=minbase', 'sid', work], out, 'debootstrap --variant=minbase sid');
    fs.writeFileSync(path.join(work, 'usr/sbin/policy-rc.d'), '#!/bin/sh\n# no service starts while building this root\nexit 101\n', { mode: 0o755 });
    // apt's maintainer scripts need /proc: mount it in a private mount namespace that ends with the script.
    const script = [
      'set -eu',
      `mount -t proc proc "${work}/proc"`,
      `chroot "${work}" apt-get ${APT.join(' ')} update`,
      `chroot "${work}" apt-get ${APT.join(' ')} install postgresql-common`,
      `sed -i 's/^#\\?\\s*create_main_cluster.*/create_main_cluster = false/' "${work}/etc/postgresql-common/createcluster.conf"`,
      `grep -q '^create_main_cluster = false' "${work}/etc/postgresql-common/createcluster.conf"`,
      `chroot "${work}" apt-get ${APT.join(' ')} install postgresql-18 patroni`,
      `chroot "${work}" apt-get ${APT.join(' ')} clean`,
      `test -z "$(ls -A "${work}/etc/postgresql" 2>/dev/null)"`,
    ].join('\n');
    run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], out, 'installing patroni and postgresql-18 in the root');
    for (const p of MOUNT_POINTS) fs.mkdirSync(path.join(work, p), { recursive: true });
    const versions = spawnSync('chroot', [work, 'dpkg-query', '-W', '-f', '${Package} ${Version}\\n', 'patroni', 'postgresql-18', 'python3'], { encoding: 'utf8' });
    if (versions.status !== 0) throw new Error(`building the Patroni root: dpkg-query failed: ${versions.stderr}`);
    fs.writeFileSync(path.join(work, COMPLETE), versions.stdout);
    fs.rmSync(PATRONI_ROOT, { recursive: true, force: true });
    fs.renameSync(work, PATRONI_ROOT);
    log(`built ${PATRONI_ROOT} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${versions.stdout.trim().replace(/\n/g, ', ')}`);
    return PATRONI_ROOT;
  } catch (e) {
    process.stderr.write(fs.readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n'));
    fs.rmSync(work, { recursive: true, force: true });
    throw e;
  } finally {
    fs.closeSync(out);
  }
}

if (require.main === module) ensurePatroniRoot((line) => process.stdout.write(`${line}\n`));
