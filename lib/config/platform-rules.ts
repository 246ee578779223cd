import { edgeWarnings } from '../edge/rules';
import { opsProblems, opsWarnings } from '../ops/rules';
import { databaseProblems, databaseWarnings, postgresPlaceholderWarnings } from '../postgres/rules';
import { redisProblems, redisWarnings } from '../redis/rules';
import { supersetPlaceholderWarnings, supersetProblems, supersetSizingWarnings } from '../superset/rules';
import type { ConfigProblem } from './errors';
import type { PlatformConfig } from './platform-schema';

// Rules that span several fields. The schema checks each field alone; these check how they fit.
// Each component keeps its rules in its own rules.ts; this only runs them all, placeholders
// before sizing, in one fixed order (so the problems and warnings read the same every run).

/** Every cross-field rule; an empty list means the environment is valid. */
export function crossFieldProblems(config: PlatformConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  problems.push(...supersetProblems(config));
  problems.push(...databaseProblems(config));
  problems.push(...opsProblems(config));
  problems.push(...redisProblems(config));
  return problems;
}

/** Soft problems: the platform works, but probably not as intended. */
export function warnings(config: PlatformConfig): string[] {
  const out: string[] = [];
  out.push(...supersetPlaceholderWarnings(config));
  out.push(...postgresPlaceholderWarnings(config));
  out.push(...edgeWarnings(config));
  out.push(...supersetSizingWarnings(config));
  out.push(...databaseWarnings(config));
  out.push(...opsWarnings(config));
  out.push(...redisWarnings(config));
  return out;
}
