import type { EdgeConfig, ExternalSecretsConfig, NetworkConfig } from './schema';

/**
 * NGINX keeps idle upstream connections for its `keepalive_timeout` (upstream context, default
 * 60 s since nginx 1.15.3); the F5 NGINX Ingress Controller and NGINX Gateway Fabric keep that
 * default. A backend that closes idle connections sooner races NGINX reusing them (sporadic 502s,
 * and max-fails may eject a healthy pod), so gunicorn's keep-alive must outlive it.
 */
export const NGINX_UPSTREAM_KEEPALIVE_TIMEOUT_SECONDS = 60;

/** Placeholder host of the defaults: synth warns while it is used. */
export const PLACEHOLDER_HOST = 'superset.example.com';

export const EDGE_DEFAULTS: EdgeConfig = {
  host: PLACEHOLDER_HOST,
  extraHosts: [],
  controller: 'f5-nginx',
  annotations: {},
  service: { type: 'ClusterIP', annotations: {}, allowFrom: [] },
  mode: 'ingress',
  ingressClassName: 'nginx-f5',
  tls: { secretName: 'superset-tls' },
  gateway: { name: 'shared-gateway', namespace: 'nginx-gateway', httpsListener: 'https', httpListener: 'http' },
  // The F5 controller behind an L4 load balancer (no X-Forwarded-For of its own).
  trustedProxyHops: 1,
  hstsMaxAgeSeconds: 31536000,
  maxBodySize: '100m',
  upstreamKeepaliveConnections: 32,
  maxFails: 3,
  failTimeoutSeconds: 30,
  rateLimits: { application: '50 per second', login: '5 per minute' },
  cspConnectSources: ['https://api.mapbox.com', 'https://events.mapbox.com'],
};

export const NETWORK_DEFAULTS: NetworkConfig = {
  ingressController: { namespace: 'nginx-ingress', podLabels: { 'app.kubernetes.io/name': 'nginx-ingress' } },
  monitoring: { namespace: 'monitoring', podLabels: { 'app.kubernetes.io/name': 'prometheus' } },
  // The CoreDNS pods, and NodeLocal DNSCache's link-local address: 169.254.20.10 is the default
  // of the Kubernetes addon (cluster/addons/dns/nodelocaldns, hostNetwork pods) and what GKE
  // Autopilot uses; it exists only on nodes where the cache runs.
  dns: { pods: [{ namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }], ipBlocks: ['169.254.20.10/32'] },
  // Unknown per cluster: the defaults allow the usual API server ports anywhere; narrow them.
  // Kubernetes' default; kubeadm, EKS, GKE and AKS keep it.
  clusterDomain: 'cluster.local',
  kubernetesApi: [{ cidr: '0.0.0.0/0', ports: [443, 6443] }],
  dataSources: [],
  objectStorage: [{ cidr: '0.0.0.0/0', ports: [443] }],
  // Nothing outside the cluster but the above until an environment declares it.
  egress: [],
};

export const EXTERNAL_SECRETS_DEFAULTS: ExternalSecretsConfig = { enabled: false, storeKind: 'ClusterSecretStore', storeName: 'vault', remoteKeyPrefix: 'superset/', refreshInterval: '1h' };
