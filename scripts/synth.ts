// npm run synth [-- <env> ...] [--out <dir>]
// Synthesizes environments into a temporary folder and swaps it into place only when every
// environment succeeded, so a failure leaves the committed dist/ exactly as it was.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../environments';
import { EnvironmentOverrides } from '../lib/config/platform-schema';
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

/** Errors that are the input's fault (config, policy, names), reported without a stack. */
const INPUT_ERRORS = ['ConfigError', 'PolicyError', 'UnknownEnvironmentError', 'SynthFailure'];
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

/** Synthesize, then swap into `outRoot`; throws without touching `outRoot` on any failure. */
export function synthToRoot(options: SynthOptions): string[] {
  const registry = options.registry ?? ENVIRONMENTS;
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

function main(argv: string[]): void {
  const environments: string[] = [];
  let outRoot = 'dist';
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') outRoot = argv[++i];
    else environments.push(argv[i]);
  }
  const started = process.hrtime.bigint();
  try {
    const names = synthToRoot({ environments, outRoot });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    console.log(`synthesized ${names.join(', ')} into ${outRoot}/ in ${ms.toFixed(0)} ms`);
  } catch (error) {
    console.error(`synth failed; ${outRoot}/ is unchanged.\n${isInputError(error) ? error.message : (error as Error).stack ?? error}`);
    process.exitCode = 1;
  }
}

if (require.main === module) main(process.argv.slice(2));
