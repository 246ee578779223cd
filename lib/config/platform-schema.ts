import { z } from 'zod';
import { edgeSchema, externalSecretsSchema, networkSchema } from '../edge/schema';
import { monitoringSchema } from '../monitoring/schema';
import { opsSchema } from '../ops/schema';
import { databaseSecretsSchema, pgbouncerSchema, postgresSchema } from '../postgres/schema';
import { redisSchema, redisSecretNamesSchema } from '../redis/schema';
import { supersetSchema, supersetSecretNamesSchema } from '../superset/schema';
import { autoscalingSchema, podsSchema, schedulingSchema } from '../workload/schema';
import { dnsLabel } from './primitives';

// The typed shape of one environment after defaults are merged in, assembled from the sections
// each component declares in its own schema.ts; only the platform-wide fields are defined here.
// Every object is strict: an unknown key is an error, never silently ignored.
// Each field's description is a row of the configuration reference (npm run docs).

export const platformSchema = z.strictObject({
  namespace: dnsLabel.optional().describe('namespace of the environment; "superset-<environment>" when unset'),
  instance: dnsLabel.describe('app.kubernetes.io/instance label value'),
  imagePullPolicy: z.enum(['IfNotPresent', 'Always', 'Never']).describe('pull policy of every container (tags are pinned, so IfNotPresent is safe)'),
  scheduling: schedulingSchema.describe('where every pod goes; a component\'s own scheduling replaces a field it sets'),
  pods: podsSchema.describe('added to every pod; a component\'s own pod settings add to these'),
  autoscaling: autoscalingSchema.describe('behaviour shared by every HorizontalPodAutoscaler'),
  secrets: z.strictObject({
    ...supersetSecretNamesSchema.shape,
    ...redisSecretNamesSchema.shape,
    ...databaseSecretsSchema.shape,
    externalSecrets: externalSecretsSchema,
  }).describe('names of the Secrets the platform reads (created out of band; see the Secrets contract)'),
  monitoring: monitoringSchema.describe('metrics and alerts (Prometheus Operator)'),
  network: networkSchema.describe('NetworkPolicy peers outside the namespace'),
  edge: edgeSchema.describe('how users reach Superset: ingress or Gateway API, TLS, HSTS, limits'),
  superset: supersetSchema,
  postgres: postgresSchema.describe('PostgreSQL managed by Patroni (the metadata database)'),
  pgbouncer: pgbouncerSchema.describe('PgBouncer in front of the Patroni primary'),
  ops: opsSchema.describe('backups, restore checks and dashboard exports (CronJobs)'),
  redis: redisSchema.describe('redis-cache (Redis Cluster) and redis-queue (Sentinel or standalone)'),
});

export type PlatformConfig = z.infer<typeof platformSchema>;

/** A partial override, as written in `environments/<name>.ts`. */
export type DeepPartial<T> = T extends readonly (infer U)[]
  ? readonly U[]
  : T extends object
    ? { readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;
export type EnvironmentOverrides = DeepPartial<PlatformConfig>;
