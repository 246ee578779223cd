/** Debian suites the roots are built from (deb.debian.org). */
export type DebianSuite = 'sid' | 'trixie';

/** A user (and its primary group) created in a root before any package, so ids match the image. */
export interface RootUser {
  readonly name: string;
  readonly uid: number;
  readonly group: string;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

/** A file or folder of this repository copied into a root (folders recursively). */
export interface RootFile {
  /** Path relative to the repository root. */
  readonly from: string;
  /** Absolute path in the root. */
  readonly to: string;
  /** Mode of a copied file (folders keep 0755, their files 0644 unless executable in the repo). */
  readonly mode?: number;
}

export interface RootDirectory {
  readonly path: string;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

export interface RootSymlink {
  readonly path: string;
  readonly target: string;
}

export interface RootWrite {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/**
 * How one root filesystem is made: a minbase debootstrap of `suite`, the `users`, the Debian
 * `packages` (no recommends), the locales, then the files, folders, symlinks and writes, in that
 * order. Everything here goes into the cache key, so changing any of it builds a new root.
 */
export interface RootRecipe {
  /** Short name for logs and the cache folder's metadata ("superset", "valkey", ...). */
  readonly name: string;
  readonly suite: DebianSuite;
  readonly packages: readonly string[];
  readonly users: readonly RootUser[];
  /** Locales to generate with locale-gen (needs the `locales` package), e.g. "en_US.UTF-8". */
  readonly locales: readonly string[];
  readonly files: readonly RootFile[];
  readonly directories: readonly RootDirectory[];
  readonly symlinks: readonly RootSymlink[];
  readonly writes: readonly RootWrite[];
  /** The package whose installed version is reported next to the manifest's tag. */
  readonly versionPackage: string;
}

/** Every root needs these: the kubelet runs `setpriv`, `sh` and `getent` inside it. */
export const KUBELET_PACKAGES: readonly string[] = ['util-linux', 'libc-bin', 'coreutils', 'dash'];
