import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

/* eslint-disable @typescript-eslint/no-explicit-any */

function podSpecOf(doc: any): any {
  if (doc?.kind === 'CronJob') return doc.spec?.jobTemplate?.spec?.template?.spec;
  return doc?.spec?.template?.spec;
}

/** Every container image (init containers included) of the workloads in a dist/<env> folder. */
export function manifestImages(distDir: string): string[] {
  const images = new Set<string>();
  for (const file of readdirSync(distDir).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const doc of yaml.loadAll(readFileSync(join(distDir, file), 'utf8')) as any[]) {
      const spec = podSpecOf(doc);
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) images.add(c.image);
    }
  }
  return [...images].sort();
}
