import type { ConfigProblem } from '../config/errors';
import { PLACEHOLDER_HOST } from './defaults';
import type { SupersetConfig } from '../superset/schema';
import type { EdgeConfig, NetworkConfig } from './schema';

/** Cross-field problems of `edge`. */
export function edgeProblems(config: { readonly edge: EdgeConfig }): ConfigProblem[] {
  const e = config.edge;
  const problems: ConfigProblem[] = [];
  const seen = new Set([e.host]);
  for (const [i, h] of e.extraHosts.entries()) {
    if (seen.has(h.host)) problems.push({ field: `edge.extraHosts.${i}.host`, value: h.host, rule: 'must differ from edge.host and the other extra hosts (the ingress would have two rules for one host)', fix: `remove edge.extraHosts.${i}` });
    seen.add(h.host);
    if (e.mode === 'gateway' && h.tlsSecretName) problems.push({ field: `edge.extraHosts.${i}.tlsSecretName`, value: h.tlsSecretName, rule: 'has no effect with edge.mode "gateway": TLS terminates on the shared Gateway, whose listeners hold the certificates', fix: `remove edge.extraHosts.${i}.tlsSecretName and add the certificate to the Gateway's HTTPS listener` });
  }
  if (e.service.type !== 'ClusterIP' && e.service.allowFrom.length === 0) {
    problems.push({ field: 'edge.service.allowFrom', value: [], rule: `must list the client or load-balancer address ranges when edge.service.type is "${e.service.type}": the NetworkPolicy admits only the ingress controller otherwise, so the Service would answer nobody`, fix: 'add the ranges that reach the Service, e.g. edge.service.allowFrom: ["10.0.0.0/8"]' });
  }
  if (e.service.type === 'ClusterIP' && e.service.allowFrom.length > 0) {
    problems.push({ field: 'edge.service.allowFrom', value: e.service.allowFrom, rule: 'applies only to edge.service.type "LoadBalancer" or "NodePort"', fix: 'remove edge.service.allowFrom, or set edge.service.type' });
  }
  return problems;
}

/**
 * Soft problems of `edge` and `network`: the host is still the placeholder of the defaults; and,
 * once it is a real host (the environment is headed for users), no data source is reachable.
 */
export function edgeWarnings(config: { readonly edge: EdgeConfig; readonly network: NetworkConfig }): string[] {
  if (config.edge.host === PLACEHOLDER_HOST) return [`edge.host is the placeholder "${PLACEHOLDER_HOST}": set the public host name of Superset.`];
  if (config.network.dataSources.length === 0 && !config.network.egress.some((e) => e.purpose === 'data-warehouse')) {
    return ['network.dataSources is empty, so web and workers can reach no database to query (every dashboard fails): list the warehouses\' address ranges and ports, e.g. network: { dataSources: [{ cidr: "10.30.0.0/16", ports: [5432] }] }, or name each in network.egress with purpose "data-warehouse".'];
  }
  return [];
}

/** What the egress rules read: the endpoints and the components they name. */
export interface EgressSettings {
  readonly network: NetworkConfig;
  readonly superset: Pick<SupersetConfig, 'workers' | 'auth'>;
  readonly ops: { readonly backup: { readonly enabled: boolean }; readonly restoreCheck: { readonly enabled: boolean }; readonly dashboardExport: { readonly enabled: boolean } };
}

/**
 * `network.egress`: unique names, sources that exist and run, and an identity provider reachable
 * from web when users log in with SSO (the login fetches the discovery document and exchanges the
 * code there; without a flow it hangs until the NetworkPolicy's drop times it out).
 */
export function egressProblems(config: EgressSettings): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const endpoints = config.network.egress;
  const ops: Record<string, [boolean, string]> = {
    'pg-backup': [config.ops.backup.enabled, 'ops.backup.enabled'],
    'pg-restore-check': [config.ops.restoreCheck.enabled, 'ops.restoreCheck.enabled'],
    'dashboard-export': [config.ops.dashboardExport.enabled, 'ops.dashboardExport.enabled'],
  };
  const queues = Object.keys(config.superset.workers);
  const seen = new Set<string>();
  endpoints.forEach((e, i) => {
    if (seen.has(e.name)) {
      problems.push({ field: `network.egress[${i}].name`, value: e.name, rule: 'must be unique among network.egress', fix: `rename it, or merge it into the earlier entry named "${e.name}"` });
    }
    seen.add(e.name);
    if (e.driver !== undefined && e.purpose !== 'data-warehouse') {
      problems.push({ field: `network.egress[${i}].driver`, value: e.driver, rule: `names a database driver, which only a "data-warehouse" endpoint needs (its purpose is "${e.purpose}")`, fix: 'remove driver, or set purpose to "data-warehouse"' });
    }
    e.from.forEach((source, j) => {
      const field = `network.egress[${i}].from[${j}]`;
      const queue = source.startsWith('worker-') ? source.slice('worker-'.length) : undefined;
      if (queue !== undefined && !queues.includes(queue)) {
        problems.push({ field, value: source, rule: `must name a worker queue of superset.workers (${queues.join(', ')})`, fix: `use one of ${queues.map((q) => `worker-${q}`).join(', ')}, or "workers" for all of them` });
      }
      const job = ops[source];
      if (job && !job[0]) {
        problems.push({ field, value: source, rule: `names a CronJob that is not rendered (${job[1]} is false)`, fix: `remove "${source}" from the list, or set ${job[1]} to true` });
      }
    });
  });
  if (config.superset.auth.type === 'oauth' && !endpoints.some((e) => e.purpose === 'identity-provider' && e.from.includes('web'))) {
    const hosts = config.superset.auth.oauth.providers.map((p) => new URL(p.serverMetadataUrl).host);
    problems.push({
      field: 'network.egress',
      value: endpoints.map((e) => e.name),
      rule: `must reach the identity provider from web when superset.auth.type is "oauth" (${hosts.join(', ') || 'no provider'}): the login fetches the OIDC discovery document and exchanges the code there, and the NetworkPolicies allow nothing else`,
      fix: 'add { name: "idp", purpose: "identity-provider", cidr: "<its address range>", ports: [443], from: ["web"] } to network.egress',
    });
  }
  return problems;
}
