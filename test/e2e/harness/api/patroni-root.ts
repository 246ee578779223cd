// The root Patroni runs from in this part's e2e test: the Spilo image's stand-in (Patroni and
// PostgreSQL 18 from Debian, harness/images/), mounted as the kubelet mounts an image: an overlay
// whose upper layer holds the mount points the Patroni container binds over, so the image root
// itself stays read-only and untouched.

import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DebianImageStandIns } from '../images/debian-image-stand-ins';

export const SPILO_IMAGE = 'ghcr.io/zalando/spilo-18:4.1-p2';

/** Mount points the Patroni container binds over (the root is read-only). /var/run is a link to /run. */
const MOUNT_POINTS = ['home/postgres/pgdata', 'etc/patroni', 'run/postgresql', 'run/secrets/kubernetes.io/serviceaccount', 'tmp'];

export interface PatroniRoot {
  readonly root: string;
  /** The versions that matter, one line (for the test's figures). */
  readonly versions: string;
  release(): void;
}

/** Mounts the Spilo stand-in's root with the mount points under `work` (the roots are built by scripts/e2e.sh). */
export function mountPatroniRoot(work: string): PatroniRoot {
  const standIn = new DebianImageStandIns().standInFor(SPILO_IMAGE);
  const [upper, workdir, root] = ['upper', 'overlay-work', 'root'].map((d) => path.join(work, d));
  for (const d of [upper, workdir, root]) fs.mkdirSync(d, { recursive: true });
  execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${standIn.root},upperdir=${upper},workdir=${workdir}`, root]);
  for (const m of MOUNT_POINTS) fs.mkdirSync(path.join(root, m), { recursive: true, mode: 0o755 });
  return {
    root,
    versions: standIn.differences[0],
    release: () => execFileSync('umount', ['-l', root]),
  };
}
