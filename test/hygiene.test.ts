import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' });

describe('repository hygiene', () => {
  // Python writes byte code next to the stubs whenever an integration test imports them; tracked
  // copies would be rewritten on every run and leave the tree dirty after CI.
  test('no Python byte code is tracked', () => {
    const tracked = git('ls-files').split('\n').filter((f) => /(^|\/)__pycache__\/|\.py[co]$/.test(f));
    expect(tracked).toEqual([]);
  });

  test('byte code written next to the Python stubs is ignored', () => {
    const samples = ['test/fixtures/python-stubs/celery/__pycache__/__init__.cpython-313.pyc', 'test/fixtures/python-stubs/x.pyc'];
    // check-ignore prints each ignored path and exits 1 when none is ignored.
    expect(git('check-ignore', '--no-index', ...samples).trim().split('\n')).toEqual(samples);
  });
});
