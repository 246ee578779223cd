import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../lib/config/platform-defaults';
import { ENVIRONMENTS } from '../../environments';

/* eslint-disable @typescript-eslint/no-explicit-any */

// renovate.json keeps the pins current: Renovate's npm and dockerfile managers, and regex managers
// for what they cannot read (the image pins in lib/*/defaults.ts and environments/*.ts, the pip
// pins in the Dockerfiles). Renovate runs these expressions with RE2 (no look-around, no
// back-references), so they are checked here with the same syntax subset.

const ROOT = path.join(__dirname, '..', '..');
const config = JSON.parse(fs.readFileSync(path.join(ROOT, 'renovate.json'), 'utf8'));
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** Renovate's "/regex/" file patterns as JavaScript regular expressions. */
const filePatterns = (m: any): RegExp[] => m.managerFilePatterns.map((p: string) => {
  expect(p).toMatch(/^\/.*\/$/);
  return new RegExp(p.slice(1, -1));
});

function repoFiles(dir = ''): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = dir ? `${dir}/${e.name}` : e.name;
    if (['node_modules', '.git', 'dist', 'test'].includes(e.name)) return [];
    return e.isDirectory() ? repoFiles(rel) : [rel];
  });
}

/** What a regex manager extracts from a text: one "depName:currentValue[@digest]" per match. */
function extract(manager: any, text: string): string[] {
  return manager.matchStrings.flatMap((s: string) => [...text.matchAll(new RegExp(s, 'g'))].map((m) =>
    `${m.groups!.depName}:${m.groups!.currentValue}${m.groups!.currentDigest ? `@${m.groups!.currentDigest}` : ''}`));
}

function imageDefaults(value: any = DEFAULTS): string[] {
  if (value === null || typeof value !== 'object') return [];
  if (typeof value.repository === 'string' && typeof value.tag === 'string') return [`${value.repository}:${value.tag}`];
  return Object.values(value).flatMap((v) => imageDefaults(v));
}

const byDatasource = (d: string) => config.customManagers.find((m: any) => m.datasourceTemplate === d);

describe('renovate.json', () => {
  test('runs the npm and dockerfile managers and the regex managers', () => {
    expect(config.enabledManagers.sort()).toEqual(['custom.regex', 'dockerfile', 'npm']);
    for (const m of config.customManagers) {
      expect(m.customType).toBe('regex');
      for (const s of m.matchStrings) {
        expect(s).not.toMatch(/\(\?[=!]|\(\?<[=!]|\\[1-9]/); // RE2: no look-around, no back-references
        expect(s).toMatch(/\(\?<depName>/);
        expect(s).toMatch(/\(\?<currentValue>/);
      }
    }
  });

  test('the image regex finds every image default that is not a placeholder, every image an environment pins, and nothing else', () => {
    const manager = byDatasource('docker');
    const files = repoFiles().filter((f) => filePatterns(manager).some((p) => p.test(f)));
    expect(files).toEqual(expect.arrayContaining(['lib/redis/defaults.ts', 'lib/postgres/defaults.ts', 'lib/monitoring/defaults.ts', 'environments/prod.ts']));
    const found = files.flatMap((f) => extract(manager, read(f)));
    const defaults = imageDefaults().filter((r) => !r.startsWith('registry.example.com/'));
    // An environment's own pins (the managed example's sidecar and its mirrored websocket image) are kept current too.
    const pinnedByEnvironments = Object.values(ENVIRONMENTS).flatMap((e) => imageDefaults(e));
    expect(found.sort()).toEqual([...defaults, ...pinnedByEnvironments].sort());
    expect(defaults).toHaveLength(8);
    expect(pinnedByEnvironments.sort()).toEqual(['docker.io/hashicorp/vault:1.20.4', 'registry.internal.example.com/bi/superset:6.1.0-websocket']);
  });

  test('the image regex reads an environment override written over several lines, with a digest', () => {
    const manager = byDatasource('docker');
    const digest = `sha256:${'c'.repeat(64)}`;
    const env = `export default defineEnvironment({\n  superset: {\n    image: {\n      repository: 'ghcr.io/acme/superset',\n      tag: '6.1.0-k8s.3',\n      digest: '${digest}',\n    },\n  },\n  redis: { images: { valkey: { repository: 'mirror.acme.io:5000/valkey/valkey', tag: '9.1.1' } } },\n});\n`;
    expect(extract(manager, env)).toEqual([`ghcr.io/acme/superset:6.1.0-k8s.3@${digest}`, 'mirror.acme.io:5000/valkey/valkey:9.1.1']);
    expect(filePatterns(manager).some((p) => p.test('environments/qa.ts'))).toBe(true);
  });

  test('the pip regex finds every package the Dockerfiles pin', () => {
    const manager = byDatasource('pypi');
    const dockerfiles = repoFiles().filter((f) => filePatterns(manager).some((p) => p.test(f)));
    expect(dockerfiles.sort()).toEqual(['images/ops/Dockerfile', 'images/superset/Dockerfile']);
    const pins = dockerfiles.flatMap((f) => [...read(f).matchAll(/"([A-Za-z0-9._-]+==[^"]+)"/g)].map((m) => m[1].replace('==', ':')));
    expect(pins).toEqual(['psycopg2-binary:2.9.10', 'statsd:4.0.1', 'flower:2.2.0']);
    expect(dockerfiles.flatMap((f) => extract(manager, read(f)))).toEqual(pins);
  });

  test('every Dockerfile FROM takes its tag from an ARG with a default, which the dockerfile manager resolves and updates', () => {
    for (const file of ['images/superset/Dockerfile', 'images/ops/Dockerfile']) {
      const text = read(file);
      const from = /^FROM\s+(\S+)/m.exec(text)![1];
      const args = Object.fromEntries([...text.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
      const resolved = from.replace(/\$\{(\w+)\}/g, (_, name: string) => args[name] ?? `<unset ${name}>`);
      expect([file, resolved]).toEqual([file, expect.stringMatching(/^docker\.io\/[a-z]+\/[a-z]+:[0-9][A-Za-z0-9.-]*$/)]);
    }
  });

  test('a PostgreSQL major and a new Superset version are never proposed as routine bumps', () => {
    const rule = (name: string) => config.packageRules.filter((r: any) => (r.matchPackageNames ?? []).includes(name));
    expect(rule('docker.io/library/postgres')).toEqual([expect.objectContaining({ matchUpdateTypes: ['major'], enabled: false })]);
    expect(rule('docker.io/apache/superset')).toEqual([expect.objectContaining({ dependencyDashboardApproval: true })]);
  });
});
