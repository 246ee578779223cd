import { PLACEHOLDER_HOST } from './defaults';
import type { EdgeConfig, NetworkConfig } from './schema';

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
