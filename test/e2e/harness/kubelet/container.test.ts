import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bwrapArgs, pathInRoot, setprivArgs, sortedMounts } from './container';

describe('a container root', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'root-'));
    fs.mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
    fs.mkdirSync(path.join(root, 'var'), { recursive: true });
    fs.symlinkSync('/run', path.join(root, 'var/run'));
    fs.symlinkSync('usr/lib', path.join(root, 'lib'));
    fs.symlinkSync('../usr/lib', path.join(root, 'var/lib'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  test('absolute symlinks resolve inside the root, never on the node', () => {
    expect(pathInRoot(root, '/var/run/postgresql')).toBe(path.join(root, 'run/postgresql'));
  });
  test('relative symlinks and missing components', () => {
    expect(pathInRoot(root, '/lib/x/y')).toBe(path.join(root, 'usr/lib/x/y'));
    expect(pathInRoot(root, '/var/lib/z')).toBe(path.join(root, 'usr/lib/z'));
    expect(pathInRoot(root, '/../../etc')).toBe(path.join(root, 'etc'));
  });
});

describe('the bubblewrap command line', () => {
  const spec = {
    imageRoot: '/r', layerDir: '/l', readOnlyRoot: true, hostname: 'web-0', workingDir: '/app', uid: 1000, gid: 1000, groups: [1000, 1000, 5],
    noNewPrivileges: true, argv: ['gunicorn', 'app'], env: { SECRET: 'never-on-a-command-line' }, netns: 'n', logFile: '/log',
    mounts: [{ source: '/v/b', target: '/etc/superset/nested', readOnly: true }, { source: '/v/a', target: '/etc/superset', readOnly: false }],
  };
  test('parents are mounted before children; the root is read-only; the command runs as the user with no capabilities', () => {
    const args = bwrapArgs(spec, '/merged');
    expect(args.slice(args.indexOf('--ro-bind'), args.indexOf('--ro-bind') + 3)).toEqual(['--ro-bind', '/merged', '/']);
    expect(args.indexOf('/etc/superset')).toBeLessThan(args.indexOf('/etc/superset/nested'));
    expect(args.slice(args.indexOf('--'))).toEqual(['--', '/usr/bin/setpriv', '--reuid=1000', '--regid=1000', '--groups=1000,5', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs', '--', 'gunicorn', 'app']);
    expect(args.join(' ')).not.toContain('never-on-a-command-line');
  });
  test('no supplementary groups clears them', () => {
    expect(setprivArgs({ uid: 1, gid: 1, groups: [], noNewPrivileges: false })).toContain('--clear-groups');
  });
  test('sortedMounts orders by depth', () => {
    expect(sortedMounts(spec.mounts).map((m) => m.target)).toEqual(['/etc/superset', '/etc/superset/nested']);
  });
});
