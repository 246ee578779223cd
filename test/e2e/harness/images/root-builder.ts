import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { processAlive, withLock } from './cache-lock';
import { baseKey, packagesKey, packagesOf, rootKey } from './root-key';
import type { DebianSuite, RootRecipe } from './root-recipe';
import { hostNetworkPrefix, runCommand } from './run-command';

const MIRROR = 'http://deb.debian.org/debian';

/** Written into every finished root: what it is and which package versions it holds. */
export const ROOT_METADATA_PATH = '/etc/superset-k8s-e2e-root.json';

export interface RootMetadata {
  readonly name: string;
  readonly suite: DebianSuite;
  readonly key: string;
  /** Installed package -> version (dpkg-query), every package of the root. */
  readonly versions: Readonly<Record<string, string>>;
  readonly builtAt: string;
}

export interface RootBuild {
  readonly name: string;
  readonly key: string;
  readonly path: string;
  /** False when it was already in the cache. */
  readonly built: boolean;
  readonly seconds: number;
}

const CHROOT_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  LC_ALL: 'C',
  DEBIAN_FRONTEND: 'noninteractive',
  HOME: '/root',
};

// apt and dpkg settings of every root: the snapshot's Release file has expired; no recommends;
// no documentation (smaller, faster roots).
const APT_CONF = `Acquire::Check-Valid-Until "false";
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Dpkg::Options { "--force-confdef"; "--force-confold"; "--force-unsafe-io"; };
`;
const DPKG_EXCLUDES = `path-exclude=/usr/share/doc/*
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
`;

/** Runs argv inside `root` (chroot) with /proc and /dev, in a private mount namespace of its own. */
function inRoot(root: string, argv: readonly string[], network: boolean): Promise<string> {
  const script = 'set -e; mount --make-rprivate /; mount -t proc proc "$0/proc"; mount --rbind /dev "$0/dev"; exec chroot "$0" "$@"';
  return runCommand([...(network ? hostNetworkPrefix() : []), 'unshare', '--mount', '--pid', '--fork', 'sh', '-c', script, root, ...argv], {
    env: CHROOT_ENV,
  });
}

/**
 * Builds root filesystems into `cacheDir` in three cached layers: a minbase debootstrap per suite,
 * then users + packages, then the recipe's files. Each layer is built in a temporary folder next
 * to its final place and renamed when complete, under a lock file, so concurrent builders (two
 * jest workers, CI and a developer) neither collide nor ever see a half-built root.
 */
export class RootBuilder {
  constructor(
    private readonly cacheDir: string,
    private readonly repoRoot: string,
    private readonly log: (line: string) => void,
  ) {}

  pathOf(recipe: RootRecipe): string {
    return join(this.cacheDir, rootKey(recipe, this.repoRoot));
  }

  async build(recipe: RootRecipe): Promise<RootBuild> {
    const started = Date.now();
    const key = rootKey(recipe, this.repoRoot);
    const path = join(this.cacheDir, key);
    if (existsSync(path)) return { name: recipe.name, key, path, built: false, seconds: 0 };
    await this.layer(key, `root ${recipe.name}`, async (tmp) => {
      const pkgs = await this.packagesLayer(recipe);
      await runCommand(['cp', '-a', '--reflink=auto', `${pkgs}/.`, tmp]);
      this.customize(recipe, tmp);
      const versions = JSON.parse(readFileSync(join(pkgs, '..', `${packagesKey(recipe)}.versions.json`), 'utf8')) as Record<string, string>;
      const meta: RootMetadata = { name: recipe.name, suite: recipe.suite, key, versions, builtAt: new Date().toISOString() };
      writeFileSync(join(tmp, ROOT_METADATA_PATH), `${JSON.stringify(meta, null, 2)}\n`);
    });
    return { name: recipe.name, key, path, built: true, seconds: (Date.now() - started) / 1000 };
  }

