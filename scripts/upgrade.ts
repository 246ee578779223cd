// npm run upgrade -- <env> [--apply] [--dist <dir>]
// npm run upgrade -- <env> --downgrade-to <revision> [--apply] [--dist <dir>]
// Applies dist/<env> in the order an upgrade needs: everything up to and including the migration
// Job, then waits for the Job, then the Superset pods. Applied all at once, the new web, worker and
// beat pods sit in wait-for-migrations and beat (Recreate) is down until the Job finishes; in this
// order the old pods, beat included, keep running until the schema is migrated. With
// --downgrade-to it runs `superset db downgrade <revision>` with the image dist/<env> deploys now,
// the step a rollback needs first (the old version's Alembic does not know the new revisions).
// Without --apply it prints the commands; with --apply it runs them with kubectl.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { migrationJobs } from '../lib/review/migration';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface UpgradePlan {
  readonly environment: string;
  /** The folder the manifests are applied from, as given. */
  readonly dir: string;
  readonly namespace: string;
  /** The migration Job as synthesized. */
  readonly job: any;
  readonly jobFile: string;
  /** Applied first: every file up to and including the migration Job's (the sync-wave order). */
  readonly first: readonly string[];
  /** Applied once the Job has completed. */
  readonly rest: readonly string[];
  /** The web Deployment and its Superset container, to read the schema revision from. */
  readonly web?: { readonly deployment: string; readonly container: string };
  /** How long the Job may run (its activeDeadlineSeconds), plus a minute to see it fail. */
  readonly waitSeconds: number;
}

