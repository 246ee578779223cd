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
  /**
   * A scenario about how the platform starts needs a fresh, empty cluster of its own: these pods
   * (by labels) are kept from being scheduled for the given seconds after the manifests are applied.
   */
  readonly freshStart?: { readonly hold: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly seconds: number }> };
  run(ctx: ScenarioContext): Promise<void>;
}

/** Throws with `message` unless `condition` holds (scenarios assert with this, outside jest too). */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
