// npm run e2e -- <env> [--dist DIR] [--scenario NAME]... [--keep] [--bench] [--list]
//
// Runs dist/<env> (or DIR) on this machine the way a cluster would, then the scenarios (all that
// apply to the environment, or the named ones), and prints the figures. Exit status 0 when the
// platform came up and every scenario passed. Started by scripts/e2e.sh inside the run's node
// network namespace; see test/e2e/README.md.
import { Session } from './session';
import { SCENARIOS } from './scenarios';
import type { Scenario } from './scenarios/scenario';

interface Args {
  environment?: string;
  distDir?: string;
  scenarios: string[];
  keep: boolean;
  bench: boolean;
  list: boolean;
}

function parse(argv: string[]): Args {
  const args: Args = { scenarios: [], keep: false, bench: false, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (!v || v.startsWith('--')) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--dist') args.distDir = value();
    else if (a === '--scenario') args.scenarios.push(value());
    else if (a === '--keep') args.keep = true;
    else if (a === '--bench') args.bench = true;
    else if (a === '--list') args.list = true;
    else if (a === '--help' || a === '-h') throw new Error('usage');
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}`);
    else if (!args.environment) args.environment = a;
    else throw new Error(`unexpected argument ${a}`);
  }
  return args;
}

const USAGE = 'usage: npm run e2e -- <environment> [--dist DIR] [--scenario NAME]... [--keep] [--bench] [--list]';

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    console.error((e as Error).message === 'usage' ? USAGE : `${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.list) {
    for (const s of SCENARIOS) console.log(`${s.name.padEnd(28)} ${s.description}${s.environments ? ` [${s.environments.join(', ')}]` : ''}`);
    return 0;
  }
  if (!args.environment) {
    console.error(USAGE);
    return 2;
  }
  const unknown = args.scenarios.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) {
    console.error(`unknown scenario(s): ${unknown.join(', ')} (npm run e2e -- --list)`);
    return 2;
  }
  const chosen = args.scenarios.length
    ? SCENARIOS.filter((s) => args.scenarios.includes(s.name))
    : SCENARIOS.filter((s) => !s.environments || s.environments.includes(args.environment!));
  // Scenarios about how the platform starts get a fresh cluster each, after the shared one.
  const shared = chosen.filter((s) => !s.freshStart);
  const fresh = chosen.filter((s) => s.freshStart);
  let status = 0;
  let current: Session | undefined;
  const stop = async () => {
    await current?.close();
    process.exit(130);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());

  const runSession = async (session: Session, scenarios: readonly Scenario[]) => {
    current = session;
    try {
      await session.open();
      for (const s of scenarios) {
        const outcome = await session.scenario(s, false);
        if (outcome.error) status = 1;
      }
    } catch (e) {
      console.error(`\ne2e ${args.environment}: ${(e as Error).message}`);
      status = 1;
    }
    const figures = session.figures();
    console.log(`\n${(args.bench ? figures : figures.slice(0, 2)).join('\n')}`);
    const notEmulated = session.notEmulated();
    if (args.bench && notEmulated.length) console.log(`\nnot emulated by the harness (does not change what it proves):\n  ${notEmulated.join('\n  ')}`);
    if (args.keep) {
      console.log(`\n--keep: the platform keeps running; files under ${session.run.options.runDir}. Ctrl-C stops it.`);
      await new Promise(() => undefined);
    }
    await session.close();
  };

  if (shared.length > 0 || fresh.length === 0) await runSession(new Session({ environment: args.environment, distDir: args.distDir, keep: args.keep }), shared);
  for (const s of fresh) {
    await runSession(new Session({ environment: args.environment, distDir: args.distDir, keep: args.keep, hold: s.freshStart!.hold }), [s]);
  }
  return status;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
