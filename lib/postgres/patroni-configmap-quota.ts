import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import type { Environment } from '../config/load';
import { meta, postgresIdentity } from './database-pod';
import { patroniConfigMapNames } from './patroni-rbac';

export interface PatroniConfigMapQuotaProps {
  readonly env: Environment;
  /** ConfigMaps the platform itself ships in the namespace (counted at synth). */
  readonly platformConfigMaps: number;
}

/** The quota's name in the namespace. */
export const CONFIGMAP_QUOTA_NAME = 'configmap-count';

/**
 * RBAC cannot restrict `create` by name, so Patroni's create on ConfigMaps is bounded here: at most
 * the platform's own, Patroni's four, kube-root-ca.crt and `postgres.patroni.spareConfigMaps`
 * can exist. A create never overwrites (an existing name is a 409), so a token holder can add a
 * few ConfigMaps nobody mounts, not change one that something reads.
 */
export class PatroniConfigMapQuota extends Construct {
  public readonly limit: number;

  constructor(scope: Construct, id: string, props: PatroniConfigMapQuotaProps) {
    super(scope, id);
    const { env } = props;
    this.limit = props.platformConfigMaps + patroniConfigMapNames().length + 1 + env.config.postgres.patroni.spareConfigMaps;
    new k8s.KubeResourceQuota(this, 'Resource', {
      metadata: meta(env, CONFIGMAP_QUOTA_NAME, postgresIdentity(env)),
      spec: { hard: { 'count/configmaps': k8s.Quantity.fromNumber(this.limit) } },
    });
  }
}
