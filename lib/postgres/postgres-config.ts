import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { meta, POSTGRES_NAMES, postgresIdentity, readScript } from './database-pod';
import { renderPatroniConfig } from './patroni-config';
import { walArchiving } from './rules';

export interface PostgresConfigProps {
  readonly env: Environment;
}

/** Scripts Patroni runs, mounted next to patroni.yml. */
export const PATRONI_SCRIPTS = ['patroni-start.sh', 'post-bootstrap.sh', 'walg-basebackup.sh'] as const;
/** The walg-retention CronJob's script: in the same ConfigMap, but never mounted into the members. */
export const WALG_RETENTION_SCRIPT = 'walg-retention.sh';

/** The ConfigMap with patroni.yml and the bootstrap script; its hash rolls the members on change. */
export class PostgresConfig extends Construct {
  public readonly name = POSTGRES_NAMES.configMap;
  public readonly hash: string;
  public readonly patroniYaml: string;

  constructor(scope: Construct, id: string, props: PostgresConfigProps) {
    super(scope, id);
    const { env } = props;
    this.patroniYaml = renderPatroniConfig(env);
    const data: Record<string, string> = { 'patroni.yml': this.patroniYaml };
    for (const script of PATRONI_SCRIPTS) data[script] = readScript(script);
    if (walArchiving(env.config)) data[WALG_RETENTION_SCRIPT] = readScript(WALG_RETENTION_SCRIPT);
    this.hash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    new k8s.KubeConfigMap(this, 'Resource', { metadata: meta(env, this.name, postgresIdentity(env)), data });
  }
}
