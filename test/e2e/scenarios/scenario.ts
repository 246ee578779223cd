import type { PlatformRun } from '../harness/platform';

/** What a scenario gets: the running platform and a place for its figures. */
export interface ScenarioContext {
  readonly run: PlatformRun;
  /** The public host of the platform's Ingress. */
  readonly host: string;
  readonly log: (line: string) => void;
  /** Records a figure for the printed table (never asserted). */
  figure(what: string, value: string): void;
}

/** One end-to-end scenario: it asserts (throws on failure) and records figures. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Environments it is meant for (e.g. failover needs several members); all when undefined. */
  readonly environments?: readonly string[];
  run(ctx: ScenarioContext): Promise<void>;
}

/** Throws with `message` unless `condition` holds (scenarios assert with this, outside jest too). */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
