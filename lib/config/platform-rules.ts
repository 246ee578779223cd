import { edgeWarnings } from '../edge/rules';
import { monitoringWarnings } from '../monitoring/rules';
import { opsProblems, opsWarnings } from '../ops/rules';
import { backupRoleProblems, databaseProblems, databaseWarnings, postgresPlaceholderWarnings } from '../postgres/rules';
import { redisProblems, redisWarnings } from '../redis/rules';
import { supersetPlaceholderWarnings, supersetProblems, supersetSizingWarnings } from '../superset/rules';
import type { ConfigProblem } from './errors';
import type { PlatformConfig } from './platform-schema';

// Rules that span several fields. The schema checks each field alone; these check how they fit.
// Each component keeps its rules in its own rules.ts; this only runs them all, placeholders
// before sizing, in one fixed order (so the problems and warnings read the same every run).

/** Every cross-field rule; an empty list means the environment is valid. `namespace`: the environment's. */
export function crossFieldProblems(config: PlatformConfig, namespace: string): ConfigProblem[] {
  return [...supersetProblems(config), ...databaseProblems(config), ...backupRoleProblems(config), ...opsProblems(config, namespace), ...redisProblems(config)];
}

/** Soft problems: the platform works, but probably not as intended. */
export function warnings(config: PlatformConfig): string[] {
  return [
    ...supersetPlaceholderWarnings(config),
    ...postgresPlaceholderWarnings(config),
    ...edgeWarnings(config),
    ...supersetSizingWarnings(config),
    ...databaseWarnings(config),
    ...opsWarnings(config),
    ...redisWarnings(config),
    ...monitoringWarnings(config),
  ];
}
