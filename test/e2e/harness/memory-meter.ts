import * as fs from 'node:fs';

/**
 * Peak memory of a run: the resident memory of the harness and every process it started (the
 * pods' processes, the DNS server, NGINX, the outside stand-ins), summed over the process tree and
 * sampled every second. Only a figure for the benchmark. (The node network namespace's own /sys
 * hides the machine's cgroups, so a cgroup cannot count it.)
 */
export class MemoryMeter {
  private timer?: NodeJS.Timeout;
  private peak = 0;

  start(): void {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
  }

  /** Resident bytes of this process and all its descendants now. */
  static treeRss(root = process.pid): number {
    const children = new Map<number, number[]>();
    const rss = new Map<number, number>();
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = fs.readFileSync(`/proc/${entry}/status`, 'utf8');
        const ppid = Number(status.match(/^PPid:\s+(\d+)/m)?.[1]);
        rss.set(Number(entry), Number(status.match(/^VmRSS:\s+(\d+) kB/m)?.[1] ?? 0) * 1024);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // the process ended while we looked
      }
    }
    let total = 0;
    const stack = [root];
    while (stack.length) {
      const pid = stack.pop()!;
      total += rss.get(pid) ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    return total;
  }

  private sample(): void {
    this.peak = Math.max(this.peak, MemoryMeter.treeRss());
  }

  peakText(): string {
    this.sample();
    return `${(this.peak / 2 ** 30).toFixed(2)} GiB (resident, harness and every process it started)`;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
