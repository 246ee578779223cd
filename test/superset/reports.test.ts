import { resolveEnvironment } from '../../lib/config/load';
import type { EnvironmentOverrides } from '../../lib/config/platform-schema';
import { allSecretRefs } from '../../lib/config/platform-secrets';
import { renderSupersetConfig } from '../../lib/superset/config-py';

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
      'SMTP_USER = "reports@acme.io"', 'SMTP_PASSWORD = _secret("SMTP_PASSWORD")', 'SMTP_MAIL_FROM = "superset@acme.io"',
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
    expect(config(overrides)).toContain('SLACK_API_TOKEN = _secret("SLACK_API_TOKEN")');
    expect(config(overrides)).toMatch(/"ALERT_REPORTS": True/);
    expect(allSecretRefs(resolve(overrides).config).filter((r) => r.secretName === 'superset-reports').map((r) => r.key)).toEqual(['slack-token']);
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
