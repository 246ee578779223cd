import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allowedGraph } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// network.egress: services outside the cluster, declared once, attached to the components that
// connect to them. The NetworkPolicies must allow exactly those components to exactly those ports.

// Ports other than 443: the defaults of network.objectStorage allow 0.0.0.0/0:443 to the backup jobs.
const idp = { name: 'okta', purpose: 'identity-provider', cidr: '203.0.113.0/28', ports: [8443], from: ['web'] };
const smtp = { name: 'mail', purpose: 'smtp', cidr: '198.51.100.25/32', ports: [587], from: ['worker-reports'] };
const hook = { name: 'slack', purpose: 'webhooks', cidr: '192.0.2.0/24', ports: [8443], from: ['workers', 'pg-backup'] };
const oauth = { type: 'oauth', oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://acme.okta.com/.well-known/openid-configuration', scope: 'openid email', icon: 'fa-key' }] } };

/** Who may connect to `ip` on `port`, from the generated NetworkPolicies alone. */
function reaching(overrides: object, ip: string, port: number): string[] {
  const objects = buildObjects(overrides as EnvironmentOverrides, 'prod');
  const endpoints = [
    ...podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace })),
    { name: 'outside', namespace: 'outside', labels: {}, ip },
  ];
  return allowedGraph(objects, endpoints as any).filter((e) => e.endsWith(`-> outside:${port}/TCP`)).map((e) => e.split(' -> ')[0]);
}

describe('network.egress', () => {
  test('default: empty, and no component reaches those addresses', () => {
    expect(resolveEnvironment('prod', {}).config.network.egress).toEqual([]);
    expect(reaching({}, '198.51.100.25', 587)).toEqual([]);
  });

  test('an identity provider for SSO: web alone reaches it', () => {
    expect(reaching({ superset: { auth: oauth }, network: { egress: [idp] } }, '203.0.113.5', 8443)).toEqual(['superset-web']);
  });

  test('an SMTP relay for one worker queue: only that queue\'s workers reach it', () => {
    expect(reaching({ network: { egress: [smtp] } }, '198.51.100.25', 587)).toEqual(['superset-worker-reports']);
  });

  test('"workers" means every queue, and an ops CronJob can be named too', () => {
    expect(reaching({ network: { egress: [hook] } }, '192.0.2.9', 8443).sort()).toEqual(['pg-backup', 'superset-worker-interactive', 'superset-worker-reports']);
  });

  test('a data warehouse, named: the query runners it names reach it, and synth warns about a driver the image lacks', () => {
    const warehouse = { name: 'snowflake', purpose: 'data-warehouse', cidr: '192.0.2.128/25', ports: [8443], driver: 'snowflake', from: ['web', 'worker-interactive'] };
    expect(reaching({ network: { egress: [warehouse] } }, '192.0.2.130', 8443).sort()).toEqual(['superset-web', 'superset-worker-interactive']);
    const warnings = (overrides: object) => resolveEnvironment('prod', { edge: { host: 'bi.acme.io' }, ...overrides } as EnvironmentOverrides).warnings.join('\n');
    expect(warnings({ network: { egress: [warehouse] } })).toMatch(/network\.egress\[0\] "snowflake" \(192\.0\.2\.128\/25\) needs the "snowflake" driver, which superset\.image\.drivers does not list/);
    expect(warnings({ network: { egress: [warehouse] }, superset: { image: { drivers: ['snowflake'] } } })).not.toMatch(/driver/);
    // A named warehouse is a data source: no "network.dataSources is empty" warning.
    expect(warnings({})).toMatch(/network\.dataSources is empty[\s\S]*or name each in network\.egress with purpose "data-warehouse"/);
    expect(warnings({ network: { egress: [warehouse] } })).not.toMatch(/dataSources is empty/);
  });

  const invalid: Array<[string, object, RegExp]> = [
    ['a driver on an endpoint that is no data warehouse', { network: { egress: [{ ...smtp, driver: 'trino' }] } },
      /network\.egress\[0\]\.driver = "trino"\s+rule: names a database driver, which only a "data-warehouse" endpoint needs \(its purpose is "smtp"\)[\s\S]*fix: {2}remove driver, or set purpose to "data-warehouse"/],
    ['SSO without a way to its identity provider', { superset: { auth: oauth } },
      /network\.egress = \[\]\s+rule: must reach the identity provider from web when superset\.auth\.type is "oauth" \(acme\.okta\.com\)[\s\S]*fix: {2}add \{ name: "idp", purpose: "identity-provider"/],
    ['an identity provider only the workers reach', { superset: { auth: oauth }, network: { egress: [{ ...idp, from: ['workers'] }] } },
      /network\.egress = \["okta"\]\s+rule: must reach the identity provider from web/],
    ['two endpoints with one name', { network: { egress: [smtp, { ...hook, name: 'mail' }] } },
      /network\.egress\[1\]\.name = "mail"\s+rule: must be unique among network\.egress/],
    ['a worker queue that does not exist', { network: { egress: [{ ...smtp, from: ['worker-mail'] }] } },
      /network\.egress\[0\]\.from\[0\] = "worker-mail"\s+rule: must name a worker queue of superset\.workers \(interactive, reports\)[\s\S]*fix: {2}use one of worker-interactive, worker-reports, or "workers"/],
    ['a CronJob that is not rendered', { ops: { dashboardExport: { enabled: false } }, network: { egress: [{ ...hook, from: ['dashboard-export'] }] } },
      /network\.egress\[0\]\.from\[0\] = "dashboard-export"\s+rule: names a CronJob that is not rendered \(ops\.dashboardExport\.enabled is false\)/],
    ['a component that does not exist', { network: { egress: [{ ...smtp, from: ['nginx'] }] } },
      /network\.egress\.0\.from\.0|network\.egress\[0\]\.from\[0\][\s\S]*must be web, beat, migrate, workers/],
    ['no component at all', { network: { egress: [{ ...smtp, from: [] }] } }, /must name at least one component/],
  ];
  test.each(invalid)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolveEnvironment('prod', overrides as EnvironmentOverrides)).toThrow(expected);
  });
});
