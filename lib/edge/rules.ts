import { PLACEHOLDER_HOST } from './defaults';
import type { EdgeConfig } from './schema';

/** Soft problems of `edge`: the host is still the placeholder of the defaults. */
export function edgeWarnings(config: { readonly edge: EdgeConfig }): string[] {
  if (config.edge.host !== PLACEHOLDER_HOST) return [];
  return [`edge.host is the placeholder "${PLACEHOLDER_HOST}": set the public host name of Superset.`];
}
