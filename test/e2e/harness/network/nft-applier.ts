import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';

/** Debian's python3 (python3-nftables is installed for it, not for other interpreters on PATH). */
const PYTHON = '/usr/bin/python3';

/**
 * Client of nft-applier.py: applies an nftables ruleset inside a network namespace (or the node's)
 * as one transaction. Many applications run at once in the helper.
 */
export class NftApplier {
  private child?: ChildProcess;
  private next = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void; where: string }>();
  private exited?: string;

  start(): void {
    const child = spawn(PYTHON, [path.join(__dirname, 'nft-applier.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const { id, error } = JSON.parse(line) as { id: number; error: string | null };
      const p = this.pending.get(id);
      this.pending.delete(id);
      if (!p) return;
      if (error) p.reject(new Error(`nftables rules for ${p.where} were rejected: ${error}`));
      else p.resolve();
    });
    child.on('exit', (code, signal) => {
      this.exited = `nft-applier.py exited (${code ?? signal})${stderr.trim() ? `: ${stderr.trim()}` : ''}; is python3-nftables installed (test/e2e/packages.txt)?`;
      for (const p of this.pending.values()) p.reject(new Error(this.exited));
      this.pending.clear();
    });
    this.child = child;
  }

  /** Applies `text` in network namespace `netns` (undefined: the node's). */
  apply(netns: string | undefined, text: string): Promise<void> {
    if (!this.child || this.exited) return Promise.reject(new Error(this.exited ?? 'NftApplier: not started'));
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, where: netns ? `network namespace ${netns}` : 'the node' });
      this.child!.stdin!.write(`${JSON.stringify({ id, netns: netns ?? null, text })}\n`);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || this.exited) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.stdin!.end();
    await exited;
  }
}
