import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../lib/config/platform-defaults';
import { checkPolicies } from '../../lib/policy';
import { imageRegistry } from '../../lib/policy/rules/explicit-registry';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..', '..');
const IMAGES_DOC = fs.readFileSync(path.join(ROOT, 'docs', 'images.md'), 'utf8');

/** Every `{ repository, tag }` of the defaults, with the setting it is. */
function imageDefaults(value: any = DEFAULTS, at = ''): Array<{ setting: string; reference: string }> {
  if (value === null || typeof value !== 'object') return [];
  if (typeof value.repository === 'string' && typeof value.tag === 'string') return [{ setting: at, reference: `${value.repository}:${value.tag}` }];
  return Object.entries(value).flatMap(([k, v]) => imageDefaults(v, at ? `${at}.${k}` : k));
}

/** The rows of docs/images.md tables: first cell (the image) and second cell (the setting). */
const docRows = IMAGES_DOC.split('\n').filter((l) => l.startsWith('| `')).map((l) => l.split('|').map((c) => c.trim()));

describe('image pins', () => {
  const defaults = imageDefaults();

  test('the defaults hold every image the platform runs', () => {
    expect(defaults.map((d) => d.setting).sort()).toEqual([
      'monitoring.statsdExporterImage', 'ops.image', 'pgbouncer.exporterImage', 'pgbouncer.image', 'postgres.image',
      'redis.images.exporter', 'redis.images.redis', 'redis.images.valkey', 'superset.asyncQueries.websocket.image', 'superset.image',
    ]);
  });

  test('the versions checked upstream: Valkey 9.1.1, statsd_exporter v0.30.0, pgbouncer-exporter v0.12.1', () => {
    const bySetting = new Map(defaults.map((d) => [d.setting, d.reference]));
    expect(bySetting.get('redis.images.valkey')).toBe('docker.io/valkey/valkey:9.1.1');
    expect(bySetting.get('monitoring.statsdExporterImage')).toBe('docker.io/prom/statsd-exporter:v0.30.0');
    expect(bySetting.get('pgbouncer.exporterImage')).toBe('quay.io/prometheuscommunity/pgbouncer-exporter:v0.12.1');
  });

  test.each(imageDefaults())('$setting ($reference) names its registry and has a row in docs/images.md saying where it was seen', ({ setting, reference }) => {
    expect(imageRegistry(reference)).toBeDefined();
    const row = docRows.find((r) => r[1] === `\`${reference}\``);
    expect(row).toBeDefined();
    expect(row![2]).toBe(`\`${setting}\``);
    expect(row![3].length).toBeGreaterThan(30);
  });

  test('every Dockerfile FROM names its registry (or an earlier stage of the same file)', () => {
    for (const dir of fs.readdirSync(path.join(ROOT, 'images'))) {
      const froms = fs.readFileSync(path.join(ROOT, 'images', dir, 'Dockerfile'), 'utf8').split('\n').filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/));
      expect(froms.length).toBeGreaterThan(0);
      const stages = new Set<string>();
      for (const [, image, as, stage] of froms) {
        if (!stages.has(image)) expect([dir, image, imageRegistry(image)]).toEqual([dir, image, expect.any(String)]);
        if (as?.toUpperCase() === 'AS') stages.add(stage);
      }
    }
  });
});

describe('the explicit-registry policy rule', () => {
  const violations = (objects: readonly any[]) => checkPolicies(objects).filter((v) => v.rule === 'explicit-registry').map((v) => `${v.object}: ${v.message}`);
  const everything = buildObjects({ monitoring: { enabled: true }, superset: { image: { repository: 'ghcr.io/acme/superset' } } }, 'prod');

  test('the platform with every optional part on passes it', () => {
    expect(violations(everything)).toEqual([]);
  });

  test('a Docker Hub short name fails it, naming the container and the image', () => {
    const copy: any[] = structuredClone(everything);
    const web = copy.find((o) => o.kind === 'Deployment' && o.metadata.name === 'superset-web');
    web.spec.template.spec.containers.find((c: any) => c.name === 'statsd-exporter').image = 'prom/statsd-exporter:v0.30.0';
    expect(violations(copy)).toEqual(['Deployment superset-prod/superset-web: container "statsd-exporter": image "prom/statsd-exporter:v0.30.0" names no registry']);
  });

  test.each([
    ['docker.io/valkey/valkey:9.1.1', 'docker.io'], ['localhost/x:1', 'localhost'], ['registry:5000/a/b:1', 'registry:5000'],
    ['prom/statsd-exporter:v0.30.0', undefined], ['postgres:18', undefined], ['library/postgres:18', undefined],
  ])('imageRegistry(%s) = %s', (image, registry) => {
    expect(imageRegistry(image)).toBe(registry);
  });
});

describe('the ops image', () => {
  test('every apt package is pinned to a version (seen in bookworm / bookworm-security)', () => {
    const dockerfile = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', '..', 'images', 'ops', 'Dockerfile'), 'utf8') as string;
    const install = dockerfile.slice(dockerfile.indexOf('apt-get install'), dockerfile.indexOf('rm -rf /var/lib/apt/lists'));
    const packages = install.replace(/\\\n/g, ' ').split(/\s+/).filter((w) => /^[a-z0-9][a-z0-9.+-]*(=|$)/.test(w) && !['apt-get', 'install', '&&'].includes(w));
    expect(packages.map((p) => p.split('=')[0]).sort()).toEqual(['age', 'ca-certificates', 'curl', 'git', 'openssh-client', 'unzip']);
    for (const p of packages) expect(p).toMatch(/^[a-z0-9.+-]+=[0-9][A-Za-z0-9.+~:-]*$/);
  });
});
