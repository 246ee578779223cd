import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bandOf, CHECKLIST, runAudit } from '../../lib/audit/checklist';
import { AuditContext } from '../../lib/audit/evidence';
import type { KubeObject } from '../../lib/policy';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const platform = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' }, asyncQueries: { enabled: true } } }, 'prod');
// The evidence cases bring their own CronJobs: the platform's must not stand in for them.
const noOps = { backup: { enabled: false }, restoreCheck: { enabled: false }, dashboardExport: { enabled: false } };
const platformWithoutOps = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' }, asyncQueries: { enabled: true } }, ops: noOps }, 'prod');
const meta = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({ name, namespace: 'superset-prod', labels, annotations });

const cron = (name: string, schedule: string, env: Array<Record<string, string>>) => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: meta(name),
  spec: { schedule, jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x:1', env }] } } } } },
});

function statusOf(n: number, extra: unknown[] = [], objects: readonly KubeObject[] = platform, root = path.join(__dirname, '..', '..')): string {
  const point = CHECKLIST.find((p) => p.n === n)!;
  return point.check(new AuditContext('prod', [...objects, ...(extra as KubeObject[])], root)).status;
}

describe('production-readiness audit', () => {
  test('25 points, numbered 1-25, each procedural or checkable', () => {
    expect(CHECKLIST.map((p) => p.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test.each([[25, 'exemplary'], [24, 'exemplary'], [19, 'solid production'], [11, 'internal use only'], [10, 'proof of concept']])('score %d is %s', (score, band) => {
    expect(bandOf(score)).toBe(band);
  });

  // [point, evidence that makes it pass, evidence that makes it fail]
  const cases: Array<[number, unknown[], unknown[]]> = [
    [15, [cron('pg-backup', '15 2 * * *', [{ name: 'S3_BUCKET', value: 'backups' }])], [cron('pg-backup', '15 2 * * *', [])]],
    [17, [cron('dashboard-export', '0 3 * * *', [])], []],
    [19, [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: meta('superset') }], []],
    [20, [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta('r'), spec: { groups: [{ rules: [{ alert: 'SupersetCpuSaturated' }, { alert: 'Superset5xxRate' }, { alert: 'PostgresBackupTooOld' }] }] } }],
      [{ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: meta('r'), spec: { groups: [{ rules: [{ alert: 'SupersetCpuSaturated' }] }] } }]],
  ];
  test.each(cases)('point %d passes with its evidence and fails without', (n, good, bad) => {
    expect(statusOf(n, good, platformWithoutOps)).toBe('pass');
    expect(statusOf(n, bad, platformWithoutOps)).toBe('fail');
  });

  test('the platform\'s own CronJobs: off-site backups (15), dashboards in Git (17); point 14 waits only for WAL archiving', () => {
    expect(statusOf(15)).toBe('pass');
    expect(statusOf(17)).toBe('pass');
    const point14 = CHECKLIST.find((p) => p.n === 14)!.check(new AuditContext('prod', platform, path.join(__dirname, '..', '..')));
    expect(point14.status).toBe('fail');
    expect(point14.evidence).toEqual(['missing: continuous WAL archiving configured on the Patroni StatefulSet']);
  });

  test('point 9 needs the redis-cache Service the cache configs point at', () => {
    expect(statusOf(9)).toBe('pass');
    expect(statusOf(9, [], platform.filter((o) => !(o.kind === 'Service' && o.metadata.name === 'redis-cache')))).toBe('fail');
  });

  test('points 11, 12 and 14 read the database tier itself', () => {
    const sized = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' } }, postgres: { resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' }, walArchive: { bucket: 'wal-bucket' } } }, 'prod');
    expect(statusOf(11, [], sized)).toBe('pass');
    expect(statusOf(11, [], platform)).toBe('fail'); // the default 1 CPU request is below the checklist's 2 vCPU
    expect(statusOf(12, [], sized)).toBe('pass');
    expect(statusOf(12, [], sized.filter((o) => !(o.kind === 'Deployment' && o.metadata.name === 'pgbouncer')))).toBe('fail');
    expect(statusOf(14, [], sized)).toBe('pass');
    const shortRetention = structuredClone(sized) as any[];
    const backup = shortRetention.find((o) => o.kind === 'CronJob' && o.metadata.name === 'pg-backup');
    for (const c of backup.spec.jobTemplate.spec.template.spec.containers) for (const e of c.env ?? []) if (/RETENTION_DAYS/.test(e.name)) e.value = '7';
    expect(statusOf(14, [], shortRetention)).toBe('fail');
  });

  test('point 2: the platform\'s Ingress passes; weaker HSTS or no TLS fails; the Gateway API form passes too', () => {
    expect(statusOf(2)).toBe('pass');
    const change = (f: (o: any) => void) => {
      const copy = structuredClone(platform) as any[];
      f(copy.find((o) => o.kind === 'Ingress'));
      return copy;
    };
    expect(statusOf(2, [], change((o) => { o.metadata.annotations['nginx.org/hsts-max-age'] = '86400'; }))).toBe('fail');
    expect(statusOf(2, [], change((o) => { o.spec.tls = []; }))).toBe('fail');
    expect(statusOf(2, [], change((o) => { delete o.metadata.annotations['nginx.org/hsts-include-subdomains']; }))).toBe('fail');
    const gateway = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' } }, edge: { mode: 'gateway' } }, 'prod');
    expect(statusOf(2, [], gateway)).toBe('pass');
    expect(statusOf(2, [], gateway.filter((o) => o.metadata.name !== 'superset-https-redirect'))).toBe('fail');
  });

  test('points checked on the platform itself: secret key, admin, cookies, workers, async queries, logs', () => {
    for (const n of [1, 3, 5, 10, 13, 18]) expect([n, statusOf(n)]).toEqual([n, 'pass']);
  });

  test('a secret literal or an admin password literal fails its point', () => {
    const leaked = structuredClone(platform) as any[];
    const web = leaked.find((o) => o.kind === 'Deployment' && o.metadata.name === 'superset-web');
    web.spec.template.spec.containers[0].env.push({ name: 'ADMIN_PASSWORD', value: 'admin' });
    expect(statusOf(1, [], leaked)).toBe('fail');
    expect(statusOf(3, [], leaked)).toBe('fail');
  });

  test('async queries off fails point 13', () => {
    expect(statusOf(13, [], buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' } } }, 'prod'))).toBe('fail');
  });

  test('procedural points are covered only by the named section of their document', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-docs-'));
    fs.mkdirSync(path.join(root, 'docs'));
    expect(statusOf(7, [], platform, root)).toBe('fail');
    fs.writeFileSync(path.join(root, 'docs', 'SECURITY.md'), '# Security\n## Row-level security\ntext\n');
    expect(statusOf(7, [], platform, root)).toBe('procedural');
    expect(statusOf(23, [], platform, root)).toBe('fail');
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('the report scores passes and documented procedures', () => {
    const report = runAudit(new AuditContext('prod', platform, path.join(__dirname, '..', '..')));
    expect(report.score).toBe(report.results.filter((r) => r.status !== 'fail').length);
    expect(report.band).toBe(bandOf(report.score));
  });
});

describe('the committed prod environment', () => {
  test('scores every checkable point but WAL archiving (off while its endpoint is a placeholder), and every procedural point has its document', () => {
    const { auditEnvironment } = require('../../scripts/audit');
    const report = auditEnvironment('prod');
    expect(report.results.filter((r: any) => r.status === 'fail').map((r: any) => `${r.n}: ${r.evidence.join('; ')}`))
      .toEqual(['14: missing: continuous WAL archiving configured on the Patroni StatefulSet']);
    expect(report.score).toBe(24);
  });
});
