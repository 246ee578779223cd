import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../policy';
import { containersOf, podsOf } from '../policy/pods';
import { describeObject } from '../policy/rule';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** What an audit point may look at: the synthesized objects of one environment and the repo's docs. */
export class AuditContext {
  /** superset_config.py as rendered into the superset-config ConfigMap ('' when absent). */
  public readonly supersetConfig: string;

  constructor(
    public readonly environment: string,
    public readonly objects: readonly KubeObject[],
    private readonly repoRoot: string,
  ) {
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'superset-config') as any;
    this.supersetConfig = cm?.data?.['superset_config.py'] ?? '';
  }

  ofKind(kind: string): any[] {
    return this.objects.filter((o) => o.kind === kind);
  }

  named(kind: string, name: string): any | undefined {
    return this.objects.find((o) => o.kind === kind && o.metadata.name === name);
  }

  /** Objects whose app.kubernetes.io/name or component label is one of `names`. */
  labelled(kind: string, ...names: string[]): any[] {
    return this.ofKind(kind).filter((o) => {
      const l = o.metadata.labels ?? {};
      return names.includes(l['app.kubernetes.io/name']) || names.includes(l['app.kubernetes.io/component']);
    });
  }

  /** Every container (and init container) with the object it belongs to. */
  containers(): Array<{ at: string; container: any }> {
    return podsOf(this.objects).flatMap((pod) => containersOf(pod).map((c) => ({ at: `${describeObject(pod.owner)} ${c.label}`, container: c.container })));
  }

  /**
   * The right-hand side of a top-level `NAME = ...` in superset_config.py (continuation lines
   * included), or undefined when the file does not assign it.
   */
  pySetting(name: string): string | undefined {
    const lines = this.supersetConfig.split('\n');
    const start = lines.findIndex((l) => l.startsWith(`${name} = `));
    if (start === -1) return undefined;
    const body = [lines[start].slice(name.length + 3)];
    for (const line of lines.slice(start + 1)) {
      if (line === '' || /^\S/.test(line)) {
        if (/^[)\]}]/.test(line)) body.push(line);
        break;
      }
      body.push(line);
    }
    return body.join('\n');
  }

  /** A document of the repo, with the headings it has (lower-cased), or undefined if missing. */
  doc(relative: string): { path: string; headings: string[] } | undefined {
    const file = path.join(this.repoRoot, relative);
    if (!fs.existsSync(file)) return undefined;
    const headings = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#+\s*/, '').toLowerCase());
    return { path: relative, headings };
  }
}

export function envOf(container: any, name: string): any | undefined {
  return (container.env ?? []).find((e: any) => e.name === name);
}

export function secretRefText(env: any): string {
  const ref = env?.valueFrom?.secretKeyRef;
  return ref ? `Secret ${ref.name}/${ref.key}` : 'a literal';
}

/**
 * The Secret key behind a file of a pod's projected Secret volume (Superset's SUPERSET_SECRETS_DIR:
 * one file per setting), as "Secret <name>/<key>", or undefined when no Secret projects that file.
 */
export function secretFileOf(podSpec: any, file: string): string | undefined {
  for (const v of podSpec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const item = (s.secret?.items ?? []).find((i: any) => i.path === file);
      if (item) return `Secret ${s.secret.name}/${item.key}`;
    }
  }
  return undefined;
}
