import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from './harness';

// Every shell script of the repository (the ones loaded into ConfigMaps) is clean under
// shellcheck at every severity, sourced files followed.

const ROOT = path.join(__dirname, '..', '..', '..');

function shellScripts(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : shellScripts(full);
    return e.name.endsWith('.sh') ? [full] : [];
  });
}

describe('shellcheck', () => {
  const scripts = shellScripts(path.join(ROOT, 'lib'));

  test('finds the ops scripts', () => {
    expect(scripts.map((s) => path.relative(ROOT, s))).toEqual(expect.arrayContaining([
      'lib/ops/scripts/ops-lib.sh', 'lib/ops/scripts/pg-backup.sh', 'lib/ops/scripts/pg-restore-check.sh', 'lib/ops/scripts/dashboard-export.sh',
    ]));
  });

  test.each(scripts.map((s) => [path.relative(ROOT, s), s]))('%s is clean', async (_name, script) => {
    const r = await run('shellcheck', ['--external-sources', '--severity=style', '--format=gcc', script], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, cwd: ROOT, runner: 'host' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
