import * as fs from 'node:fs';
import * as path from 'node:path';

const MEMORY_ROOT = '/sys/fs/cgroup/memory';

/**
 * Peak memory of a run: the harness process joins a memory cgroup of its own (cgroup v1), so every
 * pod it starts afterwards is counted; resident memory plus tmpfs (memory-backed emptyDirs) is
 * sampled every second. Only a figure for the benchmark; where no cgroup is available it says so.
 */
export class MemoryMeter {
  private dir?: string;
  private original?: string;
  private timer?: NodeJS.Timeout;
  private peak = 0;

  start(): void {
    try {
      const line = fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((l) => /^\d+:memory:/.test(l));
      if (!line || !fs.existsSync(MEMORY_ROOT)) return;
      this.original = path.join(MEMORY_ROOT, line.split(':')[2]);
      this.dir = path.join(this.original, `sk8s-e2e-${process.pid}`);
      fs.mkdirSync(this.dir, { recursive: true });
      fs.writeFileSync(path.join(this.dir, 'cgroup.procs'), String(process.pid));
      this.timer = setInterval(() => this.sample(), 1000);
      this.timer.unref();
    } catch {
      this.dir = undefined;
    }
  }

  private sample(): void {
    if (!this.dir) return;
    try {
      const stat = fs.readFileSync(path.join(this.dir, 'memory.stat'), 'utf8');
      const field = (name: string) => Number(stat.match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1] ?? 0);
      this.peak = Math.max(this.peak, field('total_rss') + field('total_shmem'));
    } catch {
      // the cgroup went away
    }
  }

  peakText(): string {
    if (!this.dir) return 'not measured (no memory cgroup)';
    this.sample();
    return `${(this.peak / 2 ** 30).toFixed(2)} GiB (resident + tmpfs)`;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (!this.dir || !this.original) return;
    try {
      fs.writeFileSync(path.join(this.original, 'cgroup.procs'), String(process.pid));
      fs.rmdirSync(this.dir);
    } catch {
      // Processes may still be leaving: try once more a little later.
      const dir = this.dir;
      setTimeout(() => {
        try {
          fs.rmdirSync(dir);
        } catch {
          // left for the next run's cleanup
        }
      }, 5000).unref();
    }
  }
}
