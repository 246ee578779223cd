import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { renderSupersetConfig } from './config-py';
import { supersetScripts } from './scripts';
import { GUNICORN_LOGGING_FILE, renderGunicornLogging } from './json-logging';
import { CONFIG_FILE } from './superset-pod';

export interface SupersetConfigProps {
  readonly env: Environment;
}

/** The ConfigMap holding superset_config.py and the Superset scripts, and the hash pods carry to roll when they change. */
export class SupersetConfig extends Construct {
  public readonly name = 'superset-config';
  public readonly hash: string;
  public readonly content: string;

  constructor(scope: Construct, id: string, props: SupersetConfigProps) {
    super(scope, id);
    const { env } = props;
    this.content = renderSupersetConfig(env.name, env.config);
    const data = {
      [CONFIG_FILE]: this.content,
      ...(env.config.superset.logFormat === 'json' ? { [GUNICORN_LOGGING_FILE]: renderGunicornLogging(env.config) } : {}),
      ...supersetScripts(),
    };
    this.hash = createHash('sha256').update(JSON.stringify(data)).digest('hex');
    new k8s.KubeConfigMap(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: env.namespace,
        labels: recommendedLabels({ name: 'superset', instance: env.config.instance, component: 'config', version: env.config.superset.image.tag }),
      },
      data,
    });
  }
}
