import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Environment } from '../config/load';
import { secretsByName } from '../config/platform-secrets';
import { recommendedLabels } from '../workload/labels';

export interface ExternalSecretsProps {
  readonly env: Environment;
}

export const EXTERNAL_SECRETS_API = 'external-secrets.io/v1';

/**
 * One ExternalSecret per Secret of the contract: the External Secrets Operator creates and
 * refreshes the Secret from the configured store. Only references are rendered, never values.
 */
export class ExternalSecrets extends Construct {
  constructor(scope: Construct, id: string, props: ExternalSecretsProps) {
    super(scope, id);
    const { env } = props;
    const ext = env.config.secrets.externalSecrets;
    for (const [name, refs] of secretsByName(env.config)) {
      new ApiObject(this, name, {
        apiVersion: EXTERNAL_SECRETS_API,
        kind: 'ExternalSecret',
        metadata: {
          name,
          namespace: env.namespace,
          labels: recommendedLabels({ name: 'superset-platform', instance: env.config.instance, component: 'secrets' }),
        },
        spec: {
          refreshInterval: ext.refreshInterval,
          secretStoreRef: { kind: ext.storeKind, name: ext.storeName },
          // Owner: deleting the ExternalSecret deletes the Secret; Merge would leave stale keys.
          target: {
            name,
            creationPolicy: 'Owner',
            deletionPolicy: 'Retain',
            // A TLS Secret must have its type, or the ingress controller refuses it.
            ...(refs[0].secretType ? { template: { type: refs[0].secretType } } : {}),
          },
          data: refs.map((ref) => ({ secretKey: ref.key, remoteRef: { key: `${ext.remoteKeyPrefix}${name}`, property: ref.key } })),
        },
      });
    }
  }
}
