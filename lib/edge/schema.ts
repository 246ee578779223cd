import { z } from 'zod';
import { dnsLabel } from '../config/primitives';
import { driverName } from '../superset/schema';
import { qualifiedName } from '../workload/schema';

// How users reach Superset and what protects the namespace: the edge (`edge`), the NetworkPolicy
// peers outside the namespace (`network`) and the optional ExternalSecrets (`secrets.externalSecrets`).
// Strict like the rest of the schema: an unknown key is an error.

const hostname = z
  .string()
  .max(253, 'must be at most 253 characters')
  .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, 'must be a fully qualified lower-case host name such as "bi.example.com"');
const name = z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a Kubernetes object name (lower-case letters, digits, "-" and ".")');

/** How traffic reaches superset-web: the F5 NGINX Ingress Controller, or the Gateway API. */
export const edgeSchema = z.strictObject({
  host: hostname.describe('public host name of Superset'),
  extraHosts: z.array(z.strictObject({
    host: hostname.describe('another host name Superset answers on'),
    tlsSecretName: name.optional().describe('Secret with its certificate; tls.secretName (one certificate for every host) when unset'),
  })).describe('more host names (ingress: a rule and a TLS entry each; gateway: hostnames of the routes, certificates on the Gateway)'),
  controller: z.enum(['f5-nginx', 'generic']).describe('"f5-nginx": the nginx.org annotations (least_conn, timeouts, body size, HSTS); "generic": none, for another controller configured through edge.annotations (docs/edge-and-security.md has an ingress-nginx recipe)'),
  annotations: z.record(qualifiedName, z.string()).describe('annotations of the Ingress (mode ingress) or HTTPRoutes (mode gateway), over the generated ones: a key set here wins'),
  service: z.strictObject({
    type: z.enum(['ClusterIP', 'LoadBalancer', 'NodePort']).describe('type of the superset-web Service; LoadBalancer for an internal load balancer in front of the pods (bypassing the ingress controller)'),
    annotations: z.record(qualifiedName, z.string()).describe('annotations of the superset-web Service (e.g. service.beta.kubernetes.io/aws-load-balancer-internal or networking.gke.io/load-balancer-type: Internal)'),
    allowFrom: z.array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "10.0.0.0/8"')).describe('client (or load balancer) address ranges allowed to reach the web pods directly, with type LoadBalancer or NodePort; also the loadBalancerSourceRanges'),
  }).describe('the superset-web Service'),
  mode: z.enum(['ingress', 'gateway']).describe('"ingress" (F5 NGINX Ingress Controller) or "gateway" (Gateway API HTTPRoute + NGINX Gateway Fabric policies)'),
  ingressClassName: name.describe('IngressClass of the F5 NGINX Ingress Controller; explicit, because its default "nginx" clashes with the retired community controller'),
  tls: z.strictObject({
    secretName: name.describe('Secret (type kubernetes.io/tls) with the certificate for the host'),
    certManagerClusterIssuer: name.optional().describe('when set, cert-manager issues the certificate into tls.secretName from this ClusterIssuer'),
  }),
  gateway: z.strictObject({
    name: name.describe('the shared Gateway the HTTPRoutes attach to (TLS terminates there)'),
    namespace: name.describe('namespace of that Gateway'),
    httpsListener: name.describe('section name of its HTTPS listener'),
    httpListener: name.describe('section name of its plain-HTTP listener (redirected to HTTPS)'),
  }),
  trustedProxyHops: z.number().int().min(1).max(5, 'must be at most 5').describe('ProxyFix x_for: proxies in front of the pods that append to X-Forwarded-For (1: the ingress controller alone; 2: a cloud load balancer in front of it that appends too, docs/edge-and-security.md)'),
  hstsMaxAgeSeconds: z.number().int().min(31536000, 'must be at least 31536000 (one year)').describe('Strict-Transport-Security max-age; includeSubDomains is always on'),
  maxBodySize: z.string().regex(/^[1-9]\d*[km]$/, 'must be an nginx size such as "100m"').describe('largest request body (CSV and Excel uploads)'),
  upstreamKeepaliveConnections: z.number().int().min(0).max(1024).describe('idle keep-alive connections kept open to the web pods per NGINX worker'),
  maxFails: z.number().int().min(1).max(100).describe('passive health check: failures before a web pod is taken out of rotation'),
  failTimeoutSeconds: z.number().int().min(1).max(600).describe('passive health check window and how long a failed pod stays out'),
  rateLimits: z.strictObject({
    application: z.string().regex(/^\d+ per (second|minute|hour)$/, 'must read like "50 per second"').describe('RATELIMIT_APPLICATION: requests per client address'),
    login: z.string().regex(/^\d+ per (second|minute|hour)$/, 'must read like "5 per minute"').describe('AUTH_RATE_LIMIT: login attempts per client address (Flask-AppBuilder keys its limiter on the address ProxyFix gives)'),
  }),
  cspConnectSources: z.array(z.string().regex(/^(https|wss):\/\/\S+$/, 'must be an https:// or wss:// origin')).describe('extra origins the browser may connect to (CSP connect-src), e.g. map tiles'),
});

export type EdgeConfig = z.infer<typeof edgeSchema>;

