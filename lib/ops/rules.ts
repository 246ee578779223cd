import type { ConfigProblem } from '../config/errors';
import { resourceLimits } from '../config/resource-rules';
import type { PostgresConfig } from '../postgres/schema';
import { PLACEHOLDER_GIT_REPOSITORY, PLACEHOLDER_OBJECT_STORAGE_ENDPOINT, PLACEHOLDER_OPS_IMAGE_REPOSITORY } from './defaults';
import type { OpsConfig } from './schema';

// Cross-field rules of the ops section (backups, restore check, dashboard export).

/** What the ops rules read: their own settings, and the Postgres major the image must match. */
export interface OpsSettings {
  readonly ops: OpsConfig;
  readonly postgres: Pick<PostgresConfig, 'majorVersion'>;
}

/** The Postgres major an ops image tag is built for: "18-ops.1" -> 18; undefined when unreadable. */
export function opsImagePostgresMajor(tag: string): number | undefined {
  const match = /^(\d{2})(?=[.-])/.exec(tag);
  return match ? Number(match[1]) : undefined;
}


/** Every cross-field problem of `ops`; empty when the section is consistent. */
export function opsProblems(config: OpsSettings): ConfigProblem[] {
  const ops = config.ops;
  const major = config.postgres.majorVersion;
  const problems: ConfigProblem[] = [];

  const imageMajor = opsImagePostgresMajor(ops.image.tag);
  if (imageMajor !== major) {
    problems.push({
      field: 'ops.image.tag',
      value: ops.image.tag,
      rule: `must start with the Postgres major of the server (postgres.majorVersion = ${major}): pg_dump refuses a newer server, and the restore check must restore with the same major`,
      fix: `build images/ops/Dockerfile with --build-arg PG_MAJOR=${major} and tag it "${major}-ops.<revision>", e.g. "${major}-ops.1"`,
    });
  }

  problems.push(
    ...resourceLimits('ops.backup.resources', ops.backup.resources),
    ...resourceLimits('ops.restoreCheck.resources', ops.restoreCheck.resources),
    ...resourceLimits('ops.dashboardExport.resources', ops.dashboardExport.resources),
    ...resourceLimits('ops.dashboardExport.exportResources', ops.dashboardExport.exportResources),
  );

  // A table that must have rows must exist too; listing it once is enough, but listing it in
  // nonEmptyTables only is a typo more often than not.
  const missing = ops.restoreCheck.nonEmptyTables.filter((t) => !ops.restoreCheck.requiredTables.includes(t));
  if (missing.length > 0) {
    problems.push({
      field: 'ops.restoreCheck.nonEmptyTables',
      value: missing,
      rule: 'every table that must have rows must also be listed in ops.restoreCheck.requiredTables',
      fix: `add ${missing.join(', ')} to ops.restoreCheck.requiredTables, or remove them from ops.restoreCheck.nonEmptyTables`,
    });
  }

  if (ops.restoreCheck.enabled && !ops.backup.enabled) {
    problems.push({
      field: 'ops.restoreCheck.enabled',
      value: true,
      rule: 'the restore check needs the backup CronJob (ops.backup.enabled): it would test backups nobody makes any more',
      fix: 'enable ops.backup, or disable ops.restoreCheck too',
    });
  }
  return problems;
}

/** Soft problems of `ops`: placeholders still in use, plain-HTTP object storage. */
export function opsWarnings(config: { readonly ops: OpsConfig }): string[] {
  const ops = config.ops;
  const out: string[] = [];
  const anyJob = ops.backup.enabled || ops.restoreCheck.enabled || ops.dashboardExport.enabled;
  const usesStorage = ops.backup.enabled || ops.restoreCheck.enabled || (ops.dashboardExport.enabled && ops.dashboardExport.target === 'objectStorage');
  if (anyJob && ops.image.repository === PLACEHOLDER_OPS_IMAGE_REPOSITORY) {
    out.push(`ops.image.repository is the placeholder "${PLACEHOLDER_OPS_IMAGE_REPOSITORY}": build images/ops/Dockerfile, push it and set ops.image.repository.`);
  }
  if (usesStorage && ops.objectStorage.endpoint === PLACEHOLDER_OBJECT_STORAGE_ENDPOINT) {
    out.push(`ops.objectStorage.endpoint is the placeholder "${PLACEHOLDER_OBJECT_STORAGE_ENDPOINT}": set the S3-compatible endpoint, bucket and region of the backups.`);
  }
  if (usesStorage && ops.objectStorage.endpoint.startsWith('http://')) {
    out.push(`ops.objectStorage.endpoint "${ops.objectStorage.endpoint}" is plain HTTP: requests are signed, but backups of the metadata database travel unencrypted.`);
  }
  if (ops.dashboardExport.enabled && ops.dashboardExport.target === 'git' && ops.dashboardExport.git.repository === PLACEHOLDER_GIT_REPOSITORY) {
    out.push(`ops.dashboardExport.git.repository is the placeholder "${PLACEHOLDER_GIT_REPOSITORY}": set the repository the dashboard YAML is pushed to (or set ops.dashboardExport.target to "objectStorage").`);
  }
  return out;
}
