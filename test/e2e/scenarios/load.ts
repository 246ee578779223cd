/** Client load for a scenario: `concurrency` loops calling `request` until stopped; failures are counted. */
export class Load {
  private running = false;
  private loops: Promise<void>[] = [];
  ok = 0;
  failed = 0;
  /** The first failures (what went wrong), for the message. */
  readonly failures: string[] = [];
  private started = 0;

  /**
   * `perSecond` caps the rate of all loops together: one client address sending more than the
   * platform's rate limit allows would rightly get 429s.
   */
  constructor(private readonly request: () => Promise<void>, private readonly concurrency = 4, private readonly perSecond = 20) {}

  start(): void {
    this.running = true;
    this.started = Date.now();
    this.loops = Array.from({ length: this.concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    const interval = (1000 * this.concurrency) / this.perSecond;
    while (this.running) {
      const t0 = Date.now();
      try {
        await this.request();
        this.ok++;
      } catch (e) {
        this.failed++;
        if (this.failures.length < 5) this.failures.push(`${new Date().toISOString()} ${(e as Error).message}`);
      }
      const wait = interval - (Date.now() - t0);
      if (wait > 0 && this.running) await new Promise((r) => setTimeout(r, wait));
    }
  }

  async stop(): Promise<string> {
    this.running = false;
    await Promise.all(this.loops);
    const seconds = (Date.now() - this.started) / 1000;
    return `${this.ok + this.failed} requests in ${seconds.toFixed(0)} s, ${this.failed} failed`;
  }
}
