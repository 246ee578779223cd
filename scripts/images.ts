// npm run images [-- <env> ...] [--format json]
// Every image an environment runs: repository, tag and digest (when set), the setting that
// configures it and the containers that run it, read from the synthesized objects (what is
// applied), so a team can pin each digest (<setting>.digest) or feed a mirror. All environments
// when none is named. Exit code: 0, or 2 on an error (an unknown environment, invalid config).
import { App } from 'cdk8s';
import { ENVIRONMENTS } from '../environments';
import { resolveEnvironment } from '../lib/config/load';
import { buildPlatform } from '../lib/platform';
import type { KubeObject } from '../lib/policy';
import { containersOf, podsOf } from '../lib/policy/pods';
import { overridesFor } from '../lib/synthesize';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ImageReference {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits "host:5000/a/b:1.2@sha256:..." into repository, tag and digest (a registry port is not a tag). */
export function parseImage(image: string): ImageReference {
  const [name, digest] = image.split('@');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  return {
    repository: colon === -1 ? name : name.slice(0, colon),
    ...(colon === -1 ? {} : { tag: name.slice(colon + 1) }),
    ...(digest ? { digest } : {}),
  };
}

export interface ImageUse extends ImageReference {
  /** The config field of the image (e.g. "redis.images.valkey"), when one configures it. */
  readonly setting?: string;
  /** `Kind/name container`, sorted. */
  readonly usedBy: readonly string[];
}

/** Every `{ repository, tag, digest? }` of a resolved config, by the reference it renders. */
function settingsByReference(value: any, at = '', out = new Map<string, string>()): Map<string, string> {
  if (value === null || typeof value !== 'object') return out;
  if (typeof value.repository === 'string' && typeof value.tag === 'string') {
    out.set(`${value.repository}:${value.tag}${value.digest ? `@${value.digest}` : ''}`, at);
    return out;
  }
  for (const [k, v] of Object.entries(value)) settingsByReference(v, at ? `${at}.${k}` : k, out);
  return out;
}

/** The images of a set of objects, one entry per distinct reference, sorted by repository. */
export function imagesOf(objects: readonly KubeObject[], config: unknown): ImageUse[] {
  const settings = settingsByReference(config);
  const uses = new Map<string, Set<string>>();
  for (const pod of podsOf(objects)) {
    for (const c of containersOf(pod)) {
      const image: string = c.container.image;
      uses.set(image, (uses.get(image) ?? new Set()).add(`${pod.owner.kind}/${pod.owner.metadata.name} ${c.container.name}`));
    }
  }
  return [...uses.entries()]
    .map(([image, by]) => ({ ...parseImage(image), setting: settings.get(image), usedBy: [...by].sort() }))
    .sort((a, b) => `${a.repository}:${a.tag}`.localeCompare(`${b.repository}:${b.tag}`));
}

/** The objects and resolved config of an environment, built in memory (nothing is written). */
export function environmentImages(name: string): ImageUse[] {
  const env = resolveEnvironment(name, overridesFor(name, ENVIRONMENTS));
  const app = new App({ outdir: '/nonexistent-never-written', recordConstructMetadata: false });
  buildPlatform(app, env);
  return imagesOf(app.charts.flatMap((c) => c.toJson() as KubeObject[]), env.config);
}

export function formatImages(environment: string, images: readonly ImageUse[]): string {
  const rows = images.map((i) => `| \`${i.repository}\` | \`${i.tag ?? ''}\` | ${i.digest ? `\`${i.digest}\`` : 'not pinned'} | ${i.setting ? `\`${i.setting}\`` : ''} | ${i.usedBy.join(', ')} |`);
  return [
    `## ${environment}: ${images.length} images`, '',
    '| repository | tag | digest | setting | used by |', '|---|---|---|---|---|', ...rows, '',
    `Pin a digest with <setting>.digest in environments/${environment}.ts (it is pulled by digest then).`, '',
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes('--format') && args[args.indexOf('--format') + 1] === 'json';
  const names = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--format');
  try {
    const selected = names.length ? names : Object.keys(ENVIRONMENTS);
    const result = selected.map((name) => ({ environment: name, images: environmentImages(name) }));
    process.stdout.write(json ? `${JSON.stringify(result, null, 2)}\n` : result.map((r) => formatImages(r.environment, r.images)).join('\n'));
  } catch (error) {
    console.error(`images failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