  private async baseLayer(suite: DebianSuite): Promise<string> {
    const key = baseKey(suite);
    await this.layer(key, `base ${suite}`, async (tmp) => {
      await runCommand([...hostNetworkPrefix(), 'debootstrap', '--variant=minbase', suite, tmp, MIRROR], { env: { ...process.env, ...CHROOT_ENV } });
      // Package scripts must never start a service or create a database cluster.
      writeFileSync(join(tmp, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
      mkdirSync(join(tmp, 'etc/postgresql-common'), { recursive: true });
      writeFileSync(join(tmp, 'etc/postgresql-common/createcluster.conf'), 'create_main_cluster = false\n');
      writeFileSync(join(tmp, 'etc/apt/apt.conf.d/90superset-k8s-e2e'), APT_CONF);
      writeFileSync(join(tmp, 'etc/dpkg/dpkg.cfg.d/90superset-k8s-e2e-nodoc'), DPKG_EXCLUDES);
      await inRoot(tmp, ['apt-get', 'clean'], false);
      rmSync(join(tmp, 'var/lib/apt/lists'), { recursive: true, force: true });
      mkdirSync(join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
    });
    return join(this.cacheDir, key);
  }

  private async packagesLayer(recipe: RootRecipe): Promise<string> {
    const key = packagesKey(recipe);
    await this.layer(key, `packages of ${recipe.name}`, async (tmp) => {
      const base = await this.baseLayer(recipe.suite);
      await runCommand(['cp', '-a', '--reflink=auto', `${base}/.`, tmp]);
      for (const u of recipe.users) {
        await inRoot(tmp, ['groupadd', '--system', '--gid', String(u.gid), u.group], false);
        await inRoot(tmp, ['useradd', '--system', '--uid', String(u.uid), '--gid', String(u.gid), '--home-dir', u.home, '--no-create-home', '--shell', u.shell, u.name], false);
      }
      await inRoot(tmp, ['apt-get', '-q', 'update'], true);
      await inRoot(tmp, ['apt-get', '-q', '-y', 'install', ...packagesOf(recipe)], true);
      if (recipe.locales.length > 0) {
        writeFileSync(join(tmp, 'etc/locale.gen'), recipe.locales.map((l) => `${l} ${l.split('.')[1] ?? 'UTF-8'}\n`).join(''));
        await inRoot(tmp, ['locale-gen'], false);
      }
      const listing = await inRoot(tmp, ['dpkg-query', '-W', '-f', '${Package} ${Version}\\n'], false);
      const versions = Object.fromEntries(
        listing.split('\n').filter((l) => l.includes(' ')).map((l) => l.split(' ') as [string, string]),
      );
      writeFileSync(join(this.cacheDir, `${key}.versions.json`), `${JSON.stringify(versions, null, 2)}\n`);
      await inRoot(tmp, ['apt-get', 'clean'], false);
      for (const dir of ['var/lib/apt/lists', 'var/cache/apt', 'var/log/apt', 'tmp']) {
        rmSync(join(tmp, dir), { recursive: true, force: true });
        mkdirSync(join(tmp, dir), { recursive: true });
      }
      chmodSync(join(tmp, 'tmp'), 0o1777);
      mkdirSync(join(tmp, 'var/lib/apt/lists/partial'), { recursive: true });
    });
    return join(this.cacheDir, key);
  }

  /** The recipe's own files, folders, symlinks and writes, on top of the packages. */
  private customize(recipe: RootRecipe, root: string): void {
    const at = (p: string) => join(root, p);
    for (const f of recipe.files) copyInto(join(this.repoRoot, f.from), at(f.to), f.mode);
    for (const d of recipe.directories) {
      mkdirSync(at(d.path), { recursive: true });
      chownSync(at(d.path), d.uid, d.gid);
      chmodSync(at(d.path), d.mode);
    }
    for (const s of recipe.symlinks) {
      mkdirSync(dirname(at(s.path)), { recursive: true });
      rmSync(at(s.path), { force: true });
      symlinkSync(s.target, at(s.path));
    }
    for (const w of recipe.writes) {
      mkdirSync(dirname(at(w.path)), { recursive: true });
      writeFileSync(at(w.path), w.content, { mode: w.mode });
      chmodSync(at(w.path), w.mode);
    }
    // Mount points the kubelet fills per pod (resolv.conf, hosts, hostname): present and empty.
    for (const f of ['etc/resolv.conf', 'etc/hosts', 'etc/hostname']) {
      rmSync(at(f), { force: true });
      writeFileSync(at(f), '');
    }
  }

  /** Builds one cache entry under its lock: in a temporary folder, renamed when complete. */
  private async layer(key: string, what: string, build: (tmp: string) => Promise<void>): Promise<void> {
    const final = join(this.cacheDir, key);
    if (existsSync(final)) return;
    mkdirSync(this.cacheDir, { recursive: true });
    await withLock(
      join(this.cacheDir, `${key}.lock`),
      (holder) => this.log(`${what}: waiting for another builder (pid ${holder})`),
      async () => {
        if (existsSync(final)) return;
        this.removeAbandoned(key);
        const tmp = join(this.cacheDir, `.building-${key}-${process.pid}`);
        rmSync(tmp, { recursive: true, force: true });
        mkdirSync(tmp);
        const started = Date.now();
        this.log(`${what}: building ${key}`);
        try {
          await build(tmp);
          renameSync(tmp, final);
        } catch (err) {
          rmSync(tmp, { recursive: true, force: true });
          const offline = /Failed getting release file|Could not resolve|Temporary failure resolving|Network is unreachable/.test((err as Error).message);
          const hint = offline ? ' (no route to deb.debian.org from this network namespace: set E2E_HOST_NET_PID to a process in the machine\'s namespace, or run build-roots.ts there first)' : '';
          throw new Error(`${what} (${key}) could not be built${hint}: ${(err as Error).message}`);
        }
        this.log(`${what}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      },
    );
  }

  /** Half-built folders of a builder that died. */
  private removeAbandoned(key: string): void {
    for (const name of readdirSync(this.cacheDir)) {
      const m = new RegExp(`^\\.building-${key}-(\\d+)$`).exec(name);
      if (m && !processAlive(Number(m[1]))) rmSync(join(this.cacheDir, name), { recursive: true, force: true });
    }
  }
}

/** Copies a repository file or folder into a root, owned by root, world-readable. */
function copyInto(from: string, to: string, mode?: number): void {
  const st = statSync(from);
  mkdirSync(dirname(to), { recursive: true });
  if (st.isDirectory()) {
    mkdirSync(to, { recursive: true });
    chmodSync(to, 0o755);
    for (const name of readdirSync(from)) {
      if (name === '__pycache__' || name.endsWith('.pyc')) continue;
      copyInto(join(from, name), join(to, name));
    }
    return;
  }
  writeFileSync(to, readFileSync(from));
  chownSync(to, 0, 0);
  chmodSync(to, mode ?? (st.mode & 0o111 ? 0o755 : 0o644));
}

/** Size of a root in bytes (du), for reports. */
export async function rootSize(path: string): Promise<number> {
  const out = await runCommand(['du', '-sb', path]);
  return Number.parseInt(out, 10);
}
