import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ImageStandIn, ImageStandIns } from '../contracts';
import { parseImageReference } from './image-reference';
import { IMAGE_TABLE, imageSpecFor, type ImageSpec } from './image-table';
import { ROOT_METADATA_PATH, RootBuilder, type RootBuild, type RootMetadata } from './root-builder';
import { baseKey, DEFAULT_CACHE_DIR, packagesKey, rootKey } from './root-key';

/** The repository's root (this file is test/e2e/harness/images/...). */
export const REPO_ROOT = resolve(__dirname, '../../../..');

export interface DebianImageStandInsOptions {
  /** Where roots are cached; default /var/cache/superset-k8s-e2e/roots. */
  readonly cacheDir?: string;
  readonly repoRoot?: string;
  /** How many roots are built at once (downloads overlap; dpkg is CPU- and disk-bound). */
  readonly concurrency?: number;
}

/** Image stand-ins made of Debian roots (see image-table.ts), built on demand and cached. */
export class DebianImageStandIns implements ImageStandIns {
  private readonly cacheDir: string;
  private readonly repoRoot: string;
  private readonly concurrency: number;

  constructor(options: DebianImageStandInsOptions = {}) {
    this.cacheDir = options.cacheDir ?? process.env.E2E_ROOTS_DIR ?? DEFAULT_CACHE_DIR;
    this.repoRoot = options.repoRoot ?? REPO_ROOT;
    this.concurrency = options.concurrency ?? 3;
  }

  standInFor(image: string): ImageStandIn {
    const spec = imageSpecFor(image);
    const root = this.builder(() => undefined).pathOf(spec.recipe);
    if (!existsSync(join(root, ROOT_METADATA_PATH))) {
      throw new Error(`image "${image}": its stand-in root ${spec.recipe.name} is not built (${root}); call ensureRoots([...images]) first`);
    }
    const meta = this.metadataOf(root);
    const { tag } = parseImageReference(image);
    const version = meta.versions[spec.recipe.versionPackage] ?? 'not installed';
    return {
      image,
      root,
      entrypoint: spec.entrypoint,
      cmd: spec.cmd,
      env: spec.env,
      workingDir: spec.workingDir,
      user: spec.user,
      differences: [`the manifest names tag ${tag}; the stand-in runs ${spec.recipe.versionPackage} ${version} (Debian ${meta.suite})`, ...spec.differences],
    };
  }

  /** The installed version of the entry's main package (its root must be built). */
  versionOf(spec: ImageSpec): string {
    return this.metadataOf(this.builder(() => undefined).pathOf(spec.recipe)).versions[spec.recipe.versionPackage] ?? 'not installed';
  }

  /** Deletes cached layers and roots that no entry of the table uses; returns their names. */
  prune(): string[] {
    const keep = new Set<string>();
    for (const spec of IMAGE_TABLE) {
      keep.add(rootKey(spec.recipe, this.repoRoot));
      keep.add(packagesKey(spec.recipe));
      keep.add(`${packagesKey(spec.recipe)}.versions.json`);
      keep.add(baseKey(spec.recipe.suite));
    }
    const removed: string[] = [];
    for (const name of readdirSync(this.cacheDir)) {
      if (keep.has(name) || name.endsWith('.lock') || name.startsWith('.building-')) continue;
      rmSync(join(this.cacheDir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  private metadataOf(root: string): RootMetadata {
    return JSON.parse(readFileSync(join(root, ROOT_METADATA_PATH), 'utf8')) as RootMetadata;
  }

  async ensureRoots(images: readonly string[], log: (line: string) => void): Promise<void> {
    await this.build(images, log);
  }

  /** Like ensureRoots, and says what it built (for the build-roots CLI). */
  async build(images: readonly string[], log: (line: string) => void): Promise<RootBuild[]> {
    const specs = unique(images.map((i) => imageSpecFor(i)));
    const builder = this.builder(log);
    const results: RootBuild[] = [];
    // Bases first (one per suite, shared), then the roots a few at a time.
    const queue = [...specs];
    const workers = Array.from({ length: Math.min(this.concurrency, queue.length) }, async () => {
      for (let spec = queue.shift(); spec; spec = queue.shift()) results.push(await builder.build(spec.recipe));
    });
    await Promise.all(workers);
    return results;
  }

  private builder(log: (line: string) => void): RootBuilder {
    return new RootBuilder(this.cacheDir, this.repoRoot, log);
  }
}

function unique(specs: ImageSpec[]): ImageSpec[] {
  return [...new Set(specs)];
}
