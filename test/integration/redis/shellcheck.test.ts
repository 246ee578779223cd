import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SCRIPTS_DIR } from '../../../lib/redis/scripts';

// The scripts run by POSIX sh in the Debian-based Valkey/Redis images (dash): shellcheck them
// as POSIX sh, following the sourced common.sh. Any finding, even style, fails.
describe('Redis pod scripts', () => {
  const scripts = fs.readdirSync(SCRIPTS_DIR).filter((f) => f.endsWith('.sh')).sort();

  test('there are scripts to check', () => {
    expect(scripts).toEqual(expect.arrayContaining(['cache-start.sh', 'cluster-create.sh', 'cluster-heal.sh', 'queue-start.sh', 'sentinel-start.sh']));
  });

  test.each(scripts)('%s passes shellcheck (POSIX sh)', (name) => {
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--external-sources', '--severity=style', path.join(SCRIPTS_DIR, name)], { encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
