import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Holds `path` (a lock file created with O_EXCL holding our pid) while `work` runs, so two
 * builders never build the same root at once. A lock whose process is gone is taken over.
 */
export async function withLock<T>(path: string, onWait: (holder: number) => void, work: () => Promise<T>): Promise<T> {
  let reported = false;
  for (;;) {
    try {
      const fd = openSync(path, 'wx', 0o644);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let holder = NaN;
    try {
      holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      continue; // removed between our open and read: try again
    }
    if (!Number.isFinite(holder) || !alive(holder)) {
      try {
        unlinkSync(path); // its builder died: take over (its half-built folder is removed by the caller)
      } catch {
        /* someone else took it over first */
      }
      continue;
    }
    if (!reported) onWait(holder);
    reported = true;
    await new Promise((r) => setTimeout(r, 500));
  }
  try {
    return await work();
  } finally {
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  }
}

export { alive as processAlive };
