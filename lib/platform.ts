import { App, Chart } from 'cdk8s';
import type { Environment } from './config/load';
import { PlatformNamespace } from './edge/namespace';
import { RedisCache } from './redis/redis-cache';
import { RedisQueue } from './redis/redis-queue';
import { SupersetBeat } from './superset/beat';
import { SupersetMigrateJob } from './superset/migrate-job';
import { SupersetServiceAccount } from './superset/service-account';
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
  supersetConfig: '10-superset-config',
  redisCache: '30-redis-cache',
  redisQueue: '35-redis-queue',
  supersetMigrate: '40-superset-migrate',
  supersetWeb: '50-superset-web',
  supersetWorkers: '51-superset-workers',
  supersetBeat: '52-superset-beat',
} as const;

/** Composes every chart of one environment into `app`. */
export function buildPlatform(app: App, env: Environment): void {
  const chart = (id: string) => new Chart(app, id, { namespace: env.namespace, disableResourceNameHashes: true });

  new PlatformNamespace(chart(CHARTS.namespace), 'Namespace', { env });

  const configChart = chart(CHARTS.supersetConfig);
  const serviceAccount = new SupersetServiceAccount(configChart, 'ServiceAccount', { env });
  const config = new SupersetConfig(configChart, 'Config', { env });
  const context: SupersetPodContext = {
    env,
    configMapName: config.name,
    configHash: config.hash,
    serviceAccountName: serviceAccount.name,
  };

  new RedisCache(chart(CHARTS.redisCache), 'RedisCache', { env });
  new RedisQueue(chart(CHARTS.redisQueue), 'RedisQueue', { env });

  new SupersetMigrateJob(chart(CHARTS.supersetMigrate), 'Migrate', { context });
  new SupersetWeb(chart(CHARTS.supersetWeb), 'Web', { context });
  const workers = chart(CHARTS.supersetWorkers);
  for (const [queue, settings] of Object.entries(env.config.superset.workers)) {
    new SupersetWorker(workers, queue, { context, queue, settings });
  }
  new SupersetBeat(chart(CHARTS.supersetBeat), 'Beat', { context });
}