const labels = z.record(z.string(), z.string());
const peerNamespace = z.strictObject({
  namespace: name.describe('namespace (matched on kubernetes.io/metadata.name)'),
  podLabels: labels.describe('labels of the pods in that namespace'),
});
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/, 'must be a CIDR such as "10.20.0.0/16"');
const cidrPorts = z.strictObject({
  cidr: cidr.describe('address range'),
  ports: z.array(z.number().int().min(1).max(65535)).min(1, 'must list at least one port').describe('TCP ports'),
});

/** Who may use an egress endpoint: a Superset component, every worker queue, one queue, or an ops CronJob. */
export const EGRESS_SOURCE = /^(web|beat|migrate|workers|worker-[a-z0-9]([-a-z0-9]*[a-z0-9])?|pg-backup|pg-restore-check|dashboard-export)$/;

/** A service outside the cluster that components connect to, declared once and attached to them. */
const egressEndpoint = z.strictObject({
  name: dnsLabel.describe('name of the endpoint (appears in the NetworkPolicy flows)'),
  purpose: z.enum(['identity-provider', 'smtp', 'webhooks', 'data-warehouse', 'other']).describe('what it is: "identity-provider" (OIDC discovery, token and user-info endpoints), "smtp" (mail relay), "webhooks" (Slack and other HTTPS hooks), "data-warehouse" (a database charts and SQL Lab query; network.dataSources is the same for web and every worker at once) or "other"'),
  cidr: cidr.describe('its address range'),
  ports: z.array(z.number().int().min(1).max(65535)).min(1, 'must list at least one port').describe('TCP ports'),
  driver: driverName.optional().describe('purpose "data-warehouse" only: the apache-superset driver extra its database needs; synth warns when superset.image.drivers does not list it'),
  from: z.array(z.string().regex(EGRESS_SOURCE, 'must be web, beat, migrate, workers (every queue), worker-<queue>, pg-backup, pg-restore-check or dashboard-export')).min(1, 'must name at least one component').describe('components that connect to it: web, beat, migrate, workers (every queue), worker-<queue>, pg-backup, pg-restore-check, dashboard-export'),
});

export type EgressEndpoint = z.infer<typeof egressEndpoint>;

/** The DNS servers every pod may query (port 53, UDP and TCP): pods, addresses, or both. */
const dnsSchema = z.strictObject({
  pods: z.array(peerNamespace).describe('DNS server pods: the cluster DNS (CoreDNS/kube-dns, label k8s-app: kube-dns); with Cilium\'s local redirect policy also the NodeLocal DNSCache pods (k8s-app: node-local-dns)'),
  ipBlocks: z.array(cidr).describe('DNS server addresses that are not pod IPs: NodeLocal DNSCache listens on 169.254.20.10 on every node (host network, no pod selector matches it); add the kube-dns Service IP as a /32 when NodeLocal DNSCache intercepts that address on the node'),
}).refine((d) => d.pods.length + d.ipBlocks.length > 0, { message: 'must list at least one DNS server (pods or ipBlocks): with none, no pod can resolve a name' });

/** NetworkPolicies: default deny, then exactly the flows the platform needs. */
export const networkSchema = z.strictObject({
  ingressController: peerNamespace.describe('the ingress controller (or Gateway) pods allowed to reach superset-web'),
  monitoring: peerNamespace.describe('the Prometheus pods allowed to scrape metrics ports'),
  dns: dnsSchema.describe('the DNS servers every pod may query on port 53 (docs/edge-and-security.md: NodeLocal DNSCache, Cilium)'),
  clusterDomain: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'must be a DNS domain such as "cluster.local"').describe('the cluster\'s DNS domain (the kubelet\'s clusterDomain): the fully qualified Service names in the database tier\'s certificates end with it'),
  kubernetesApi: z.array(cidrPorts).describe('API server addresses, for components that call the API (Patroni)'),
  dataSources: z.array(cidrPorts.extend({
    driver: driverName.optional().describe('the apache-superset driver extra its database needs ("trino", "snowflake", ...); synth warns when superset.image.drivers does not list it'),
  })).describe('databases Superset queries (web and workers may connect)'),
  objectStorage: z.array(cidrPorts).describe('S3-compatible storage for backups and WAL archiving'),
  egress: z.array(egressEndpoint).describe('services outside the cluster (identity provider, SMTP, webhooks, data warehouses), each declared once with the components that may connect to it'),
});

export type NetworkConfig = z.infer<typeof networkSchema>;

/** ExternalSecrets (external-secrets.ts): the Secrets of the contract, created from a vault. */
export const externalSecretsSchema = z.strictObject({
  enabled: z.boolean().describe('emit an ExternalSecret (external-secrets.io/v1) per Secret, so the External Secrets Operator creates them from a vault'),
  storeKind: z.enum(['ClusterSecretStore', 'SecretStore']).describe('kind of the secret store the ExternalSecrets read from'),
  storeName: dnsLabel.describe('name of that secret store'),
  remoteKeyPrefix: z.string().regex(/^[A-Za-z0-9_.\/-]*$/, 'must be a path prefix such as "superset/prod/"').describe('remote key of a Secret = prefix + Secret name; each Secret key is a property of it'),
  refreshInterval: z.string().regex(/^\d+[smh]$/, 'must be a duration such as "1h"').describe('how often the operator re-reads the vault'),
});

export type ExternalSecretsConfig = z.infer<typeof externalSecretsSchema>;
