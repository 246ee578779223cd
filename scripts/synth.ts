// npm run synth [-- <env> ...] [--out <dir>]
// Synthesizes environments into a temporary folder and swaps it into place only when every
// environment succeeded, so a failure leaves the committed dist/ exactly as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnvironmentOverrides } from '../lib/config/platform-schema';
import { overridesFor, synthesizeEnvironment } from '../lib/synthesize';

export interface SynthOptions {
  /** Environments to synthesize; all of the registry when empty (then stale ones are removed). */
  readonly environments: readonly string[];
  /** Output root, one folder per environment. */
  readonly outRoot: string;
  readonly registry?: Readonly<Record<string, EnvironmentOverrides>>;
  /** Where warnings go. */
  readonly warn?: (message: string) => void;
}

export const USAGE = `usage: npm run synth [-- <environment> ...] [--out <dir>]
  Synthesizes the named environments (every one registered in environments/index.ts when none is
  named) into <dir>/<environment>/ (default dist/). Atomic: on any problem nothing is written, and
  every problem of every environment is printed with its field, value, rule and fix.`;

/** Errors that are the input's fault (config, policy, names, files), reported without a stack. */
const INPUT_ERRORS = ['ConfigError', 'PolicyError', 'UnknownEnvironmentError', 'SynthFailure', 'EnvironmentFileError', 'UsageError'];
export function isInputError(error: unknown): error is Error {
  return error instanceof Error && INPUT_ERRORS.includes(error.name);
}

/** Several environments failed: every message, one after the other. */
export class SynthFailure extends Error {
  constructor(public readonly failures: readonly Error[]) {
    super(failures.map((f) => f.message).join('\n\n'));
    this.name = 'SynthFailure';
  }
}

/** An environment file that does not compile: file, line, column and the compiler's message. */
export class EnvironmentFileError extends Error {
  constructor(messages: readonly { file: string; line: number; column: number; text: string }[]) {
    super(messages.map((m) => {
      const source = fs.existsSync(m.file) ? fs.readFileSync(m.file, 'utf8').split('\n')[m.line - 1] : undefined;
      const where = `${path.relative(process.cwd(), m.file)}:${m.line}:${m.column}: ${m.text}`;
      return source === undefined ? where : `${where}\n    ${source}\n    ${' '.repeat(m.column)}^`;
    }).join('\n'));
    this.name = 'EnvironmentFileError';
  }
}

/** A command line the script does not understand. */
class UsageError extends Error {
  constructor(message: string) {
    super(`${message}\n${USAGE}`);
    this.name = 'UsageError';
  }
}

/**
 * The registry of environments/index.ts, loaded when needed rather than imported, so an
 * environment file with a syntax error becomes a clear error instead of tsx's compiler stack.
 */
export function loadEnvironments(): Readonly<Record<string, EnvironmentOverrides>> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require('../environments') as typeof import('../environments')).ENVIRONMENTS;
  } catch (error) {
    // tsx compiles with esbuild and reports "Transform failed" with one "file:line:column: ERROR: text" line per error.
    const messages = [...String((error as Error).message).matchAll(/^(.+):(\d+):(\d+): ERROR: (.*)$/gm)]
      .map(([, file, line, column, text]) => ({ file, line: Number(line), column: Number(column), text }));
    if ((error as Error).name !== 'TransformError' || messages.length === 0) throw error;
    throw new EnvironmentFileError(messages);
  }
}

/** Synthesize, then swap into `outRoot`; throws without touching `outRoot` on any failure. */
export function synthToRoot(options: SynthOptions): string[] {
  const registry = options.registry ?? loadEnvironments();
  const all = options.environments.length === 0;
  const names = all ? Object.keys(registry) : [...new Set(options.environments)];
  const outRoot = path.resolve(options.outRoot);
  fs.mkdirSync(path.dirname(outRoot), { recursive: true });
  // Same filesystem as the output, so the swap is a rename.
  const tmp = fs.mkdtempSync(path.join(path.dirname(outRoot), '.synth-tmp-'));
  try {
    const fresh = path.join(tmp, 'new');
    // Every environment is tried, so one run reports the problems of all of them.
    const failures: Error[] = [];
    for (const name of names) {
      try {
        const result = synthesizeEnvironment(name, overridesFor(name, registry), path.join(fresh, name));
        for (const w of result.warnings) (options.warn ?? console.warn)(`warning: ${name}: ${w}`);
      } catch (error) {
        if (!isInputError(error)) throw error;
        failures.push(error);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new SynthFailure(failures);
    if (all) {
      if (fs.existsSync(outRoot)) fs.renameSync(outRoot, path.join(tmp, 'old'));
      fs.renameSync(fresh, outRoot);
    } else {
      fs.mkdirSync(outRoot, { recursive: true });
      for (const name of names) {
        const target = path.join(outRoot, name);
        if (fs.existsSync(target)) fs.renameSync(target, path.join(tmp, `old-${name}`));
        fs.renameSync(path.join(fresh, name), target);
      }
    }
    return names;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The command line as options; throws a UsageError for what it does not understand. */
function parseArgs(argv: readonly string[]): { environments: string[]; outRoot: string; help: boolean } {
  const environments: string[] = [];
  let outRoot = 'dist';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { environments, outRoot, help: true };
    if (arg === '--out') {
      if (argv[i + 1] === undefined || argv[i + 1].startsWith('-')) throw new UsageError('--out needs a folder');
      outRoot = argv[++i];
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option "${arg}"`);
    else environments.push(arg);
  }
  return { environments, outRoot, help: false };
}

function main(argv: string[]): void {
  const started = process.hrtime.bigint();
  let outRoot = 'dist';
  try {
    const args = parseArgs(argv);
    outRoot = args.outRoot;
    if (args.help) {
      let known = '(environments/index.ts does not load: run without --help to see why)';
      try {
        known = Object.keys(loadEnvironments()).join(', ');
      } catch {
        // the synth itself reports it
      }
      console.log(`${USAGE}\n  environments: ${known}`);
      return;
    }
    const names = synthToRoot({ environments: args.environments, outRoot });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`synthesized ${names.join(', ')} into ${outRoot}/ in ${ms.toFixed(0)} ms`);
  } catch (error) {
    console.error(`synth failed; ${outRoot}/ is unchanged.\n${isInputError(error) ? error.message : (error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main(process.argv.slice(2));
