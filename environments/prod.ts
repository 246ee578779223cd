import { defineEnvironment } from './define';

/**
 * Production: 2-CPU / 4-GiB web pods (5 gunicorn workers x 4 threads each) behind an HPA, an
 * interactive queue that scales with users, reports on their own queue, async queries on;
 * a 6-pod Redis Cluster for the caches and a Sentinel-managed redis-queue.
 */
export default defineEnvironment({
  monitoring: { enabled: true },
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
  // Checklist: 2 vCPU / 4 GB handles about 200 users; three members across nodes and zones.
  postgres: {
    members: 3,
    resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
    storage: { size: '50Gi' },
    // Continuous WAL archiving for point-in-time recovery, next to the daily logical backups.
    // Replace the placeholder endpoint with your S3-compatible store: until then archiving stays
    // off (a store that never answers would keep every WAL segment and fill the volume) and synth warns.
    walArchive: { bucket: 'superset-backups', prefix: 'superset-prod/wal', endpoint: 'https://s3.example.com' },
    // Encryption in transit: hostssl only, PgBouncer requires TLS, every client checks the
    // certificate and the Service name. The Secrets postgres-tls and pgbouncer-tls are yours
    // (npm run secrets prints the command), or set certManagerIssuer to have cert-manager issue them.
    tls: { enabled: true },
  },
  // Three PgBouncer pods, so with one drained the other two still accept every client.
  pgbouncer: {
    replicas: 3,
    maxClientConn: 500,
    defaultPoolSize: 20,
    reservePoolSize: 5,
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
