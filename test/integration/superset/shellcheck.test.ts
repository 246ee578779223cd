import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SUPERSET_SCRIPTS_DIR } from '../../../lib/superset/scripts';

// The scripts the Superset containers run with /bin/sh (dash in the Debian-based image):
// shellcheck them as POSIX sh. Any finding, even style, fails.
describe('Superset container scripts', () => {
  const scripts = fs.readdirSync(SUPERSET_SCRIPTS_DIR).filter((f) => f.endsWith('.sh')).sort();

  test('there are scripts to check', () => {
    expect(scripts).toEqual(expect.arrayContaining(['superset-migrate.sh', 'superset-wait.sh']));
  });

  test.each(scripts)('%s passes shellcheck (POSIX sh)', (name) => {
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--severity=style', path.join(SUPERSET_SCRIPTS_DIR, name)], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
