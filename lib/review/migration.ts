/* eslint-disable @typescript-eslint/no-explicit-any */

/** The component label of the migration Job (lib/superset/migrate-job.ts). */
export const MIGRATE_COMPONENT = 'migrate';

/** What a change does to the database schema: a new migration Job runs `superset db upgrade`. */
export interface MigrationChange {
  /** The Job that will run. */
  readonly job: string;
  /** The Job it replaces; undefined on a first install. */
  readonly previousJob?: string;
  readonly imageBefore?: string;
  readonly imageAfter: string;
  /** Why the Job is new, as a sentence fragment. */
  readonly reason: string;
}

/** The migration Jobs among an environment's objects. */
export function migrationJobs(objects: Iterable<any>): any[] {
  return [...objects].filter((o) => o?.kind === 'Job' && o.metadata?.labels?.['app.kubernetes.io/component'] === MIGRATE_COMPONENT);
}

const imageOf = (job: any): string => job.spec?.template?.spec?.containers?.[0]?.image ?? '(unknown)';

/**
 * A migration Job's name carries the image version and a hash of its pod template, so a new name
 * means the schema migration runs again: the Superset image changed, or how it runs did.
 */
export function migrationChange(before: Iterable<any>, after: Iterable<any>): MigrationChange | undefined {
  const old = migrationJobs(before);
  const now = migrationJobs(after);
  const added = now.find((j) => !old.some((o) => o.metadata.name === j.metadata.name));
  if (!added) return undefined;
  const previous = old[0];
  const imageAfter = imageOf(added);
  if (!previous) return { job: added.metadata.name, imageAfter, reason: 'the first migration Job of this environment' };
  const imageBefore = imageOf(previous);
  const reason = imageBefore !== imageAfter ? `the Superset image changes: ${imageBefore} -> ${imageAfter}` : 'the migration Job\'s pod template changes';
  return { job: added.metadata.name, previousJob: previous.metadata.name, imageBefore, imageAfter, reason };
}
