import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bandOf, CHECKLIST, runAudit, strictFailures } from '../../lib/audit/checklist';
import { AuditContext } from '../../lib/audit/evidence';
import { placeholderHost, placeholdersOf } from '../../lib/audit/placeholders';
import type { KubeObject } from '../../lib/policy';
import { buildObjects, IDP_NETWORK } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..', '..');

// An environment with nothing left to fill in: real registry, host, IdP, object store and Git
// server, the database sized to the checklist, WAL archiving, monitoring, async queries.
const COMPLETE = {
  monitoring: { enabled: true },
  edge: { host: 'bi.acme.io' },
  network: { dataSources: [{ cidr: '10.30.0.0/16', ports: [5432] }], ...IDP_NETWORK },
  superset: {
    image: { repository: 'ghcr.io/acme/superset' },
    asyncQueries: { enabled: true },
    auth: { type: 'oauth' as const, oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://login.acme.io/.well-known/openid-configuration', scope: 'openid email profile', icon: 'fa-key' }] } },
  },
  postgres: {
    resources: { cpuRequest: '2', cpuLimit: '2', memoryRequest: '4Gi', memoryLimit: '4Gi' },
    walArchive: { bucket: 'acme-wal', endpoint: 'https://s3.eu-central-1.amazonaws.com' },
  },
  ops: {
    image: { repository: 'ghcr.io/acme/superset-ops' },
    objectStorage: { endpoint: 'https://s3.eu-central-1.amazonaws.com' },
    dashboardExport: { git: { repository: 'git@github.com:acme/superset-dashboards.git' } },
  },
};
const complete = buildObjects(COMPLETE, 'prod');

const resultOf = (n: number, objects: readonly KubeObject[] = complete, root = ROOT) => CHECKLIST.find((p) => p.n === n)!.check(new AuditContext('prod', objects, root));
const statusOf = (n: number, objects: readonly KubeObject[] = complete, root = ROOT) => resultOf(n, objects, root).status;

/** A deep copy of the complete platform with one change. */
function changed(f: (objects: any[]) => void): KubeObject[] {
  const copy: any[] = structuredClone(complete);
  f(copy);
  return copy;
}
const named = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const webPod = (objects: any[]) => named(objects, 'Deployment', 'superset-web').spec.template.spec;
const config = (objects: any[]) => named(objects, 'ConfigMap', 'superset-config').data;
const cronContainer = (objects: any[], name: string) => named(objects, 'CronJob', name).spec.jobTemplate.spec.template.spec.containers[0];
const setPy = (objects: any[], from: RegExp, to: string) => { const c = config(objects); c['superset_config.py'] = c['superset_config.py'].replace(from, to); };

/** The repository's docs, copied to a temporary root, with one heading removed from one document. */
function docsWithout(doc: string, heading: RegExp): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-docs-'));
  fs.mkdirSync(path.join(root, 'docs'));
  for (const d of ['SECURITY.md', 'RUNBOOK.md', 'UPGRADE.md']) {
    const text = fs.readFileSync(path.join(ROOT, 'docs', d), 'utf8');
    fs.writeFileSync(path.join(root, 'docs', d), `docs/${d}` === doc ? text.split('\n').filter((l) => !(l.startsWith('#') && heading.test(l))).join('\n') : text);
  }
  return root;
}

