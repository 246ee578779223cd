import { defineEnvironment } from './define';

/**
 * The 10,000-user reference architecture (production checklist): 5-10 web
 * pods of 2 CPU / 4 GiB (5 gunicorn workers x 2 threads = 10 metadata connections each), 40 Celery
 * processes at rest (32 interactive, 8 reports) with 2 connections each: about 130 client
 * connections at rest, multiplexed by two PgBouncer pods onto 50 Postgres connections.
 */
export default defineEnvironment({
  superset: {
    asyncQueries: { enabled: true },
    web: {
      minReplicas: 5,
      maxReplicas: 10,
      resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      gunicorn: { threads: 2 },
    },
    workers: {
      interactive: {
        minReplicas: 8,
        maxReplicas: 12,
        concurrency: 4,
        resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      },
      reports: {
        minReplicas: 4,
        maxReplicas: 6,
        concurrency: 2,
        resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '3Gi', memoryLimit: '3Gi' },
      },
    },
    beat: {
      resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    },
  },
  postgres: {
    members: 3,
    resources: { cpuRequest: '4', cpuLimit: '4', memoryRequest: '16Gi', memoryLimit: '16Gi' },
    storage: { size: '100Gi' },
  },
  pgbouncer: {
    replicas: 2,
    maxClientConn: 1000,
    defaultPoolSize: 20,
    reservePoolSize: 5,
    resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '256Mi', memoryLimit: '256Mi' },
  },
});
