import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { POSTGRES_PRIMARY } from './endpoints';
import type { Environment } from '../config/load';
import { selectorLabels } from '../workload/labels';
import { meta, PATRONI_API_PORT, PATRONI_ROLE, PATRONI_ROLE_LABEL, POSTGRES_NAMES, postgresIdentity } from './database-pod';

export interface PostgresServicesProps {
  readonly env: Environment;
}

const postgresPort: k8s.ServicePort = { name: 'postgresql', port: POSTGRES_PRIMARY.port, targetPort: k8s.IntOrString.fromString('postgresql'), protocol: 'TCP' };

/**
 * - `postgres`: the primary, by the role label Patroni writes (what PgBouncer, the migration Job
 *   and backups connect to);
 * - `postgres-replicas`: the streaming replicas (read-only work, backups off the primary);
 * - `postgres-members`: headless, every member including unready ones (stable DNS per pod).
 */
export class PostgresServices extends Construct {
  public readonly primary = POSTGRES_PRIMARY.host;
  public readonly members = POSTGRES_NAMES.membersService;

  constructor(scope: Construct, id: string, props: PostgresServicesProps) {
    super(scope, id);
    const { env } = props;
    const identity = postgresIdentity(env);
    const selector = selectorLabels(identity);
    new k8s.KubeService(this, 'Primary', {
      metadata: meta(env, this.primary, identity),
      spec: { type: 'ClusterIP', selector: { ...selector, [PATRONI_ROLE_LABEL]: PATRONI_ROLE.primary }, ports: [postgresPort] },
    });
    new k8s.KubeService(this, 'Replicas', {
      metadata: meta(env, POSTGRES_NAMES.replicasService, identity),
      spec: { type: 'ClusterIP', selector: { ...selector, [PATRONI_ROLE_LABEL]: PATRONI_ROLE.replica }, ports: [postgresPort] },
    });
    new k8s.KubeService(this, 'Members', {
      metadata: meta(env, this.members, identity),
      spec: {
        clusterIp: 'None',
        publishNotReadyAddresses: true,
        selector,
        ports: [postgresPort, { name: 'patroni', port: PATRONI_API_PORT, targetPort: k8s.IntOrString.fromString('patroni'), protocol: 'TCP' }],
      },
    });
  }
}
