import { ApiObject, App, Chart } from 'cdk8s';
import type { Environment } from './config/load';
import { ExternalSecrets } from './edge/external-secrets';
import { NetworkPolicies } from './edge/network-policies';
import { SupersetGatewayRoute } from './edge/gateway-route';
import { SupersetIngress } from './edge/ingress';
import { PlatformNamespace } from './edge/namespace';
import { opsFlows } from './ops/flows';
import { Ops } from './ops/ops';
import { databaseFlows } from './postgres/flows';
import { DatabaseMonitoring } from './postgres/monitoring';
import { PatroniConfigMapQuota } from './postgres/patroni-configmap-quota';
import { PatroniRbac } from './postgres/patroni-rbac';
import { PatroniStatefulSet } from './postgres/patroni-statefulset';
import { DatabaseCertificate } from './postgres/certificates';
import { WalgRetention } from './postgres/walg-retention';
import { Pgbouncer } from './postgres/pgbouncer';
import { PostgresConfig } from './postgres/postgres-config';
import { PostgresServices } from './postgres/postgres-services';
import { redisFlows } from './redis/flows';
import { RedisMonitoring } from './redis/monitoring';
import { RedisCache } from './redis/redis-cache';
import { RedisQueue } from './redis/redis-queue';
import { SupersetBeat } from './superset/beat';
import { SupersetFlower } from './superset/flower';
import { SupersetWebsocket } from './superset/websocket';
import { SupersetMigrateJob } from './superset/migrate-job';
import { SupersetServiceAccount } from './superset/service-account';
import { StatsdMapping } from './superset/statsd-mapping';
import { supersetFlows } from './superset/flows';
import { SupersetMonitoring } from './superset/monitoring';
import { SupersetConfig } from './superset/superset-config';
import { SupersetPodContext } from './superset/superset-pod';
import { SupersetWeb } from './superset/web';
import { SupersetWorker } from './superset/worker';

/**
 * One chart per component; the chart id is the file name in dist/<env>/. The numeric prefix is the
 * order `kubectl apply -f dist/<env>` applies them in: the namespace first, configuration before
 * the workloads that mount it, the migration Job before the pods that wait for it. Gaps leave
 * room for the data tier (20-39) and the edge and operations (60+).
 */
export const CHARTS = {
  namespace: '00-namespace',
  networkPolicies: '02-network-policies',
  externalSecrets: '05-external-secrets',
  supersetConfig: '10-superset-config',
  postgres: '20-postgres',
  pgbouncer: '25-pgbouncer',
  redisCache: '30-redis-cache',
  redisQueue: '35-redis-queue',
  supersetMigrate: '40-superset-migrate',
  supersetWeb: '50-superset-web',
  supersetWorkers: '51-superset-workers',
  supersetBeat: '52-superset-beat',
  supersetFlower: '53-superset-flower',
  supersetWebsocket: '54-superset-websocket',
  edge: '60-edge',
  ops: '70-ops',
  monitoring: '75-monitoring',
} as const;

