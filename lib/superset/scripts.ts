import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The shell scripts the Superset containers run (lib/superset/scripts/*.sh): real files, checked
 * by shellcheck and run by the tests, copied verbatim into the superset-config ConfigMap next to
 * superset_config.py (mounted at /etc/superset).
 */
export const SUPERSET_SCRIPTS_DIR = path.join(__dirname, 'scripts');

/** Waits for the database (mode `reachable`) or for the schema head (mode `head`), bounded. */
export const WAIT_SCRIPT = 'superset-wait.sh';
/** The web container's command: gunicorn exec'd as PID 1 with run-server.sh's flags. */
export const WEB_SCRIPT = 'superset-web.sh';
/** The migration Job's command: wait for the dependencies, `superset db upgrade`, `superset init`. */
export const MIGRATE_SCRIPT = 'superset-migrate.sh';

/** name -> content of every script, in name order. */
export function supersetScripts(): Record<string, string> {
  const files = fs.readdirSync(SUPERSET_SCRIPTS_DIR).filter((f) => f.endsWith('.sh')).sort();
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(SUPERSET_SCRIPTS_DIR, f), 'utf8')]));
}