describe('production-readiness audit', () => {
  test('25 points, numbered 1-25, each procedural or checkable', () => {
    expect(CHECKLIST.map((p) => p.n)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(CHECKLIST.filter((p) => p.kind === 'procedural').map((p) => p.n)).toEqual([7, 16, 21, 22, 23, 24]);
  });

  test.each([[25, 'exemplary'], [24, 'exemplary'], [19, 'solid production'], [11, 'internal use only'], [10, 'proof of concept']])('score %d is %s', (score, band) => {
    expect(bandOf(score)).toBe(band);
  });

  test('the complete environment: every checkable point proved by the manifests, every procedural one documented', () => {
    const report = runAudit(new AuditContext('prod', complete, ROOT));
    expect(report.results.filter((r) => r.status === 'fail').map((r) => `${r.n}: ${r.evidence.join('; ')}`)).toEqual([]);
    expect(report.results.filter((r) => r.kind === 'checkable').every((r) => r.status === 'pass')).toBe(true);
    expect(report.results.filter((r) => r.kind === 'procedural').map((r) => r.status)).toEqual(Array(6).fill('documented'));
    expect(report).toMatchObject({ checkable: { passed: 19, total: 19 }, procedural: { covered: 6, total: 6 }, placeholders: [], score: 25, band: 'exemplary' });
    expect(strictFailures(report)).toEqual([]);
  });

  // The complete environment, its ops jobs on a web identity instead of stored keys.
  const WEB_IDENTITY = {
    credentials: 'webIdentity', webIdentity: {
      stsEndpoint: 'https://sts.eu-west-1.amazonaws.com', roleArn: 'arn:aws:iam::123456789012:role/superset-backup',
      readOnlyRoleArn: 'arn:aws:iam::123456789012:role/superset-restore-check', egress: [{ cidr: '52.94.0.0/22', ports: [443] }],
    },
  };
  const webIdentity = () => buildObjects({ ...COMPLETE, ops: { ...COMPLETE.ops, objectStorage: { ...COMPLETE.ops.objectStorage, ...WEB_IDENTITY } } } as any, 'prod');

  test('off-site copy with a web identity: the restore check\'s own read-only role, as its own ServiceAccount', () => {
    const r = resultOf(15, webIdentity());
    expect(r.status).toBe('pass');
    expect(r.evidence.join('\n')).toMatch(/restore check reads with its own role \(arn:aws:iam::123456789012:role\/superset-restore-check, read-only by its policy\) as its own ServiceAccount superset-ops-read/);
  });

  // Each point: one change of the complete environment (or of its docs) that must fail it.
  const failing: Array<[number, string, () => { objects?: KubeObject[]; root?: string }]> = [
    [1, 'the secret key as a literal', () => ({ objects: changed((o) => { webPod(o).containers[0].env.push({ name: 'SUPERSET_SECRET_KEY', value: 'not-secret' }); }) })],
    [1, 'the secret key not a file of a Secret', () => ({ objects: changed((o) => { webPod(o).volumes = webPod(o).volumes.filter((v: any) => v.name !== 'superset-secrets'); }) })],
    [1, 'no minimum key length at start', () => ({ objects: changed((o) => setPy(o, /if len\(SECRET_KEY\.encode\(\)\) < 32:/, 'if False:')) })],
    [2, 'HSTS for a day', () => ({ objects: changed((o) => { named(o, 'Ingress', 'superset').metadata.annotations['nginx.org/hsts-max-age'] = '86400'; }) })],
    [2, 'the placeholder host', () => ({ objects: buildObjects({ ...COMPLETE, edge: {} }, 'prod') })],
    [3, 'an admin created with a password literal', () => ({ objects: changed((o) => { webPod(o).containers[0].args = ['superset fab create-admin --username admin --password admin']; }) })],
    [4, 'local accounts only (AUTH_DB)', () => ({ objects: buildObjects({ ...COMPLETE, superset: { ...COMPLETE.superset, auth: { type: 'database' } } }, 'prod') })],
    [4, 'an IdP on a placeholder host', () => ({ objects: buildObjects({ ...COMPLETE, superset: { ...COMPLETE.superset, auth: { type: 'oauth', oauth: { providers: [{ ...COMPLETE.superset.auth.oauth.providers[0], serverMetadataUrl: 'https://idp.example.com/.well-known/openid-configuration' }] } } } }, 'prod') })],
    [4, 'OAuth with no provider', () => ({ objects: changed((o) => setPy(o, /^OAUTH_PROVIDERS = [\s\S]*?\n(?=\S)/m, 'OAUTH_PROVIDERS = []\n')) })],
    [5, 'insecure session cookie', () => ({ objects: changed((o) => setPy(o, /SESSION_COOKIE_SECURE = True/, 'SESSION_COOKIE_SECURE = False')) })],
    [5, 'client-side sessions (logout does not revoke)', () => ({ objects: changed((o) => setPy(o, /SESSION_SERVER_SIDE = True/, 'SESSION_SERVER_SIDE = False')) })],
    [5, 'the 31-day default session lifetime', () => ({ objects: changed((o) => setPy(o, /PERMANENT_SESSION_LIFETIME = .*\n/, '')) })],
    [5, 'a login limit per second', () => ({ objects: changed((o) => setPy(o, /AUTH_RATE_LIMIT = .*\n/, 'AUTH_RATE_LIMIT = "5 per second"\n')) })],
    [5, 'X-Forwarded-Prefix trusted', () => ({ objects: changed((o) => setPy(o, /"x_prefix": 0/, '"x_prefix": 1')) })],
    [6, 'Talisman off', () => ({ objects: changed((o) => setPy(o, /TALISMAN_ENABLED = True/, 'TALISMAN_ENABLED = False')) })],
    [7, 'no row-level security section', () => ({ root: docsWithout('docs/SECURITY.md', /row-level security/i) })],
    [8, 'a public role', () => ({ objects: changed((o) => { config(o)['superset_config.py'] += '\nPUBLIC_ROLE_LIKE = "Gamma"\n'; }) })],
    [9, 'no redis-cache Service', () => ({ objects: changed((o) => o.splice(o.indexOf(named(o, 'Service', 'redis-cache')), 1)) })],
    [10, 'a 60 s webserver timeout', () => ({ objects: changed((o) => setPy(o, /SUPERSET_WEBSERVER_TIMEOUT = \d+/, 'SUPERSET_WEBSERVER_TIMEOUT = 60')) })],
    [11, 'Postgres below 2 vCPU / 4 GB', () => ({ objects: buildObjects({ ...COMPLETE, postgres: { walArchive: COMPLETE.postgres.walArchive } }, 'prod') })],
    [12, 'no PgBouncer', () => ({ objects: changed((o) => o.splice(o.indexOf(named(o, 'Deployment', 'pgbouncer')), 1)) })],
    [13, 'async queries off', () => ({ objects: buildObjects({ ...COMPLETE, superset: { ...COMPLETE.superset, asyncQueries: { enabled: false } } }, 'prod') })],
    [14, 'a 7-day retention', () => ({ objects: changed((o) => { for (const e of cronContainer(o, 'pg-backup').env) if (/RETENTION_DAYS/.test(e.name)) e.value = '7'; }) })],
    [14, 'WAL archived to a placeholder endpoint', () => ({ objects: buildObjects({ ...COMPLETE, postgres: { ...COMPLETE.postgres, walArchive: { bucket: 'acme-wal', endpoint: 'https://s3.example.com' } } }, 'prod') })],
    [15, 'backups to a placeholder endpoint', () => ({ objects: buildObjects({ ...COMPLETE, ops: { ...COMPLETE.ops, objectStorage: {} } }, 'prod') })],
    [15, 'no upload target', () => ({ objects: changed((o) => { const c = cronContainer(o, 'pg-backup'); c.env = c.env.filter((e: any) => !/BUCKET$/.test(e.name)); }) })],
    [15, 'dumps uploaded unencrypted', () => ({ objects: changed((o) => { const c = cronContainer(o, 'pg-backup'); c.env = c.env.filter((e: any) => e.name !== 'BACKUP_AGE_RECIPIENT_FILE'); }) })],
    [15, 'checksums unsigned', () => ({ objects: changed((o) => { const c = cronContainer(o, 'pg-backup'); c.env = c.env.filter((e: any) => e.name !== 'BACKUP_SIGNING_KEY_FILE'); }) })],
    [15, 'the restore check assuming the writing role', () => ({ objects: ((o: any[]) => { for (const e of cronContainer(o, 'pg-restore-check').env) if (e.name === 'AWS_ROLE_ARN') e.value = 'arn:aws:iam::123456789012:role/superset-backup'; return o; })(webIdentity()) })],
    [15, 'the restore check under the writing role\'s ServiceAccount', () => ({ objects: ((o: any[]) => { named(o, 'CronJob', 'pg-restore-check').spec.jobTemplate.spec.template.spec.serviceAccountName = 'superset-ops'; return o; })(webIdentity()) })],
    [15, 'the restore check with the writing key', () => ({ objects: changed((o) => { for (const e of cronContainer(o, 'pg-restore-check').env) if (e.valueFrom?.secretKeyRef?.name === 'backup-object-storage-read') e.valueFrom.secretKeyRef.name = 'backup-object-storage'; }) })],
    [16, 'no restore section', () => ({ root: docsWithout('docs/RUNBOOK.md', /restore/i) })],
    [17, 'exports pushed to a placeholder Git server', () => ({ objects: buildObjects({ ...COMPLETE, ops: { ...COMPLETE.ops, dashboardExport: {} } }, 'prod') })],
    [17, 'no dashboard export', () => ({ objects: buildObjects({ ...COMPLETE, ops: { ...COMPLETE.ops, dashboardExport: { enabled: false } } }, 'prod') })],
    [18, 'a container logging to a file', () => ({ objects: changed((o) => { webPod(o).containers[0].env.push({ name: 'GUNICORN_LOG_FILE', value: '/var/log/gunicorn.log' }); }) })],
    [19, 'no ServiceMonitor or PodMonitor', () => ({ objects: buildObjects({ ...COMPLETE, monitoring: { enabled: false } }, 'prod') })],
    [20, 'no backup alert', () => ({ objects: changed((o) => { const r = named(o, 'PrometheusRule', 'database'); r.spec.groups[0].rules = r.spec.groups[0].rules.filter((x: any) => !/Backup/.test(x.alert)); }) })],
    [21, 'no synthetic monitoring section and no Probe', () => ({ root: docsWithout('docs/RUNBOOK.md', /synthetic monitoring/i) })],
    [22, 'no audit trail section', () => ({ root: docsWithout('docs/SECURITY.md', /audit trail/i) })],
    [23, 'no GDPR section', () => ({ root: docsWithout('docs/SECURITY.md', /gdpr/i) })],
    [24, 'no emergency admin section', () => ({ root: docsWithout('docs/RUNBOOK.md', /emergency admin/i) })],
    [25, 'the placeholder Superset image', () => ({ objects: buildObjects({ ...COMPLETE, superset: { ...COMPLETE.superset, image: {} } }, 'prod') })],
    [25, 'a moving tag', () => ({ objects: changed((o) => { webPod(o).containers[0].image = 'ghcr.io/acme/superset:latest'; }) })],
  ];

  test('every point has a failing case below', () => {
    expect([...new Set(failing.map(([n]) => n))]).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  test.each(failing)('point %d fails with %s', (n, _what, make) => {
    const { objects = complete, root = ROOT } = make();
    expect(statusOf(n, objects, root)).toBe('fail');
    if (root !== ROOT) fs.rmSync(root, { recursive: true, force: true });
  });

  test('SSO passes only with an OIDC provider whose client secret comes from a Secret, and names it', () => {
    expect(resultOf(4)).toEqual({ status: 'pass', evidence: [
      'ConfigMap superset-config: AUTH_TYPE = AUTH_OAUTH',
      'OAUTH_PROVIDERS: 1 OIDC provider(s) with a discovery URL (https://login.acme.io/.well-known/openid-configuration)',
      'OAUTH_PROVIDERS client secrets read from Secret files, never literals',
    ] });
    expect(resultOf(4, buildObjects({ ...COMPLETE, superset: { ...COMPLETE.superset, auth: { type: 'database' } } }, 'prod')).evidence)
      .toEqual(['missing: an OIDC provider: ConfigMap superset-config has AUTH_TYPE = AUTH_DB, users log in with local accounts (set superset.auth.type "oauth" with a provider)']);
  });

  test('a placeholder fails the points its evidence is, and names the value and where it is', () => {
    const objects = buildObjects({ ...COMPLETE, ops: { ...COMPLETE.ops, objectStorage: {} } }, 'prod');
    const report = runAudit(new AuditContext('prod', objects, ROOT));
    expect(report.results.filter((r) => r.status === 'fail').map((r) => r.n)).toEqual([14, 15]);
    expect(report.results.find((r) => r.n === 15)!.evidence).toEqual(['placeholder: https://s3.example.com (at CronJob pg-backup env S3_ENDPOINT): a reserved example domain proves nothing, set the real one']);
    expect(report.placeholders).toEqual([expect.stringMatching(/^https:\/\/s3\.example\.com \(at CronJob superset-prod\/pg-backup .*S3_ENDPOINT.* and 1 more\)$/)]);
    expect(strictFailures(report)).toEqual(['point 14 fails', 'point 15 fails', `placeholder ${report.placeholders[0]}`]);
  });

  test.each([
    ['registry.example.com/superset-k8s/superset:6.1.0', 'registry.example.com'], ['https://s3.example.com', 's3.example.com'],
    ['git@git.example.com:analytics/x.git', 'git.example.com'], ['superset.example.com', 'superset.example.com'],
    ['https://idp.example.org/.well-known/openid-configuration', 'idp.example.org'], ['db.staging.test:5432', 'db.staging.test'],
    ['bi.acme.io', undefined], ['superset-export@example.com', undefined], ['example.company.io', undefined], ['superset-test', undefined],
  ])('placeholderHost(%s) = %s', (value, host) => {
    expect(placeholderHost(value)).toBe(host);
  });

  test('the complete environment names no placeholder anywhere; the defaults name each of them', () => {
    expect(placeholdersOf(complete)).toEqual([]);
    expect(placeholdersOf(buildObjects({}, 'prod')).map((p) => p.split(' ')[0]).sort()).toEqual([
      'git@git.example.com:analytics/superset-dashboards.git', 'registry.example.com/superset-k8s/superset-ops:18-ops.2',
      'registry.example.com/superset-k8s/superset:6.1.0-k8s.3', 'superset.example.com',
    ].concat(['https://s3.example.com']).sort());
  });

  test('documented points are scored apart from the proved ones', () => {
    const root = docsWithout('docs/SECURITY.md', /gdpr/i);
    const report = runAudit(new AuditContext('prod', complete, root));
    fs.rmSync(root, { recursive: true, force: true });
    expect(report).toMatchObject({ checkable: { passed: 19, total: 19 }, procedural: { covered: 5, total: 6 }, score: 24 });
    expect(strictFailures(report)).toEqual([]); // a procedure is not something --strict can see
  });
});

describe('the committed prod environment', () => {
  // Placeholders (image registry, host, bucket endpoint, Git server) and local logins: it must
  // not score 25/25 any more, and --strict must fail.
  const { auditEnvironment } = require('../../scripts/audit');

  test('fails SSO and every point whose evidence is a placeholder', () => {
    const report = auditEnvironment('prod');
    const failed = report.results.filter((r: any) => r.status === 'fail').map((r: any) => r.n);
    expect(failed).toEqual(expect.arrayContaining([2, 4, 14, 15, 17, 25]));
    expect(failed.filter((n: number) => [1, 3, 5, 6, 9, 10, 11, 12, 13, 18, 19, 20].includes(n))).toEqual([]);
    expect(report.score).toBeLessThan(25);
    expect(report.checkable.passed).toBeLessThanOrEqual(report.checkable.total - 6);
    expect(report.placeholders.map((p: string) => p.split(' ')[0])).toEqual(expect.arrayContaining(['superset.example.com', 'https://s3.example.com', 'git@git.example.com:analytics/superset-dashboards.git']));
  });

  test('npm run audit -- prod --strict exits 1 and says why; without --strict it exits 0', () => {
    const run = (args: string[]) => spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/audit.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const strict = run(['prod', '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toMatch(/audit --strict failed: point 2 fails; point 4 fails;.*placeholder superset\.example\.com/);
    expect(strict.stdout).toMatch(/^Production-readiness audit of prod: \d+\/19 checkable points proved by the manifests, \d\/6 procedural points covered by a document/);
    expect(run(['prod']).status).toBe(0);
  });
});
