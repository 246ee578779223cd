// npm run bench [-- --runs N]: times the full synth of every environment against a minimal cdk8s
// app run the same way (a fresh `tsx` process each), and prints medians and the ratio.
// A benchmark, not a test: it prints figures and asserts nothing.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > -1 ? Number(process.argv[runsArg + 1]) : 9;

function timeOnce(args: string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(TSX, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-synth-'));
try {
  const full = ['scripts/synth.ts', '--out', path.join(out, 'dist')];
  const minimal = ['scripts/bench/minimal-app.ts'];
  timeOnce(full); // warm the tsx transform cache and the page cache for both
  timeOnce(minimal);
  const fullTimes: number[] = [];
  const minimalTimes: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // interleaved, so machine noise hits both alike
    fullTimes.push(timeOnce(full));
    minimalTimes.push(timeOnce(minimal));
  }
  const f = median(fullTimes);
  const m = median(minimalTimes);
  const files = fs.readdirSync(path.join(out, 'dist')).map((env) => fs.readdirSync(path.join(out, 'dist', env)).length).reduce((a, b) => a + b, 0);
  console.log(`runs: ${RUNS} each, ${os.cpus().length} CPUs, node ${process.version}`);
  console.log(`full synth (all environments, ${files} files): median ${f.toFixed(0)} ms  (min ${Math.min(...fullTimes).toFixed(0)}, max ${Math.max(...fullTimes).toFixed(0)})`);
  console.log(`minimal cdk8s app:                  median ${m.toFixed(0)} ms  (min ${Math.min(...minimalTimes).toFixed(0)}, max ${Math.max(...minimalTimes).toFixed(0)})`);
  console.log(`ratio full/minimal: ${(f / m).toFixed(2)}x   (targets: full < 2000 ms, ratio <= 2x)`);
} finally {
  fs.rmSync(out, { recursive: true, force: true });
}
