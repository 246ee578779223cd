import { spawn } from 'node:child_process';
import { readlinkSync } from 'node:fs';

/** Runs a program to completion; rejects with its exit status and the tail of its output. */
export function runCommand(argv: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => chunks.push(c));
    child.stderr!.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', (err) => reject(new Error(`${argv[0]} could not start: ${err.message} (is it installed? see test/e2e/packages.txt)`)));
    child.on('close', (code, signal) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-25).join('\n');
      reject(new Error(`${argv.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
    if (child.stdin) {
      child.stdin.on('error', () => undefined); // a program that exits without reading its input
      child.stdin.end(options.input);
    }
  });
}

/**
 * The harness runs inside its own node network namespace, which has no route out: downloads from
 * the Debian archive go through the machine's network namespace instead, reached through a
 * process that lives there: E2E_HOST_NET_PID (scripts/e2e.sh exports its own pid), else PID 1
 * when its namespaces may be read. Empty when we are in that namespace already (or know none).
 */
export function hostNetworkPrefix(): string[] {
  const self = readlinkSync('/proc/self/ns/net');
  for (const pid of [process.env.E2E_HOST_NET_PID, '1']) {
    if (!pid) continue;
    try {
      const target = readlinkSync(`/proc/${pid}/ns/net`);
      return target === self ? [] : ['nsenter', `--net=/proc/${pid}/ns/net`];
    } catch {
      /* gone, or not ours to read: try the next */
    }
  }
  return [];
}
