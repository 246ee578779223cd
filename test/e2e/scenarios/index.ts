import type { Scenario } from './scenario';
import { freshInstall } from './fresh-install';

/** Every scenario, in the order a full run executes them. */
export const SCENARIOS: readonly Scenario[] = [freshInstall];
