import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withLock } from './cache-lock';

describe('the builders\' lock file', () => {
  let dir = '';
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'hI-lock-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('a second holder waits until the first is done, and says whom it waits for', async () => {
    const lock = join(dir, 'k.lock');
    const events: string[] = [];
    let release!: () => void;
    const first = withLock(lock, () => events.push('first waited'), async () => {
      events.push('first in');
      await new Promise<void>((r) => (release = r));
      events.push('first out');
    });
    await new Promise((r) => setTimeout(r, 50));
    const second = withLock(lock, (pid) => events.push(`second waits for ${pid}`), async () => {
      events.push('second in');
    });
    await new Promise((r) => setTimeout(r, 700));
    release();
    await Promise.all([first, second]);
    expect(events).toEqual(['first in', `second waits for ${process.pid}`, 'first out', 'second in']);
    expect(existsSync(lock)).toBe(false);
  });

  test('a lock left by a process that died is taken over', async () => {
    const dead = spawnSync('true').pid!;
    const lock = join(dir, 'k.lock');
    writeFileSync(lock, `${dead}\n`);
    const waited: number[] = [];
    await withLock(lock, (pid) => waited.push(pid), async () => undefined);
    expect(waited).toEqual([]);
  });

  test('the lock is released when the work fails', async () => {
    const lock = join(dir, 'k.lock');
    await expect(withLock(lock, () => undefined, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });
});
