import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allSecretRefs } from '../../lib/config/platform-secrets';
import { renderSupersetConfig } from '../../lib/superset/config-py';
import { buildObjects, envVar, find } from '../helpers';

// Alerts and reports are on exactly when they can be delivered: a channel (SMTP, Slack) is
// enabled and the reports workers can reach it. The real delivery through an SMTP server is in
// test/integration/superset/smtp-delivery.test.ts.

const MAIL = { name: 'mail', purpose: 'smtp', cidr: '198.51.100.25/32', ports: [587], from: ['worker-reports'] };
const SLACK = { name: 'slack', purpose: 'webhooks', cidr: '0.0.0.0/0', ports: [443], from: ['workers'] };
const smtp = { enabled: true, host: 'smtp.acme.io', port: 587, user: 'reports@acme.io', mailFrom: 'superset@acme.io' };
const resolve = (overrides: object) => resolveEnvironment('prod', overrides as EnvironmentOverrides);
const config = (overrides: object) => renderSupersetConfig('prod', resolve(overrides).config);

describe('alerts and reports', () => {
  test('default: no channel, ALERT_REPORTS off, no SMTP or Slack setting, and synth says how to turn it on', () => {
    const text = config({});
    expect(text).toMatch(/"ALERT_REPORTS": False/);
    expect(text).not.toMatch(/SMTP_|SLACK_API_TOKEN/);
    expect(resolve({}).warnings.filter((w) => w.startsWith('superset.reports'))).toEqual([
      'superset.reports has no delivery channel, so ALERT_REPORTS is off (no alert or report can be sent): enable superset.reports.smtp (host, port, user, mailFrom; password in the Secret "superset-reports") or superset.reports.slack, with a network.egress endpoint the reports workers reach (docs/superset.md#alerts-and-reports).',
    ]);
  });

  test('SMTP with STARTTLS and a login: Superset\'s settings, the password from the Secret, ALERT_REPORTS on, no warning', () => {
    const overrides = { superset: { reports: { smtp } }, network: { egress: [MAIL] } };
    const text = config(overrides);
    expect(text).toContain([
      'SMTP_HOST = "smtp.acme.io"', 'SMTP_PORT = 587', 'SMTP_STARTTLS = True', 'SMTP_SSL = False', 'SMTP_SSL_SERVER_AUTH = True',
      'SMTP_USER = "reports@acme.io"', 'SMTP_PASSWORD = _secret("SMTP_PASSWORD", required=_DELIVERS_REPORTS)', 'SMTP_MAIL_FROM = "superset@acme.io"',
    ].join('\n'));
    expect(text).toMatch(/"ALERT_REPORTS": True/);
    expect(resolve(overrides).warnings.filter((w) => w.startsWith('superset.reports'))).toEqual([]);
    const refs = allSecretRefs(resolve(overrides).config).filter((r) => r.secretName === 'superset-reports');
    expect(refs.map((r) => `${r.key}:${r.envVar}`)).toEqual(['smtp-password:SMTP_PASSWORD']);
  });

  test('implicit TLS, and a relay without a login (no password read at all)', () => {
    const text = config({ superset: { reports: { smtp: { ...smtp, port: 465, security: 'ssl', user: '' } } }, network: { egress: [{ ...MAIL, ports: [465] }] } });
    expect(text).toContain('SMTP_STARTTLS = False\nSMTP_SSL = True');
    expect(text).toContain('SMTP_PASSWORD = ""');
    expect(allSecretRefs(resolve({ superset: { reports: { smtp: { ...smtp, user: '' } } }, network: { egress: [MAIL] } }).config).some((r) => r.key === 'smtp-password')).toBe(false);
  });

  test('Slack: the token from the Secret', () => {
    const overrides = { superset: { reports: { slack: { enabled: true } } }, network: { egress: [SLACK] } };
    expect(config(overrides)).toContain('SLACK_API_TOKEN = _secret("SLACK_API_TOKEN", required=_DELIVERS_REPORTS)');
    expect(config(overrides)).toMatch(/"ALERT_REPORTS": True/);
    expect(allSecretRefs(resolve(overrides).config).filter((r) => r.secretName === 'superset-reports').map((r) => r.key)).toEqual(['slack-token']);
  });

  test('least privilege: only the reports workers hold the relay password and the Slack token, and only there are they required', () => {
    const overrides = { superset: { reports: { smtp, slack: { enabled: true } } }, network: { egress: [MAIL, SLACK] } };
    const objects = buildObjects(overrides as EnvironmentOverrides, 'prod');
    const held = (kind: string, name: string) => {
      const o = find(objects, kind, name);
      const spec = kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
      return spec.volumes.find((v: any) => v.name === 'superset-secrets').projected.sources.flatMap((x: any) => x.secret.items.map((i: any) => i.path)).filter((p: string) => ['SMTP_PASSWORD', 'SLACK_API_TOKEN'].includes(p)).sort();
    };
    expect(held('Deployment', 'superset-worker-reports')).toEqual(['SLACK_API_TOKEN', 'SMTP_PASSWORD']);
    for (const [kind, name] of [['Deployment', 'superset-web'], ['Deployment', 'superset-worker-interactive'], ['Deployment', 'superset-beat'], ['CronJob', 'dashboard-export']]) {
      expect([name, held(kind, name)]).toEqual([name, []]);
    }
    const migrate = objects.find((o: any) => o.kind === 'Job' && o.metadata.name.startsWith('superset-migrate')) as any;
    expect(migrate.spec.template.spec.volumes.find((v: any) => v.name === 'superset-secrets').projected.sources.some((x: any) => x.secret.name === 'superset-reports')).toBe(false);
    // The reports workers say so, and superset_config.py requires the files there.
    const worker = find(objects, 'Deployment', 'superset-worker-reports').spec.template.spec.containers[0];
    expect(envVar(worker, 'SUPERSET_DELIVERS_REPORTS').value).toBe('1');
    expect(envVar(find(objects, 'Deployment', 'superset-web').spec.template.spec.containers[0], 'SUPERSET_DELIVERS_REPORTS')).toBeUndefined();
    expect(config(overrides)).toContain('_DELIVERS_REPORTS = os.environ.get("SUPERSET_DELIVERS_REPORTS") == "1"');
    // Without a channel, nobody claims to deliver.
    expect(envVar(find(buildObjects({} as EnvironmentOverrides, 'prod'), 'Deployment', 'superset-worker-reports').spec.template.spec.containers[0], 'SUPERSET_DELIVERS_REPORTS')).toBeUndefined();
  });

  const invalid: Array<[string, object, RegExp]> = [
    ['ALERT_REPORTS set by hand', { superset: { featureFlags: { ALERT_REPORTS: true } } },
      /superset\.featureFlags\.ALERT_REPORTS = true\s+rule: is set by the platform: on exactly when superset\.reports has an enabled delivery channel/],
    ['SMTP the reports workers cannot reach', { superset: { reports: { smtp } } },
      /superset\.reports\.smtp\.enabled = true\s+rule: needs a network\.egress endpoint with purpose "smtp" that the reports workers \(worker-reports\) reach[\s\S]*fix: {2}add \{ name: "mail", purpose: "smtp", cidr: "<smtp\.acme\.io's address range>", ports: \[587\], from: \["worker-reports"\] \}/],
    ['SMTP reachable only from another queue', { superset: { reports: { smtp } }, network: { egress: [{ ...MAIL, from: ['worker-interactive'] }] } },
      /superset\.reports\.smtp\.enabled = true\s+rule: needs a network\.egress endpoint with purpose "smtp"/],
    ['Slack without a way out', { superset: { reports: { slack: { enabled: true } } } },
      /superset\.reports\.slack\.enabled = true\s+rule: needs a network\.egress endpoint with purpose "webhooks"/],
    ['a mail sender that is no address', { superset: { reports: { smtp: { ...smtp, mailFrom: 'superset' } } }, network: { egress: [MAIL] } },
      /superset\.reports\.smtp\.mailFrom[\s\S]*must be an address/],
  ];
  test.each(invalid)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolve(overrides)).toThrow(expected);
  });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('screenshots for PNG and PDF reports', () => {
  const delivered = { superset: { reports: { smtp } }, network: { egress: [MAIL] } };
  const withShots = (screenshots: object, superset: object = {}) => ({ ...delivered, superset: { ...superset, reports: { smtp, screenshots } } });
  const worker = (overrides: object, queue: string) => find(buildObjects(overrides as EnvironmentOverrides, 'prod'), 'Deployment', `superset-worker-${queue}`).spec.template.spec;
  const repo = resolve({}).config.superset.image;

  test('no delivery channel: no webdriver setting, every worker on the lean image, no /dev/shm volume', () => {
    expect(config({})).not.toMatch(/WEBDRIVER_|SCREENSHOT_/);
    for (const q of ['reports', 'interactive']) {
      expect(worker({}, q).containers[0].image).toBe(`${repo.repository}:${repo.tag}`);
      expect(worker({}, q).volumes.map((v: any) => v.name)).not.toContain('dshm');
    }
  });

  test('delivery on: Selenium with Chromium through chromedriver at its path, the web Service as base URL, the public host in links, Superset\'s waits', () => {
    const text = config(delivered);
    const host = resolve({}).config.edge.host;
    expect(text).toContain(`WEBDRIVER_BASEURL = os.environ.get("WEBDRIVER_BASEURL", "https://${host}/")`);
    expect(text).toContain(`WEBDRIVER_BASEURL_USER_FRIENDLY = "https://${host}/"`);
    expect(text).toContain('WEBDRIVER_TYPE = "chrome"');
    expect(text).toMatch(/WEBDRIVER_OPTION_ARGS = \[\n {4}"--headless",\n {4}"--no-sandbox",[\s\S]*"--disable-background-networking",/);
    expect(text).toMatch(/"service": \{\n {8}"executable_path": "\/usr\/bin\/chromedriver",\n {4}\}/);
    expect(text).toContain('SCREENSHOT_LOCATE_WAIT = 10\nSCREENSHOT_LOAD_WAIT = 60');
  });

  test('delivery on: only the reports workers run the browser image, with a memory-backed /dev/shm, still restricted', () => {
    const reports = worker(delivered, 'reports');
    const c = reports.containers[0];
    expect(c.image).toBe(`${repo.repository}:${repo.tag}-chromium`);
    expect(reports.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } });
    expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    // Only the workers that reach the web Service are told where it is (not their init container).
    expect(envVar(c, 'WEBDRIVER_BASEURL').value).toBe('http://superset-web:8088/');
    expect(reports.initContainers[0].env.map((e: any) => e.name)).not.toContain('WEBDRIVER_BASEURL');
    expect(worker(delivered, 'interactive').containers[0].env.map((e: any) => e.name)).not.toContain('WEBDRIVER_BASEURL');
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    // The wait-for-migrations init container needs no browser.
    expect(reports.initContainers[0].image).toBe(`${repo.repository}:${repo.tag}`);
    expect(worker(delivered, 'interactive').containers[0].image).toBe(`${repo.repository}:${repo.tag}`);
    const web = find(buildObjects(delivered as EnvironmentOverrides, 'prod'), 'Deployment', 'superset-web').spec.template.spec;
    expect(web.containers[0].image).toBe(`${repo.repository}:${repo.tag}`);
    expect(web.volumes.map((v: any) => v.name)).not.toContain('dshm');
  });

  test('screenshots off: CSV reports still fetch from the web Service (base URL kept), no browser anywhere', () => {
    const off = withShots({ enabled: false });
    const text = config(off);
    expect(text).toContain('WEBDRIVER_BASEURL = os.environ.get("WEBDRIVER_BASEURL"');
    expect(envVar(worker(off, 'reports').containers[0], 'WEBDRIVER_BASEURL').value).toBe('http://superset-web:8088/');
    expect(text).not.toMatch(/WEBDRIVER_TYPE|SCREENSHOT_/);
    expect(worker(off, 'reports').containers[0].image).toBe(`${repo.repository}:${repo.tag}`);
  });

  test('custom: image tag and digest, /dev/shm size, waits; a queue routing thumbnails gets the browser too', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    const overrides = withShots({ imageTag: '6.1.0-k8s.3-chromium-146', imageDigest: digest, shmSize: '2Gi', locateWaitSeconds: 30, loadWaitSeconds: 300 }, {
      workers: {
        reports: { routes: ['reports.*'] },
        thumbs: { routes: ['cache_chart_thumbnail', 'cache_dashboard_thumbnail', 'cache_dashboard_screenshot'] },
      },
    });
    expect(config(overrides)).toContain('SCREENSHOT_LOCATE_WAIT = 30\nSCREENSHOT_LOAD_WAIT = 300');
    const reports = worker(overrides, 'reports');
    expect(reports.containers[0].image).toBe(`${repo.repository}:6.1.0-k8s.3-chromium-146@${digest}`);
    expect(reports.volumes).toContainEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '2Gi' } });
    expect(worker(overrides, 'thumbs').containers[0].image).toBe(`${repo.repository}:6.1.0-k8s.3-chromium-146@${digest}`);
    expect(worker(overrides, 'interactive').containers[0].image).toBe(`${repo.repository}:${repo.tag}`);
  });

  const refused: Array<[string, object, RegExp]> = [
    ['a browser worker whose memory cannot hold a Chromium per task', withShots({}, { workers: { reports: { concurrency: 4 } } }),
      /superset\.workers\.reports\.resources\.memoryLimit = "2Gi"\s+rule: must hold 1Gi for Celery plus superset\.reports\.screenshots\.browserMemory \(512Mi\) per concurrent task \(concurrency 4\)[\s\S]*fix: {2}raise it \(and memoryRequest\) to at least 3Gi, or lower superset\.workers\.reports\.concurrency/],
    ['a larger browser on the default sizing', withShots({ browserMemory: '1Gi' }),
      /superset\.workers\.reports\.resources\.memoryLimit = "2Gi"[\s\S]*at least 3Gi/],
    ['an image tag with a colon', withShots({ imageTag: 'chromium:1' }), /superset\.reports\.screenshots\.imageTag[\s\S]*must be an image tag/],
    ['a digest that is no sha256', withShots({ imageDigest: 'md5:abc' }), /superset\.reports\.screenshots\.imageDigest[\s\S]*must be "sha256:" and 64 hex digits/],
    ['a /dev/shm in decimal units', withShots({ shmSize: '1G' }), /superset\.reports\.screenshots\.shmSize[\s\S]*binary unit/],
  ];
  test.each(refused)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolve(overrides)).toThrow(expected);
  });

  test('no delivery channel: the browser memory rule does not apply (nothing takes screenshots)', () => {
    expect(() => resolve({ superset: { workers: { reports: { concurrency: 4 } } } })).not.toThrow();
  });
});

