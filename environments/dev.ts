import { defineEnvironment } from './define';

/** Developer cluster: one of everything, small, same security posture as prod. */
export default defineEnvironment({
  superset: {
    web: {
      minReplicas: 1,
      maxReplicas: 2,
      resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    },
    workers: {
      interactive: {
        minReplicas: 1,
        maxReplicas: 1,
        concurrency: 2,
        resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
      },
      reports: {
        minReplicas: 1,
        maxReplicas: 1,
        concurrency: 1,
        resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
      },
    },
    migrations: { ttlSecondsAfterFinished: 86400 },
  },
  // One Patroni member and one PgBouncer: no failover, same configuration files as prod.
  postgres: {
    members: 1,
    resources: { cpuRequest: '250m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    storage: { size: '5Gi' },
  },
  pgbouncer: {
    replicas: 1,
    maxClientConn: 200,
    defaultPoolSize: 10,
    reservePoolSize: 2,
  },
  redis: {
    // Still a real Redis Cluster (3 primaries, the minimum), so dev runs the same client and
    // scripts as prod; no replicas: a lost pod empties a third of the cache, which dev can afford.
    cache: {
      replicasPerShard: 0,
      resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '256Mi' },
      storage: { size: '1Gi' },
    },
    // One primary with its volume: no failover in dev.
    queue: {
      mode: 'standalone',
      replicas: 1,
      resources: { cpuRequest: '50m', cpuLimit: '500m', memoryRequest: '256Mi', memoryLimit: '256Mi' },
      storage: { size: '1Gi' },
    },
  },
});
