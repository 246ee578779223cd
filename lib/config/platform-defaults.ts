import { EDGE_DEFAULTS, EXTERNAL_SECRETS_DEFAULTS, NETWORK_DEFAULTS } from '../edge/defaults';
import { MONITORING_DEFAULTS } from '../monitoring/defaults';
import { OPS_DEFAULTS } from '../ops/defaults';
import { DATABASE_SECRET_DEFAULTS, PGBOUNCER_DEFAULTS, POSTGRES_DEFAULTS } from '../postgres/defaults';
import { REDIS_DEFAULTS, REDIS_SECRET_DEFAULTS } from '../redis/defaults';
import { SUPERSET_DEFAULTS, SUPERSET_SECRET_DEFAULTS } from '../superset/defaults';
import { AUTOSCALING_DEFAULTS, PODS_DEFAULTS, SCHEDULING_DEFAULTS } from '../workload/defaults';
import type { PlatformConfig } from './platform-schema';

/**
 * The documented defaults: a small production-shaped platform (what staging runs), assembled
 * from each component's defaults.ts. Each environment file overrides only what differs.
 */
export const DEFAULTS: PlatformConfig = {
  instance: 'superset',
  imagePullPolicy: 'IfNotPresent',
  scheduling: SCHEDULING_DEFAULTS,
  pods: PODS_DEFAULTS,
  autoscaling: AUTOSCALING_DEFAULTS,
  secrets: {
    ...SUPERSET_SECRET_DEFAULTS,
    ...REDIS_SECRET_DEFAULTS,
    externalSecrets: EXTERNAL_SECRETS_DEFAULTS,
    ...DATABASE_SECRET_DEFAULTS,
  },
  monitoring: MONITORING_DEFAULTS,
  network: NETWORK_DEFAULTS,
  edge: EDGE_DEFAULTS,
  superset: SUPERSET_DEFAULTS,
  postgres: POSTGRES_DEFAULTS,
  pgbouncer: PGBOUNCER_DEFAULTS,
  ops: OPS_DEFAULTS,
  redis: REDIS_DEFAULTS,
};
