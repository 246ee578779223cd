import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthToRoot } from '../scripts/synth';
import { parse as parseYaml } from 'yaml';
import type { EnvironmentOverrides } from '../lib/config/platform-schema';

const ROOT = path.join(__dirname, '..');

/** Every file under a folder with its content, to prove a failed synth changed nothing. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else out[path.relative(root, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

describe('atomic synth', () => {
  let work: string;
  let out: string;
  const good: Record<string, EnvironmentOverrides> = { alpha: {}, beta: { superset: { web: { maxReplicas: 6 } } } };

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-'));
    out = path.join(work, 'dist');
    synthToRoot({ environments: [], outRoot: out, registry: good, warn: () => undefined });
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  test('writes one folder per environment', () => {
    expect(fs.readdirSync(out).sort()).toEqual(['alpha', 'beta']);
  });

  // [what, registry, environments, expected error]
  const failures: Array<[string, Record<string, EnvironmentOverrides>, string[], RegExp]> = [
    ['an invalid value in one of several environments', { ...good, gamma: { superset: { web: { minReplicas: 0 } } } }, [], /Invalid environment "gamma"[\s\S]*superset\.web\.minReplicas = 0/],
    ['an unknown key', { ...good, beta: { superset: { webb: {} } } as EnvironmentOverrides }, [], /superset\.webb[\s\S]*did you mean "web"/],
    ['an unknown environment name', good, ['alpha', 'omega'], /Unknown environment "omega"/],
    ['a cross-field rule', { ...good, alpha: { superset: { image: { tag: 'latest' } } } }, ['alpha'], /superset\.image\.tag = "latest"/],
    // Bad input found by trying it: each names environment, field, value, rule and fix.
    ['replicas beyond any sane size', { ...good, alpha: { superset: { web: { maxReplicas: 1e9 } } } }, ['alpha'],
      /Invalid environment "alpha"[\s\S]*superset\.web\.maxReplicas = 1000000000\s+rule: must be at most 500: [^\n]+\s+fix: {2}set superset\.web\.maxReplicas to a whole number from 1 to 500/],
    ['an image repository with a tag', { ...good, alpha: { superset: { image: { repository: 'ghcr.io/acme/superset:latest' } } } }, ['alpha'],
      /superset\.image\.repository = "ghcr\.io\/acme\/superset:latest"\s+rule: must not contain a tag \(":latest"\)[^\n]*\s+fix: {2}move "latest" to superset\.image\.tag and set superset\.image\.repository to "ghcr\.io\/acme\/superset"/],
    ['a moving minor-version tag', { ...good, beta: { redis: { images: { valkey: { tag: '9.1' } } } } }, ['beta'],
      /redis\.images\.valkey\.tag = "9\.1"\s+rule: must name a patch release such as "[^"]+": [^\n]+\s+fix: {2}set redis\.images\.valkey\.tag to the full version of a release/],
    ['an absurd volume size', { ...good, alpha: { postgres: { storage: { size: '99999999999Ti' } } } }, ['alpha'],
      /postgres\.storage\.size = "99999999999Ti"\s+rule: must be at most 64Ti: [^\n]+\s+fix: {2}lower postgres\.storage\.size to 64Ti or less/],
    ['an absurd memory limit', { ...good, alpha: { superset: { web: { resources: { memoryLimit: '1000Ti' } } } } }, ['alpha'],
      /superset\.web\.resources\.memoryLimit = "1000Ti"\s+rule: must be at most 1Ti: [^\n]+\s+fix: {2}lower superset\.web\.resources\.memoryLimit to 1Ti or less \(did you mean "1000Gi"\?\)/],
    ['an infinite replica count', { ...good, beta: { superset: { workers: { reports: { maxReplicas: Infinity } } } } }, ['beta'],
      /Invalid environment "beta"[\s\S]*superset\.workers\.reports\.maxReplicas = Infinity\s+rule: must be a finite number\s+fix: {2}set superset\.workers\.reports\.maxReplicas to a whole number from 1 to 500/],
  ];
  test.each(failures)('%s fails with a clear error and leaves the output untouched', (_what, registry, environments, expected) => {
    const before = snapshot(out);
    expect(() => synthToRoot({ environments, outRoot: out, registry, warn: () => undefined })).toThrow(expected);
    expect(snapshot(out)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual(['dist']); // no temporary folder left behind
  });

  test('every failing environment is reported in one run', () => {
    const registry = { ...good, alpha: { superset: { web: { minReplicas: 0 } } }, beta: { superset: { image: { tag: 'latest' } } } };
    expect(() => synthToRoot({ environments: [], outRoot: out, registry, warn: () => undefined }))
      .toThrow(/Invalid environment "alpha"[\s\S]*superset\.web\.minReplicas = 0[\s\S]*Invalid environment "beta"[\s\S]*superset\.image\.tag = "latest"/);
    expect(() => synthToRoot({ environments: ['nope', 'alpha'], outRoot: out, registry, warn: () => undefined }))
      .toThrow(/Unknown environment "nope"[\s\S]*Invalid environment "alpha"/);
  });

  test('an absurd replica count is blamed on itself, not on the connection budget it breaks', () => {
    const registry = { alpha: { superset: { web: { maxReplicas: 1e9 } } } };
    const message = (() => {
      try {
        synthToRoot({ environments: ['alpha'], outRoot: out, registry, warn: () => undefined });
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    })();
    expect(message).toMatch(/superset\.web\.maxReplicas = 1000000000/);
    expect(message).not.toMatch(/maxClientConn|12500000063/);
  });

  test('a single environment replaces only its own folder', () => {
    const before = snapshot(out);
    synthToRoot({ environments: ['beta'], outRoot: out, registry: { ...good, beta: {} }, warn: () => undefined });
    const after = snapshot(out);
    for (const file of Object.keys(before).filter((f) => f.startsWith('alpha/'))) expect(after[file]).toBe(before[file]);
    expect(after['beta/50-superset-web.yaml']).not.toBe(before['beta/50-superset-web.yaml']);
  });

  test('a full synth removes environments that no longer exist', () => {
    synthToRoot({ environments: [], outRoot: out, registry: { alpha: {} }, warn: () => undefined });
    expect(fs.readdirSync(out)).toEqual(['alpha']);
  });
});

describe('synth command', () => {
  test('an unknown environment exits non-zero, says why, and leaves dist/ unchanged', () => {
    const before = snapshot(path.join(ROOT, 'dist'));
    const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/synth.ts', 'nope'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/synth failed; dist\/ is unchanged\.\nUnknown environment "nope"/);
    expect(snapshot(path.join(ROOT, 'dist'))).toEqual(before);
  });
});

describe('synth command: usage and environment files that do not compile', () => {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');

  test('--help prints the usage and the environments, and touches nothing', () => {
    const before = snapshot(path.join(ROOT, 'dist'));
    for (const flag of ['--help', '-h']) {
      const run = spawnSync(tsx, ['scripts/synth.ts', flag], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^usage: npm run synth \[-- <environment> \.\.\.\] \[--out <dir>\]/);
      expect(run.stdout).toMatch(/environments: dev, staging, prod, scale-10k/);
      expect(run.stderr).toBe('');
    }
    expect(snapshot(path.join(ROOT, 'dist'))).toEqual(before);
  });

  test('an unknown option is an error with the usage, not an unknown environment', () => {
    const run = spawnSync(tsx, ['scripts/synth.ts', '--frobnicate'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^synth failed; dist\/ is unchanged\.\nunknown option "--frobnicate"\nusage: npm run synth/);
  });

  test('a syntax error in an environment file names file, line and message; dist/ stays as it was', () => {
    // A copy of the sources with one broken environment file, run through the real entry point.
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'synth-syntax-'));
    try {
      for (const dir of ['lib', 'scripts', 'environments', 'imports', 'dist']) fs.cpSync(path.join(ROOT, dir), path.join(work, dir), { recursive: true });
      for (const file of ['package.json', 'tsconfig.json']) fs.copyFileSync(path.join(ROOT, file), path.join(work, file));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
      const file = path.join(work, 'environments', 'staging.ts');
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines.splice(3, 0, 'const broken = { tag: "6.1.0" "x" };');
      fs.writeFileSync(file, lines.join('\n'));
      const before = snapshot(path.join(work, 'dist'));
      const run = spawnSync(tsx, ['scripts/synth.ts'], { cwd: work, encoding: 'utf8' });
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/^synth failed; dist\/ is unchanged\.\nenvironments\/staging\.ts:4:30: Expected "}" but found "\\"x\\""\n/);
      expect(run.stderr).not.toMatch(/\bat \S+ \(|esbuild|TransformError/);
      expect(snapshot(path.join(work, 'dist'))).toEqual(before);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('cdk8s CLI', () => {
  const run = (command: string, args: string[]) =>
    spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });

  test('cdk8s.yaml is valid YAML (the CLI rejects duplicate keys)', () => {
    expect(() => parseYaml(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'))).not.toThrow();
  });

  test('cdk8s synth writes the same bytes as npm run synth; check:cdk8s names any file that differs', () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-cli-'));
    try {
      const expected = path.join(work, 'dist');
      synthToRoot({ environments: [], outRoot: expected, warn: () => undefined });
      // One planted difference: the check must report exactly it, so every other file is identical.
      fs.appendFileSync(path.join(expected, 'prod', '60-edge.yaml'), '# planted\n');
      const check = run('npm', ['run', '--silent', 'check:cdk8s', '--', expected]);
      expect(check.status).toBe(1);
      const report = check.stderr.split('\n').filter((l) => l.startsWith('Files ') || l.startsWith('Only in '));
      expect(report).toEqual([`Files ${expected}/prod/60-edge.yaml and cdk8s synth output/prod/60-edge.yaml differ`]);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });

  test('cdk8s import regenerates the committed CRD types', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-import-'));
    try {
      const imported = run(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['import', 'crds/monitoring.coreos.com.yaml', '--output', out, '--language', 'typescript']);
      expect(imported.stderr).not.toMatch(/Error/);
      expect(imported.status).toBe(0);
      const file = 'monitoring.coreos.com.ts';
      expect(fs.readFileSync(path.join(out, file), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', file), 'utf8'));
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });
});
