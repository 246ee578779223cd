import type { ConfigProblem } from '../config/errors';
import { PLACEHOLDER_HOST } from './defaults';
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
  if (config.network.dataSources.length === 0) {
    return ['network.dataSources is empty, so web and workers can reach no database to query (every dashboard fails): list the warehouses\' address ranges and ports, e.g. network: { dataSources: [{ cidr: "10.30.0.0/16", ports: [5432] }] }.'];
  }
  return [];
}
