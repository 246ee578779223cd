import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../../lib/policy';
import { find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ComposeResult {
  readonly status: number | null;
  readonly stderr: string;
  /** The config.json the init container wrote (when it succeeded). */
  readonly config?: any;
  readonly mode?: number;
}

/**
 * Runs the rendered compose-config.js of the websocket server's ConfigMap with the host's Node.js,
 * on files laid out as in the pod (the ConfigMap's files, a folder of Secret files), as its init
 * container does; returns the config.json it wrote.
 */
export function composeWebsocketConfig(objects: readonly KubeObject[], secrets: Record<string, string>): ComposeResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'websocket-'));
  try {
    const data = find(objects, 'ConfigMap', 'superset-websocket').data;
    for (const [name, text] of Object.entries(data)) fs.writeFileSync(path.join(dir, name), text as string);
    fs.mkdirSync(path.join(dir, 'secrets'));
    for (const [file, value] of Object.entries(secrets)) fs.writeFileSync(path.join(dir, 'secrets', file), value);
    const out = path.join(dir, 'config.json');
    const r = spawnSync(process.execPath, [path.join(dir, 'compose-config.js'), path.join(dir, 'config.base.json'), path.join(dir, 'secrets'), out], { encoding: 'utf8' });
    if (r.status !== 0) return { status: r.status, stderr: r.stderr };
    return { status: r.status, stderr: r.stderr, config: JSON.parse(fs.readFileSync(out, 'utf8')), mode: fs.statSync(out).mode & 0o777 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
