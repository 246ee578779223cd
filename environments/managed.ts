import { defineEnvironment } from './define';

/**
 * Example: staging's feature set on managed data services (here AWS: RDS for the metadata
 * database, ElastiCache in cluster mode for the caches, a non-cluster ElastiCache for Celery), so
 * no Patroni object and no Redis StatefulSet is rendered (PgBouncer stays in front of RDS). The host names,
 * address ranges and Secret names are examples: replace them with yours (docs/database.md and
 * docs/redis.md, the sections on managed servers). It also shows the other ways to fit a
 * cluster: two tainted node pools (Superset on one, the reports workers on a batch pool), a private
 * registry with a pull secret, IRSA for Superset and a web identity (no stored key) for the ops
 * jobs' bucket, the company CA bundle in every Superset and ops pod, a setting Superset has but the
 * schema does not type (extraConfig), a Vault agent sidecar on web, and the identity provider and
 * the SMTP relay declared once as egress endpoints. With the relay, reports are delivered (the
 * reports workers run the browser image for screenshots); Celery Flower runs at /flower.
 */
const BATCH_POOL = {
  nodeSelector: { 'example.com/pool': 'batch' },
  tolerations: [{ key: 'example.com/pool', operator: 'Equal', value: 'batch', effect: 'NoSchedule' }],
} as const;

export default defineEnvironment({
  monitoring: { enabled: true },
  scheduling: {
    nodeSelector: { 'example.com/pool': 'superset' },
    tolerations: [{ key: 'example.com/pool', operator: 'Equal', value: 'superset', effect: 'NoSchedule' }],
  },
  pods: {
    imagePullSecrets: ['registry-pull'],
    caBundle: { configMap: 'company-ca', key: 'ca-bundle.pem' },
  },
  network: {
    egress: [
      { name: 'okta', purpose: 'identity-provider', cidr: '203.0.113.0/28', ports: [443], from: ['web'] },
      { name: 'mail', purpose: 'smtp', cidr: '198.51.100.25/32', ports: [587], from: ['worker-reports'] },
    ],
  },
  superset: {
    image: { repository: 'registry.internal.example.com/bi/superset' },
    // Async query results pushed over a websocket (the websocket server at https://<host>/ws),
    // its image mirrored into the private registry like Superset's.
    asyncQueries: { enabled: true, transport: 'ws', websocket: { image: { repository: 'registry.internal.example.com/bi/superset', tag: '6.1.0-websocket' } } },
    // Celery Flower at https://<host>/flower, with the login of the Secret "superset-flower".
    flower: { enabled: true },
    auth: {
      type: 'oauth',
      oauth: {
        providers: [{ name: 'okta', serverMetadataUrl: 'https://example.okta.com/.well-known/openid-configuration', scope: 'openid email profile', icon: 'fa-key' }],
      },
    },
    reports: { smtp: { enabled: true, host: 'smtp.internal.example.com', port: 587, user: 'superset@example.com', mailFrom: 'superset@example.com' } },
    // A setting the schema does not type, appended after the generated ones.
    extraConfig: 'SQLLAB_TIMEOUT = 120\n',
    serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/superset' } },
    web: {
      pod: {
        // Vault agent 1.20.4 (hashicorp/vault release of 2025-09-24).
        sidecars: [{
          name: 'vault-agent',
          image: { repository: 'docker.io/hashicorp/vault', tag: '1.20.4' },
          args: ['agent', '-config=/vault/config/agent.hcl'],
          resources: { cpuRequest: '10m', cpuLimit: '100m', memoryRequest: '32Mi', memoryLimit: '64Mi' },
          livenessProbe: { exec: { command: ['vault', 'version'] }, periodSeconds: 30 },
          volumeMounts: [{ name: 'vault-config', mountPath: '/vault/config' }],
        }],
        volumes: [{ name: 'vault-config', configMap: { name: 'vault-agent-config' } }],
        egress: [{ cidr: '10.70.0.10/32', ports: [8200] }],
      },
    },
    workers: { reports: { scheduling: BATCH_POOL } },
  },
  ops: {
    image: { repository: 'registry.internal.example.com/bi/superset-ops' },
    // Backups and the restore check without a stored key: each job exchanges its projected
    // ServiceAccount token at STS for its own role (the restore check's is read-only).
    objectStorage: {
      endpoint: 'https://s3.eu-west-1.amazonaws.com',
      region: 'eu-west-1',
      bucket: 'example-superset-backups',
      credentials: 'webIdentity',
      webIdentity: {
        stsEndpoint: 'https://sts.eu-west-1.amazonaws.com',
        roleArn: 'arn:aws:iam::123456789012:role/superset-backup',
        readOnlyRoleArn: 'arn:aws:iam::123456789012:role/superset-restore-check',
        egress: [{ cidr: '52.94.0.0/22', ports: [443] }],
      },
    },
  },
  postgres: {
    mode: 'external',
    external: {
      host: 'superset.abc123.eu-west-1.rds.amazonaws.com',
      database: 'superset',
      user: 'superset',
      passwordSecret: { name: 'rds-superset', key: 'password' },
      sslMode: 'verify-full',
      caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
      connectionLimit: 400,
      cidrs: ['10.50.0.0/24', '10.50.1.0/24'],
    },
  },
  redis: {
    cache: {
      mode: 'external',
      external: {
        host: 'clustercfg.superset-cache.abc123.euw1.cache.amazonaws.com',
        clusterMode: true,
        caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
        auth: { secret: 'elasticache-cache', usernameKey: 'username' },
        cidrs: ['10.60.0.0/24', '10.60.1.0/24'],
      },
    },
    queue: {
      mode: 'external',
      external: {
        host: 'master.superset-queue.abc123.euw1.cache.amazonaws.com',
        caBundle: { configMap: 'aws-ca', key: 'global-bundle.pem' },
        auth: { secret: 'elasticache-queue', usernameKey: 'username' },
        cidrs: ['10.61.0.0/24', '10.61.1.0/24'],
      },
    },
  },
});