/** Reads dist/<env> and works out the order; throws when the folder has no migration Job. */
export function planUpgrade(environment: string, dir: string): UpgradePlan {
  if (!fs.existsSync(dir)) throw new Error(`${dir} does not exist: run npm run synth -- ${environment}`);
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  const objects = files.map((file) => ({ file, objects: parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8')).map((d) => d.toJS()).filter(Boolean) }));
  const jobs = objects.flatMap(({ file, objects: o }) => migrationJobs(o).map((job) => ({ file, job })));
  if (jobs.length !== 1) throw new Error(`${dir} has ${jobs.length} migration Jobs, expected one`);
  const [{ file: jobFile, job }] = jobs;
  const cut = files.indexOf(jobFile) + 1;
  const web = objects.flatMap((f) => f.objects).find((o) => o.kind === 'Deployment' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'web');
  return {
    environment,
    dir,
    namespace: job.metadata.namespace,
    job,
    jobFile,
    first: files.slice(0, cut),
    rest: files.slice(cut),
    web: web && { deployment: web.metadata.name, container: web.spec.template.spec.containers[0].name },
    waitSeconds: (job.spec.activeDeadlineSeconds ?? 3600) + 60,
  };
}

/** One command of a plan, with the reason printed above it. */
export interface Step {
  readonly why: string;
  readonly argv: readonly string[];
  /** Passed on stdin (a heredoc when printed). */
  readonly input?: string;
  /** "wait": wait for the Job `job`; "record": print the schema revision it reads. */
  readonly kind?: 'wait' | 'record';
  readonly job?: string;
}

const applyFiles = (plan: UpgradePlan, files: readonly string[]) => ['kubectl', 'apply', ...files.flatMap((f) => ['-f', path.join(plan.dir, f)])];
const waitFor = (plan: UpgradePlan, job: string, why: string): Step => ({
  why,
  argv: ['kubectl', '-n', plan.namespace, 'wait', '--for=condition=complete', `--timeout=${plan.waitSeconds}s`, `job/${job}`],
  kind: 'wait',
  job,
});

/** The schema revision the running version is at, for a rollback (none on a first install). */
function currentRevisionStep(plan: UpgradePlan): Step[] {
  if (!plan.web) return [];
  return [{
    why: `the schema revision the running version is at; keep it: a rollback needs it (npm run upgrade -- ${plan.environment} --downgrade-to <revision>)`,
    argv: ['kubectl', '-n', plan.namespace, 'exec', `deploy/${plan.web.deployment}`, '-c', plan.web.container, '--', 'superset', 'db', 'current'],
    kind: 'record',
  }];
}

export function upgradeSteps(plan: UpgradePlan): Step[] {
  return [
    ...currentRevisionStep(plan),
    { why: 'what the migration needs, and the migration Job itself; no Superset pod changes yet', argv: applyFiles(plan, plan.first) },
    waitFor(plan, plan.job.metadata.name, `wait for the migration; the old pods, beat included, keep running meanwhile (a failed Job makes this wait out its timeout: kubectl -n ${plan.namespace} logs job/${plan.job.metadata.name})`),
    { why: 'web, workers and beat roll onto the migrated schema; then the edge, ops and monitoring', argv: applyFiles(plan, plan.rest) },
  ];
}

/** A Job name from an Alembic revision ("a9422eeaae74"). */
const REVISION = /^[0-9A-Za-z_]{1,40}$/;

/** The migration Job of `plan`, turned into one that runs `superset db downgrade <revision>`. */
export function downgradeJob(plan: UpgradePlan, revision: string): any {
  if (!REVISION.test(revision)) throw new Error(`"${revision}" is not an Alembic revision: use the one "superset db current" printed before the upgrade`);
  const job = structuredClone(plan.job);
  job.metadata.name = `superset-downgrade-${revision.toLowerCase().replace(/_/g, '-')}`.slice(0, 63).replace(/-+$/, '');
  delete job.metadata.annotations; // not part of any sync wave: it is run by hand
  // Same labels (so the migration's NetworkPolicy applies), image, config and Secrets; only the command differs.
  job.spec.template.spec.containers[0].command = ['superset', 'db', 'downgrade', revision];
  return job;
}

export function downgradeSteps(plan: UpgradePlan, revision: string): Step[] {
  const job = downgradeJob(plan, revision);
  return [
    {
      why: `downgrade the schema to ${revision} with the image dist/${plan.environment} deploys now (${job.spec.template.spec.containers[0].image}), before reverting it`,
      argv: ['kubectl', 'create', '-f', '-'],
      input: stringify(job),
    },
    waitFor(plan, job.metadata.name, `wait for it; then revert the image tag, npm run synth and npm run upgrade -- ${plan.environment} --apply with the old dist/`),
  ];
}

const quote = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The steps as a shell script a person can read and run. */
export function formatSteps(title: string, steps: readonly Step[]): string {
  const lines = [`# ${title}`];
  steps.forEach((s, i) => {
    lines.push(`# ${i + 1}. ${s.why}`);
    const command = s.argv.map(quote).join(' ');
    lines.push(s.input === undefined ? command : `${command} <<'EOF'\n${s.input.replace(/\n$/, '')}\nEOF`);
  });
  return `${lines.join('\n')}\n`;
}

const run = (argv: readonly string[], input?: string) =>
  spawnSync(argv[0], argv.slice(1), { input, encoding: 'utf8', stdio: [input === undefined ? 'inherit' : 'pipe', 'pipe', 'pipe'] });

const sleep = (seconds: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);

/** Polls the Job until it completes or fails (kubectl wait would sit out the timeout on a failure). */
function waitForJob(plan: UpgradePlan, job: string): 'Complete' | 'Failed' | 'timeout' {
  const deadline = Date.now() + plan.waitSeconds * 1000;
  for (;;) {
    const got = run(['kubectl', '-n', plan.namespace, 'get', `job/${job}`, '-o', 'jsonpath={.status.conditions[?(@.status=="True")].type}']);
    const conditions = got.status === 0 ? got.stdout.split(/\s+/) : [];
    if (conditions.includes('Complete')) return 'Complete';
    if (conditions.includes('Failed')) return 'Failed';
    if (Date.now() > deadline) return 'timeout';
    sleep(5);
  }
}

/** Runs the steps in order; stops at the first that fails. Returns the exit code. */
export function applySteps(plan: UpgradePlan, steps: readonly Step[], log: (line: string) => void): number {
  for (const step of steps) {
    log(`# ${step.why}`);
    if (step.kind === 'wait') {
      const job = step.job!;
      const result = waitForJob(plan, job);
      if (result !== 'Complete') {
        log(`Job ${job} ${result === 'Failed' ? 'failed' : 'did not finish in time'}; nothing after it was applied. Its logs: kubectl -n ${plan.namespace} logs job/${job}`);
        return 1;
      }
      log(`Job ${job} completed`);
      continue;
    }
    const result = run(step.argv, step.input);
    const out = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
    if (step.kind === 'record') {
      // A first install has no Superset running yet: nothing to record.
      const revision = /^([0-9a-f]{12})\b/m.exec(result.stdout ?? '')?.[1];
      log(revision ? `current schema revision: ${revision} (keep it for a rollback)` : `no schema revision read (${out.split('\n').pop() || 'no output'}); a first install has none`);
      continue;
    }
    if (out) log(out);
    if (result.status !== 0) {
      log(`${step.argv.slice(0, 2).join(' ')} failed (exit ${result.status}); nothing after it was applied`);
      return 1;
    }
  }
  return 0;
}

interface Args {
  readonly environment: string;
  readonly apply: boolean;
  readonly distRoot: string;
  readonly downgradeTo?: string;
}

function parseArgs(argv: readonly string[]): Args {
  const usage = 'usage: npm run upgrade -- <environment> [--downgrade-to <revision>] [--apply] [--dist <dir>]';
  let environment: string | undefined;
  let apply = false;
  let distRoot = 'dist';
  let downgradeTo: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--apply') apply = true;
    else if (arg === '--dist' || arg === '--downgrade-to') {
      const value = argv[++i];
      if (value === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      if (arg === '--dist') distRoot = value;
      else downgradeTo = value;
    } else if (arg === '--help' || arg === '-h') throw new Error(usage);
    else if (arg.startsWith('-') || environment !== undefined) throw new Error(`unexpected "${arg}"\n${usage}`);
    else environment = arg;
  }
  if (!environment) throw new Error(usage);
  return { environment, apply, distRoot, downgradeTo };
}

function main(argv: string[]): number {
  const args = parseArgs(argv);
  const plan = planUpgrade(args.environment, path.join(args.distRoot, args.environment));
  const steps = args.downgradeTo === undefined ? upgradeSteps(plan) : downgradeSteps(plan, args.downgradeTo);
  const title = args.downgradeTo === undefined
    ? `Upgrade ${plan.namespace} to ${plan.dir} (migration Job ${plan.job.metadata.name}), in this order:`
    : `Roll the schema of ${plan.namespace} back to ${args.downgradeTo} before reverting ${plan.dir}:`;
  if (!args.apply) {
    process.stdout.write(formatSteps(title, steps));
    return 0;
  }
  console.log(`# ${title}`);
  return applySteps(plan, steps, (line) => console.log(line));
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`upgrade failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
