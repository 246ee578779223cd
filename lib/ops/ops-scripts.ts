import * as fs from 'node:fs';
import * as path from 'node:path';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { opsIdentity, opsMeta, SCRIPTS_CONFIG_MAP } from './ops-pod';

/** The folder of the real script files; tests run them from here. */
export const SCRIPTS_SOURCE_DIR = path.join(__dirname, 'scripts');

/** Every script, by file name, as committed (read at synth, so dist/ always has the tested text). */
export function readScripts(dir: string = SCRIPTS_SOURCE_DIR): Record<string, string> {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sh')).sort();
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

export interface OpsScriptsProps {
  readonly env: Environment;
}

/** ConfigMap `superset-ops-scripts`: the backup, restore-check and export scripts and their library. */
export class OpsScripts extends Construct {
  public readonly name = SCRIPTS_CONFIG_MAP;

  constructor(scope: Construct, id: string, props: OpsScriptsProps) {
    super(scope, id);
    const { env } = props;
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: opsMeta(env, this.name, opsIdentity(env, 'scripts')),
      data: readScripts(),
    });
  }
}
