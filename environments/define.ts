import type { EnvironmentOverrides } from '../lib/config/platform-schema';

/** Identity function that gives an environment file type-checking and editor completion. */
export function defineEnvironment(overrides: EnvironmentOverrides): EnvironmentOverrides {
  return overrides;
}
