import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { downgradeJob, planUpgrade } from '../../scripts/upgrade';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist', 'prod');
// The outer npm (npm test) exports its config as npm_* variables, which the inner npm would read.
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
const committedJob = (): any => parseAllDocuments(fs.readFileSync(path.join(DIST, '40-superset-migrate.yaml'), 'utf8')).map((d) => d.toJS()).find((o) => o.kind === 'Job');

describe('upgrade order (npm run upgrade)', () => {
  test('everything up to the migration Job first, the Superset pods after it', () => {
    const plan = planUpgrade('prod', DIST);
    const files = fs.readdirSync(DIST).filter((f) => f.endsWith('.yaml')).sort();
    expect(plan.jobFile).toBe('40-superset-migrate.yaml');
    expect(plan.job.metadata.name).toBe(committedJob().metadata.name);
    expect(plan.first[plan.first.length - 1]).toBe('40-superset-migrate.yaml');
    expect([...plan.first, ...plan.rest]).toEqual(files);
    for (const pods of ['50-superset-web.yaml', '51-superset-workers.yaml', '52-superset-beat.yaml']) expect(plan.rest).toContain(pods);
    expect(plan.namespace).toBe('superset-prod');
    expect(plan.waitSeconds).toBe(committedJob().spec.activeDeadlineSeconds + 60);
  });

  test('the printed plan: record the revision, apply up to the Job, wait for it, apply the rest', () => {
    const run = spawnSync('npm', ['run', '--silent', 'upgrade', '--', 'prod'], { cwd: ROOT, encoding: 'utf8', env: ENV });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const commands = run.stdout.split('\n').filter((l) => l.startsWith('kubectl'));
    const job = committedJob().metadata.name;
    expect(commands).toEqual([
      'kubectl -n superset-prod exec deploy/superset-web -c web -- superset db current',
      expect.stringMatching(/^kubectl apply -f dist\/prod\/00-namespace\.yaml .*-f dist\/prod\/40-superset-migrate\.yaml$/),
      `kubectl -n superset-prod wait --for=condition=complete --timeout=${committedJob().spec.activeDeadlineSeconds + 60}s job/${job}`,
      expect.stringMatching(/^kubectl apply -f dist\/prod\/50-superset-web\.yaml -f dist\/prod\/51-superset-workers\.yaml -f dist\/prod\/52-superset-beat\.yaml/),
    ]);
    expect(commands[1]).not.toMatch(/5\d-superset/);
  });

  test('a downgrade Job: the new image, config and labels, running superset db downgrade <revision>', () => {
    const plan = planUpgrade('prod', DIST);
    const job = downgradeJob(plan, 'a9422eeaae74');
    const migrate = committedJob();
    expect(job.metadata.name).toBe('superset-downgrade-a9422eeaae74');
    expect(job.spec.template.spec.containers[0].command).toEqual(['superset', 'db', 'downgrade', 'a9422eeaae74']);
    expect(job.spec.template.spec.containers[0].image).toBe(migrate.spec.template.spec.containers[0].image);
    expect(job.spec.template.metadata.labels).toEqual(migrate.spec.template.metadata.labels); // the migration's NetworkPolicy applies
    expect(job.spec.template.spec.volumes).toEqual(migrate.spec.template.spec.volumes);
    expect(() => downgradeJob(plan, 'head; rm -rf /')).toThrow(/is not an Alembic revision/);
  });

  test('the printed downgrade creates that Job from a heredoc and waits for it', () => {
    const run = spawnSync('npm', ['run', '--silent', 'upgrade', '--', 'prod', '--downgrade-to', 'a9422eeaae74'], { cwd: ROOT, encoding: 'utf8', env: ENV });
    expect(run.status).toBe(0);
    const heredoc = /kubectl create -f - <<'EOF'\n([\s\S]*?)\nEOF\n/.exec(run.stdout);
    expect(parse(heredoc![1])).toEqual(downgradeJob(planUpgrade('prod', DIST), 'a9422eeaae74'));
    expect(run.stdout).toMatch(/\nkubectl -n superset-prod wait --for=condition=complete --timeout=\d+s job\/superset-downgrade-a9422eeaae74\n/);
  });

  describe('--apply runs the steps with kubectl and stops when the migration fails', () => {
    // A kubectl stand-in on PATH: records every call, answers "get job" with $JOB_CONDITION and
    // "db current" like Alembic does. It checks our commands and their order, not a cluster.
    let bin: string;
    beforeAll(() => {
      bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-kubectl-'));
      fs.writeFileSync(path.join(bin, 'kubectl'), [
        '#!/bin/sh',
        'echo "$*" >> "$KUBECTL_LOG"',
        'case "$*" in',
        '  *" get job/"*) printf "%s" "$JOB_CONDITION" ;;',
        '  *"db current"*) echo "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl."; echo "a9422eeaae74 (head)" ;;',
        '  *) echo "applied" ;;',
        'esac',
      ].join('\n'), { mode: 0o755 });
    });
    afterAll(() => fs.rmSync(bin, { recursive: true, force: true }));

    const apply = (condition: string) => {
      const log = path.join(bin, `calls-${condition}.log`);
      const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/upgrade.ts', 'prod', '--apply'], {
        cwd: ROOT, encoding: 'utf8', env: { ...ENV, PATH: `${bin}:${process.env.PATH}`, KUBECTL_LOG: log, JOB_CONDITION: condition },
      });
      return { ...run, calls: fs.readFileSync(log, 'utf8').trim().split('\n') };
    };

    test('complete: revision recorded, then the first files, the Job polled, then the rest', () => {
      const run = apply('Complete');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/current schema revision: a9422eeaae74/);
      expect(run.calls.map((c) => c.replace(/ -f dist\/prod\/.*$/, ' -f …').replace(/job\/\S+.*/, 'job/…'))).toEqual([
        '-n superset-prod exec deploy/superset-web -c web -- superset db current',
        'apply -f …',
        '-n superset-prod get job/…',
        'apply -f …',
      ]);
      expect(run.calls[1]).toMatch(/40-superset-migrate\.yaml$/);
      expect(run.calls[3]).toMatch(/-f dist\/prod\/50-superset-web\.yaml/);
    });

    test('failed: nothing after the Job is applied, the exit code says so, the logs are named', () => {
      const run = apply('Failed');
      expect(run.status).toBe(1);
      expect(run.calls.filter((c) => c.startsWith('apply'))).toHaveLength(1);
      expect(run.stdout).toMatch(/Job superset-migrate-\S+ failed; nothing after it was applied\. Its logs: kubectl -n superset-prod logs job\/superset-migrate-/);
    });
  });
});
