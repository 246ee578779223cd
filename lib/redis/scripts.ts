import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shell scripts that run inside the Redis pods. They are real files (lib/redis/scripts/*.sh,
 * checked by shellcheck and run by the integration tests against real servers) and are copied
 * verbatim into the ConfigMaps, next to the rendered config files.
 */
export const SCRIPTS_DIR = path.join(__dirname, 'scripts');

const COMMON = ['common.sh', 'alive.sh'];
export const CACHE_SCRIPTS = [...COMMON, 'cache-start.sh', 'cache-ready.sh', 'cache-prestop.sh', 'cluster-agent.sh', 'agent-alive.sh', 'cluster-create.sh', 'cluster-heal.sh'];
export const QUEUE_SCRIPTS = [...COMMON, 'queue-start.sh', 'queue-ready.sh', 'auth-agent.sh', 'agent-alive.sh'];
export const SENTINEL_SCRIPTS = ['queue-prestop.sh', 'sentinel-start.sh', 'sentinel-ready.sh', 'sentinel-prestop.sh'];

/** name -> content of the given scripts. */
export function loadScripts(names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((name) => [name, fs.readFileSync(path.join(SCRIPTS_DIR, name), 'utf8')]));
}
