import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { environmentImages, formatImages, imagesOf, parseImage } from '../../scripts/images';
import { resolveEnvironment } from '../../lib/config/load';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..', '..');
const digest = `sha256:${'b'.repeat(64)}`;

describe('npm run images', () => {
  test.each([
    ['docker.io/valkey/valkey:9.1.1', { repository: 'docker.io/valkey/valkey', tag: '9.1.1' }],
    [`quay.io/a/b:v1@${digest}`, { repository: 'quay.io/a/b', tag: 'v1', digest }],
    ['registry:5000/a/b:2', { repository: 'registry:5000/a/b', tag: '2' }],
    [`registry:5000/a/b@${digest}`, { repository: 'registry:5000/a/b', digest }],
  ])('parseImage(%s)', (image, expected) => {
    expect(parseImage(image)).toEqual(expected);
  });

  test('every container image of prod, once, with the setting that configures it and who runs it', () => {
    const images = environmentImages('prod');
    const containers = buildObjects(require('../../environments').ENVIRONMENTS.prod, 'prod').flatMap((o: any) => {
      const spec = o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec?.template?.spec;
      return spec ? [...(spec.initContainers ?? []), ...spec.containers].map((c: any) => c.image) : [];
    });
    expect(images.map((i) => `${i.repository}:${i.tag}`).sort()).toEqual([...new Set(containers)].sort());
    expect(images.every((i) => i.setting !== undefined && i.usedBy.length > 0)).toBe(true);
    const valkey = images.find((i) => i.repository === 'docker.io/valkey/valkey')!;
    expect(valkey).toMatchObject({ tag: '9.1.1', setting: 'redis.images.valkey' });
    expect(valkey.digest).toBeUndefined();
    expect(valkey.usedBy).toEqual(['StatefulSet/redis-cache cluster-agent', 'StatefulSet/redis-cache redis', 'StatefulSet/redis-queue auth-agent', 'StatefulSet/redis-queue redis', 'StatefulSet/redis-queue sentinel']);
  });

  test('a digest set in the environment is listed with its image', () => {
    const overrides = { monitoring: { enabled: true, statsdExporterImage: { repository: 'docker.io/prom/statsd-exporter', tag: 'v0.30.0', digest } } };
    const env = resolveEnvironment('test', overrides);
    const images = imagesOf(buildObjects(overrides), env.config);
    expect(images.find((i) => i.repository === 'docker.io/prom/statsd-exporter')).toMatchObject({ tag: 'v0.30.0', digest, setting: 'monitoring.statsdExporterImage' });
    expect(formatImages('test', images)).toContain(`| \`docker.io/prom/statsd-exporter\` | \`v0.30.0\` | \`${digest}\` | \`monitoring.statsdExporterImage\` |`);
  });

  test('the command prints JSON for every environment, and exits 2 naming an unknown one', () => {
    const run = (args: string[]) => spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/images.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const all = run(['--format', 'json']);
    expect(all.status).toBe(0);
    expect(JSON.parse(all.stdout).map((e: any) => e.environment)).toEqual(['dev', 'staging', 'prod', 'scale-10k', 'managed']);
    const bad = run(['nope']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/images failed: .*nope/);
  });
});
