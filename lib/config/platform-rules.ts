import { edgeProblems, edgeWarnings, egressProblems } from '../edge/rules';
import { monitoringWarnings } from '../monitoring/rules';
import { opsProblems, opsWarnings } from '../ops/rules';
import { backupRoleProblems, databaseProblems, databaseTlsProblems, databaseWarnings, postgresPlaceholderWarnings } from '../postgres/rules';
import { redisProblems, redisWarnings } from '../redis/rules';
import { reportDeliveryProblems, reportDeliveryWarnings, supersetDriverWarnings, supersetPlaceholderWarnings, supersetProblems, supersetSizingWarnings } from '../superset/rules';
import { podExtensionProblems } from '../workload/rules';
import type { ConfigProblem } from './errors';
import type { PlatformConfig } from './platform-schema';

// Rules that span several fields. The schema checks each field alone; these check how they fit.
// Each component keeps its rules in its own rules.ts; this only runs them all, placeholders
// before sizing, in one fixed order (so the problems and warnings read the same every run).

/** Every cross-field rule; an empty list means the environment is valid. `namespace`: the environment's. */
export function crossFieldProblems(config: PlatformConfig, namespace: string): ConfigProblem[] {
  return [...supersetProblems(config), ...databaseProblems(config), ...databaseTlsProblems(config), ...backupRoleProblems(config), ...opsProblems(config, namespace), ...redisProblems(config), ...edgeProblems(config), ...egressProblems(config), ...reportDeliveryProblems(config), ...podProblems(config)];
}

/** Every component's `pod`, by its dotted path: the places an environment extends pods. */
export function componentPods(config: PlatformConfig): Array<{ readonly field: string; readonly pod: PlatformConfig['superset']['web']['pod'] }> {
  const s = config.superset;
  return [
    { field: 'superset.web.pod', pod: s.web.pod },
    ...Object.entries(s.workers).map(([q, w]) => ({ field: `superset.workers.${q}.pod`, pod: w.pod })),
    { field: 'superset.beat.pod', pod: s.beat.pod },
    { field: 'superset.migrations.pod', pod: s.migrations.pod },
    { field: 'postgres.pod', pod: config.postgres.pod },
    { field: 'pgbouncer.pod', pod: config.pgbouncer.pod },
    { field: 'redis.cache.pod', pod: config.redis.cache.pod },
    { field: 'redis.queue.pod', pod: config.redis.queue.pod },
    { field: 'ops.backup.pod', pod: config.ops.backup.pod },
    { field: 'ops.restoreCheck.pod', pod: config.ops.restoreCheck.pod },
    { field: 'ops.dashboardExport.pod', pod: config.ops.dashboardExport.pod },
  ];
}

function podProblems(config: PlatformConfig): ConfigProblem[] {
  return [...podExtensionProblems('pods', config.pods), ...componentPods(config).flatMap((c) => podExtensionProblems(c.field, c.pod))];
}

/** Soft problems: the platform works, but probably not as intended. */
export function warnings(config: PlatformConfig): string[] {
  return [
    ...supersetPlaceholderWarnings(config),
    ...postgresPlaceholderWarnings(config),
    ...edgeWarnings(config),
    ...supersetDriverWarnings(config),
    ...reportDeliveryWarnings(config),
    ...supersetSizingWarnings(config),
    ...databaseWarnings(config),
    ...opsWarnings(config),
    ...redisWarnings(config),
    ...monitoringWarnings(config),
  ];
}
