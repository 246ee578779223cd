// npm run secrets -- <env> [--apply]
// Creates the Secrets of the contract for a new cluster, with strong random values. Without
// --apply it prints the manifests to stdout (pipe them: `npm run --silent secrets -- prod | kubectl create -f -`;
// without --silent npm writes its banner into the pipe first, so the script refuses);
// with --apply it runs `kubectl create -f -` itself, so values never reach a terminal or a file.
// `create` (not `apply`) never overwrites an existing Secret: rotating a password is a procedure
// (docs/RUNBOOK.md), not a side effect. Nothing is ever written to the repository.
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import { generateSecrets, manualSecretInstructions } from '../lib/config/platform-secrets';
import { resolveEnvironment } from '../lib/config/load';
import { overridesFor } from '../lib/synthesize';
import { ENVIRONMENTS } from '../environments';

/**
 * npm prints "> package script" to stdout before running a script unless its log level is
 * silent; in a pipe that banner reaches kubectl ahead of the YAML and the whole stream is rejected.
 */
export function npmBannerInPipe(env: NodeJS.ProcessEnv, stdoutIsTty: boolean): boolean {
  return !stdoutIsTty && env.npm_lifecycle_event !== undefined && env.npm_config_loglevel !== 'silent';
}

function main(argv: string[]): number {
  const name = argv.find((a) => !a.startsWith('--'));
  if (!name) throw new Error('usage: npm run --silent secrets -- <environment> [--apply]');
  if (!argv.includes('--apply') && npmBannerInPipe(process.env, process.stdout.isTTY === true)) {
    throw new Error(
      'npm printed its banner to stdout ahead of the manifests, so kubectl would reject the stream; nothing was printed. ' +
        `Run \`npm run --silent secrets -- ${name} | kubectl create -f -\` or \`npm run secrets -- ${name} --apply\`.`,
    );
  }
  const env = resolveEnvironment(name, overridesFor(name, ENVIRONMENTS));
  const { manifests, manual } = generateSecrets(env.config, env.namespace);
  const yaml = manifests.map((m) => stringify(m)).join('---\n');
  for (const line of manualSecretInstructions(manual, env.namespace)) console.error(line);
  if (!argv.includes('--apply')) {
    console.error(`# ${manifests.length} Secrets for ${env.namespace} with fresh random values: pipe into kubectl create -f -, never save them.`);
    process.stdout.write(yaml);
    return 0;
  }
  const run = spawnSync('kubectl', ['create', '-f', '-'], { input: yaml, encoding: 'utf8' });
  process.stdout.write(run.stdout);
  process.stderr.write(run.stderr);
  return run.status ?? 1;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`secrets failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
