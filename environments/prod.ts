import { defineEnvironment } from './define';

/**
 * Production: 2-CPU / 4-GiB web pods (5 gunicorn workers x 4 threads each) behind an HPA, an
 * interactive queue that scales with users, reports on their own queue, async queries on;
 * a 6-pod Redis Cluster for the caches and a Sentinel-managed redis-queue.
 */
export default defineEnvironment({
  superset: {
    asyncQueries: { enabled: true },
    web: {
      minReplicas: 3,
      maxReplicas: 8,
      resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
    },
    workers: {
      interactive: {
        minReplicas: 3,
        maxReplicas: 10,
        concurrency: 4,
        resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      },
      reports: {
        minReplicas: 2,
        maxReplicas: 4,
        concurrency: 2,
        resources: { cpuRequest: '1', cpuLimit: '2', memoryRequest: '3Gi', memoryLimit: '3Gi' },
      },
    },
    beat: {
      resources: { cpuRequest: '200m', cpuLimit: '1', memoryRequest: '1Gi', memoryLimit: '1Gi' },
    },
  },
  redis: {
    // 3 primaries x 1 replica, 2.8 GiB of cache each (70 % of 4 GiB): 8.4 GiB in total.
    // "required" anti-affinity: a lost node never takes a primary and its replica together
    // (needs 6 schedulable nodes; a pod that does not fit stays Pending and says so).
    cache: {
      resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '4Gi', memoryLimit: '4Gi' },
      storage: { size: '8Gi' },
      antiAffinity: 'required',
    },
    // 1 primary + 2 replicas + 3 Sentinels, one of each per node.
    queue: {
      resources: { cpuRequest: '500m', cpuLimit: '1', memoryRequest: '2Gi', memoryLimit: '2Gi' },
      storage: { size: '8Gi' },
      antiAffinity: 'required',
    },
  },
});
