/** Client load for a scenario: `concurrency` loops calling `request` until stopped; failures are counted. */
export class Load {
  private running = false;
  private loops: Promise<void>[] = [];
  ok = 0;
  failed = 0;
  /** The first failures (what went wrong), for the message. */
  readonly failures: string[] = [];
  private started = 0;

  constructor(private readonly request: () => Promise<void>, private readonly concurrency = 4) {}

  start(): void {
    this.running = true;
    this.started = Date.now();
    this.loops = Array.from({ length: this.concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await this.request();
        this.ok++;
      } catch (e) {
        this.failed++;
        if (this.failures.length < 5) this.failures.push(`${new Date().toISOString()} ${(e as Error).message}`);
      }
    }
  }

  async stop(): Promise<string> {
    this.running = false;
    await Promise.all(this.loops);
    const seconds = (Date.now() - this.started) / 1000;
    return `${this.ok + this.failed} requests in ${seconds.toFixed(0)} s, ${this.failed} failed`;
  }
}
