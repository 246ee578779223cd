import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KUBELET_PACKAGES, type DebianSuite, type RootRecipe } from './root-recipe';

/** Bump when the way roots are built changes, so every cached root is rebuilt. */
export const BUILDER_VERSION = 2;

/** Where built roots are kept across runs. */
export const DEFAULT_CACHE_DIR = '/var/cache/superset-k8s-e2e/roots';

function digest(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** Packages a recipe installs: its own plus what the kubelet needs, sorted and de-duplicated. */
export function packagesOf(recipe: RootRecipe): string[] {
  return [...new Set([...recipe.packages, ...KUBELET_PACKAGES])].sort();
}

/** The minbase debootstrap of a suite, shared by every root of that suite. */
export function baseKey(suite: DebianSuite): string {
  return `base-${suite}-${digest([BUILDER_VERSION, suite])}`;
}

/** Base + users + packages + locales: what apt puts into a root. */
export function packagesKey(recipe: RootRecipe): string {
  return `pkgs-${digest([BUILDER_VERSION, recipe.suite, packagesOf(recipe), recipe.users, [...recipe.locales].sort()])}`;
}

/**
 * The finished root: the packages layer plus the recipe's files (their contents, read from
 * `repoRoot`), folders, symlinks and writes.
 */
export function rootKey(recipe: RootRecipe, repoRoot: string): string {
  const files = recipe.files.map((f) => ({ ...f, content: contentDigest(join(repoRoot, f.from)) }));
  return digest([packagesKey(recipe), files, recipe.directories, recipe.symlinks, recipe.writes]);
}

/** Digest of a file, or of a folder's files (names, modes' executable bit and contents). */
export function contentDigest(path: string): string {
  const hash = createHash('sha256');
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name === '__pycache__' || name.endsWith('.pyc')) continue;
        walk(join(p, name));
      }
      return;
    }
    hash.update(`${relative(path, p)}\0${st.mode & 0o111 ? 'x' : '-'}\0`);
    hash.update(readFileSync(p));
    hash.update('\0');
  };
  walk(path);
  return hash.digest('hex');
}