describe('thumbnails', () => {
  const worker = (overrides: object, queue: string) => find(buildObjects(overrides as EnvironmentOverrides, 'prod'), 'Deployment', `superset-worker-${queue}`).spec.template.spec.containers[0];

  test('default: off (THUMBNAILS False), and no browser without a delivery channel', () => {
    expect(config({})).toMatch(/"THUMBNAILS": False/);
    expect(worker({}, 'reports').image).not.toMatch(/-chromium$/);
  });

  test('on without any delivery channel: THUMBNAILS True, the webdriver settings and the browser workers, ALERT_REPORTS still off', () => {
    const text = config({ superset: { thumbnails: { enabled: true } } });
    expect(text).toMatch(/"THUMBNAILS": True/);
    expect(text).toMatch(/"ALERT_REPORTS": False/);
    expect(text).toContain('WEBDRIVER_BASEURL = os.environ.get("WEBDRIVER_BASEURL"');
    expect(text).toContain('WEBDRIVER_TYPE = "chrome"');
    expect(text).toMatch(/THUMBNAIL_CACHE_CONFIG = \{[\s\S]*"CACHE_KEY_PREFIX": "superset_thumbnail_"/);
    expect(worker({ superset: { thumbnails: { enabled: true } } }, 'reports').image).toMatch(/-chromium$/);
    expect(worker({ superset: { thumbnails: { enabled: true } } }, 'interactive').image).not.toMatch(/-chromium$/);
  });

  const refused: Array<[string, object, RegExp]> = [
    ['the THUMBNAILS flag by hand', { superset: { featureFlags: { THUMBNAILS: true } } },
      /superset\.featureFlags\.THUMBNAILS = true\s+rule: is set by the platform[\s\S]*fix: {2}remove it and set superset\.thumbnails\.enabled/],
    ['thumbnails without the browser', { superset: { thumbnails: { enabled: true }, reports: { screenshots: { enabled: false } } } },
      /superset\.thumbnails\.enabled = true\s+rule: thumbnails are screenshots: they need superset\.reports\.screenshots\.enabled/],
    ['the webdriver base URL replaced in extraConfig', { superset: { extraConfig: 'WEBDRIVER_BASEURL = "http://elsewhere/"\n' } },
      /WEBDRIVER_BASEURL/],
  ];
  test.each(refused)('refused: %s', (_what, overrides, expected) => {
    expect(() => resolve(overrides)).toThrow(expected);
  });
});
