import { spawn } from 'node:child_process';

/** Runs a command to completion; rejects naming the command, its exit status and stderr. */
export function runCommand(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => reject(new Error(`${command} ${args.join(' ')}: ${e.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args.join(' ')} exited ${code ?? signal}: ${Buffer.concat(err).toString('utf8').trim()}`));
    });
    if (input !== undefined) {
      child.stdin!.on('error', () => undefined); // a command that exits without reading: its status tells
      child.stdin!.end(input);
    }
  });
}

/** argv prefix that runs a program inside the named network namespace (under /run/netns). */
export const inNetns = (netns: string) => ['nsenter', `--net=/run/netns/${netns}`];
