import * as fs from 'node:fs';
import * as path from 'node:path';
import { PlatformRun } from './harness/platform';
import { createParts } from './harness/parts';
import { Cluster } from './harness/cluster';
import type { Scenario } from './scenarios/scenario';
import { MemoryMeter } from './harness/memory-meter';
import { removeTree } from './harness/kubelet/container';

/** Options of one e2e session: one environment's manifests on a fresh cluster. */
export interface SessionOptions {
  readonly environment: string;
  /** Default: dist/<environment>. */
  readonly distDir?: string;
  /** Keep the run's files (pods' volumes, logs) afterwards. */
  readonly keep?: boolean;
  readonly log?: (line: string) => void;
  /** How long the platform may take to be ready (default 10 minutes). */
  readonly readyTimeoutMs?: number;
  readonly nodes?: number;
  /** Pods (by labels) kept from being scheduled for some seconds after apply (a late start on purpose). */
  readonly hold?: ReadonlyArray<{ readonly labels: Readonly<Record<string, string>>; readonly seconds: number }>;
}

export interface ScenarioOutcome {
  readonly name: string;
  readonly seconds: number;
  readonly error?: string;
  readonly figures: ReadonlyArray<{ readonly what: string; readonly value: string }>;
}

const repoRoot = path.resolve(__dirname, '../..');

/**
 * A platform started from its manifests and ready (or failed, with the explanation): what the
 * CLI and the jest suite both use. `close()` stops everything it started.
 */
export class Session {
  readonly run: PlatformRun;
  readonly runId: string;
  readonly outcomes: ScenarioOutcome[] = [];
  readySeconds?: number;
  private readonly meter: MemoryMeter;
  private readonly started = Date.now();

  constructor(readonly options: SessionOptions) {
    const runId = process.env.E2E_RUN_ID;
    if (!runId || !process.env.E2E_NODE_NETNS) throw new Error('run the e2e harness through scripts/e2e.sh (npm run e2e / npm run test:e2e): it must run as root inside its own node network namespace');
    // Each session in a process gets its own suffix: names of namespaces and files never collide.
    Session.count++;
    this.runId = `${runId}${Session.count > 1 ? `s${Session.count}` : ''}`;
    const runDir = Cluster.runDirFor(this.runId);
    fs.mkdirSync(runDir, { recursive: true });
    const log = options.log ?? ((line: string) => console.log(`[e2e ${options.environment}] ${line}`));
    const distDir = options.distDir ?? path.join(repoRoot, 'dist', options.environment);
    this.run = new PlatformRun((store) => createParts(store, { runId: this.runId, runDir, distDir, log }), {
      environment: options.environment,
      distDir,
      runDir,
      log,
      nodes: options.nodes,
      hold: options.hold,
    });
    this.meter = new MemoryMeter();
  }

  private static count = 0;

  /** Starts the platform and waits until every workload is ready; throws the explanation otherwise. */
  async open(): Promise<number> {
    this.meter.start();
    await this.run.start();
    this.readySeconds = await this.run.waitUntilReady(this.options.readyTimeoutMs ?? 600_000);
    this.run.log(`ready in ${this.readySeconds.toFixed(1)} s after apply`);
    return this.readySeconds;
  }

  /** Runs one scenario; its failure is recorded (and rethrown when `rethrow`). */
  async scenario(s: Scenario, rethrow = true): Promise<ScenarioOutcome> {
    const figures: Array<{ what: string; value: string }> = [];
    const host = this.run.hosts()[0];
    const t0 = Date.now();
    let error: string | undefined;
    this.run.log(`scenario ${s.name}: ${s.description}`);
    try {
      await s.run({ run: this.run, host, log: this.run.log, figure: (what, value) => figures.push({ what, value }) });
    } catch (e) {
      error = (e as Error).message;
    }
    const outcome = { name: s.name, seconds: (Date.now() - t0) / 1000, error, figures };
    this.outcomes.push(outcome);
    this.run.log(`scenario ${s.name}: ${error ? `FAILED: ${error}` : 'passed'} (${outcome.seconds.toFixed(1)} s)`);
    if (error && rethrow) throw new Error(`scenario ${s.name} failed: ${error}`);
    return outcome;
  }

  /** The figures of the session (printed, never asserted). */
  figures(): string[] {
    const rows: Array<[string, string]> = [
      ['environment', this.options.environment],
      ['empty to all Ready (after apply)', this.readySeconds === undefined ? 'not ready' : `${this.readySeconds.toFixed(1)} s`],
      ['session total', `${((Date.now() - this.started) / 1000).toFixed(1)} s`],
      ['peak memory (harness and every process it started)', this.meter.peakText()],
      ...this.outcomes.map((o): [string, string] => [`scenario ${o.name}`, `${o.seconds.toFixed(1)} s${o.error ? ' (FAILED)' : ''}`]),
      ...this.outcomes.flatMap((o) => o.figures.map((f): [string, string] => [`  ${o.name}: ${f.what}`, f.value])),
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  }

  /** Fields of the manifests the harness did not emulate (grouped). */
  notEmulated(): string[] {
    return this.run.cluster.report.notEmulatedSummary();
  }

  async close(): Promise<void> {
    await this.run.stop();
    this.meter.stop();
    if (!this.options.keep) {
      try {
        removeTree(this.run.options.runDir);
      } catch (e) {
        this.run.log(`could not remove ${this.run.options.runDir}: ${(e as Error).message}`);
      }
    }
  }
}
