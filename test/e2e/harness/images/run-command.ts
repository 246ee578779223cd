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
 * the Debian archive go through the machine's own network namespace (that of PID 1) instead.
 */
export function hostNetworkPrefix(): string[] {
  try {
    return readlinkSync('/proc/self/ns/net') === readlinkSync('/proc/1/ns/net') ? [] : ['nsenter', '--net=/proc/1/ns/net'];
  } catch {
    return [];
  }
}