/** Composes every chart of one environment into `app`. */
export function buildPlatform(app: App, env: Environment): void {
  const chart = (id: string) => new Chart(app, id, { namespace: env.namespace, disableResourceNameHashes: true });

  // Cluster-scoped: this chart must not stamp a namespace on its object.
  new PlatformNamespace(new Chart(app, CHARTS.namespace, { disableResourceNameHashes: true }), 'Namespace', { env });

  new NetworkPolicies(chart(CHARTS.networkPolicies), 'NetworkPolicies', { env, flows: [...supersetFlows(env), ...databaseFlows(env), ...redisFlows(env), ...opsFlows(env)] });
  if (env.config.secrets.externalSecrets.enabled) new ExternalSecrets(chart(CHARTS.externalSecrets), 'ExternalSecrets', { env });

  const configChart = chart(CHARTS.supersetConfig);
  const serviceAccount = new SupersetServiceAccount(configChart, 'ServiceAccount', { env });
  const config = new SupersetConfig(configChart, 'Config', { env });
  if (env.config.monitoring.enabled) new StatsdMapping(configChart, 'StatsdMapping', { env });
  const context: SupersetPodContext = {
    env,
    configMapName: config.name,
    configHash: config.hash,
    serviceAccountName: serviceAccount.name,
  };

  // A managed server (postgres.mode "external") replaces every Patroni object.
  const patroni = env.config.postgres.mode === 'patroni';
  const postgres = patroni ? chart(CHARTS.postgres) : undefined;
  if (postgres) {
    const rbac = new PatroniRbac(postgres, 'Rbac', { env });
    const postgresConfig = new PostgresConfig(postgres, 'Config', { env });
    const services = new PostgresServices(postgres, 'Services', { env });
    new PatroniStatefulSet(postgres, 'Patroni', {
      env,
      configMapName: postgresConfig.name,
      configHash: postgresConfig.hash,
      serviceAccountName: rbac.serviceAccountName,
      membersService: services.members,
    });
    new WalgRetention(postgres, 'WalgRetention', { env, configMapName: postgresConfig.name });
    new DatabaseCertificate(postgres, 'Certificate', { env, server: 'postgres' });
  }
  if (env.config.pgbouncer.enabled) {
    const pgbouncer = chart(CHARTS.pgbouncer);
    new Pgbouncer(pgbouncer, 'Pgbouncer', { env });
    new DatabaseCertificate(pgbouncer, 'Certificate', { env, server: 'pgbouncer' });
  }
  // A managed Redis (redis.cache.mode / redis.queue.mode "external") replaces our StatefulSet.
  if (env.config.redis.cache.mode !== 'external') new RedisCache(chart(CHARTS.redisCache), 'RedisCache', { env });
  if (env.config.redis.queue.mode !== 'external') new RedisQueue(chart(CHARTS.redisQueue), 'RedisQueue', { env });

  const migrate = new SupersetMigrateJob(chart(CHARTS.supersetMigrate), 'Migrate', { context });
  // The long-running pods name the Job they wait for in their wait-for-migrations log.
  const podContext: SupersetPodContext = { ...context, migrationJobName: migrate.jobName };
  new SupersetWeb(chart(CHARTS.supersetWeb), 'Web', { context: podContext });
  const workers = chart(CHARTS.supersetWorkers);
  for (const [queue, settings] of Object.entries(env.config.superset.workers)) {
    new SupersetWorker(workers, queue, { context: podContext, queue, settings });
  }
  new SupersetBeat(chart(CHARTS.supersetBeat), 'Beat', { context: podContext });
  if (env.config.superset.flower.enabled) new SupersetFlower(chart(CHARTS.supersetFlower), 'Flower', { context: podContext });
  const asyncQueries = env.config.superset.asyncQueries;
  if (asyncQueries.enabled && asyncQueries.transport === 'ws') new SupersetWebsocket(chart(CHARTS.supersetWebsocket), 'Websocket', { context: podContext });

  const edge = chart(CHARTS.edge);
  if (env.config.edge.mode === 'ingress') new SupersetIngress(edge, 'Ingress', { env });
  else new SupersetGatewayRoute(edge, 'GatewayRoute', { env });

  new Ops(chart(CHARTS.ops), 'Ops', { context });

  if (env.config.monitoring.enabled) {
    const monitoring = chart(CHARTS.monitoring);
    new SupersetMonitoring(monitoring, 'Superset', { env });
    new DatabaseMonitoring(monitoring, 'Database', { env });
    if (env.config.redis.cache.mode !== 'external' || env.config.redis.queue.mode !== 'external') new RedisMonitoring(monitoring, 'Redis', { env });
  }

  // Last: it counts every ConfigMap the charts above ship.
  if (postgres) new PatroniConfigMapQuota(postgres, 'ConfigMapQuota', { env, platformConfigMaps: countConfigMaps(app) });
}

function countConfigMaps(app: App): number {
  return app.charts.flatMap((c) => c.node.findAll()).filter((n) => n instanceof ApiObject && n.kind === 'ConfigMap').length;
}
