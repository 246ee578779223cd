import * as fs from 'node:fs';
import * as path from 'node:path';
import { headingAnchors } from '../docs/markdown-links';
import { buildObjects, findAll } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Every alert links the runbook section that handles it: its own section of docs/RUNBOOK.md, and,
// with monitoring.runbookBaseUrl, a full URL Alertmanager can show (a repository-relative path
// is no link in a notification).

const RUNBOOK = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'RUNBOOK.md'), 'utf8');
const anchors = headingAnchors(RUNBOOK);
// Everything that has alerts: monitoring, Sentinel (the default queue mode), every ops CronJob.
const everything = { monitoring: { enabled: true } };
const alertsOf = (objects: readonly any[]) => findAll(objects, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules));

describe('alert runbook links', () => {
  const alerts = alertsOf(buildObjects(everything, 'prod'));

  test('21 alerts, each with its own runbook section', () => {
    expect(alerts).toHaveLength(21);
    const sections = alerts.map((a) => a.annotations.runbook);
    expect(new Set(sections).size).toBe(alerts.length);
  });

  test.each(alertsOf(buildObjects(everything, 'prod')).map((a: any) => [a.alert, a.annotations.runbook]))('%s links %s, a heading of docs/RUNBOOK.md', (name, link) => {
    expect(link).toBe(`docs/RUNBOOK.md#${String(name).toLowerCase()}`);
    expect(anchors.has(link.split('#')[1])).toBe(true);
  });

  test('without monitoring.runbookBaseUrl there is no runbook_url; with it, every alert links its section there', () => {
    expect(alerts.filter((a) => a.annotations.runbook_url !== undefined)).toEqual([]);
    const base = 'https://git.acme.io/platform/superset-k8s/-/blob/main/docs/RUNBOOK.md';
    const linked = alertsOf(buildObjects({ monitoring: { enabled: true, runbookBaseUrl: base } }, 'prod'));
    expect(linked.map((a) => a.annotations.runbook_url)).toEqual(linked.map((a) => `${base}#${a.alert.toLowerCase()}`));
  });

  test('runbookBaseUrl must be an https:// URL without an anchor', () => {
    expect(() => buildObjects({ monitoring: { enabled: true, runbookBaseUrl: 'docs/RUNBOOK.md' } })).toThrow(/monitoring\.runbookBaseUrl/);
    expect(() => buildObjects({ monitoring: { enabled: true, runbookBaseUrl: 'https://x.acme.io/RUNBOOK.md#restart' } })).toThrow(/monitoring\.runbookBaseUrl/);
  });
});

describe('the runbookBaseUrl warning', () => {
  const { resolveEnvironment } = require('../../lib/config/load');
  const warned = (overrides: object) => resolveEnvironment('test', overrides).warnings.filter((w: string) => w.startsWith('monitoring.runbookBaseUrl'));

  test('synth warns when monitoring is on and runbookBaseUrl is unset, and not otherwise', () => {
    expect(warned({ monitoring: { enabled: true } })).toHaveLength(1);
    expect(warned({ monitoring: { enabled: true, runbookBaseUrl: 'https://git.acme.io/x/docs/RUNBOOK.md' } })).toEqual([]);
    expect(warned({})).toEqual([]);
  });
});
