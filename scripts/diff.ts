// npm run diff [-- --from <ref>] [--to <ref>] [--format text|markdown] [--env <name>]
// A reviewer's summary of what a change does to the manifests: objects added and removed, and the
// changed fields with old -> new values (ConfigMap files line by line). By default it compares the
// dist/ committed at HEAD with a fresh synth of the working tree.
// Exit code: 0 no changes, 1 changes, 2 error (like diff(1)).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatMarkdown, formatText } from '../lib/review/format';
import { diffManifests, ManifestTree } from '../lib/review/manifest-diff';
import { synthToRoot } from './synth';

const ROOT = path.join(__dirname, '..');

/** dist/ as committed at a git ref. */
export function treeAtRef(ref: string, cwd = ROOT): ManifestTree {
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', ref, '--', 'dist/'], { cwd, encoding: 'utf8' })
    .split('\n').filter((f) => f.endsWith('.yaml'));
  const tree = new Map<string, Map<string, string>>();
  for (const file of files) {
    const [, env, name] = file.split('/');
    if (!tree.has(env)) tree.set(env, new Map());
    tree.get(env)!.set(name, execFileSync('git', ['show', `${ref}:${file}`], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }));
  }
  return tree;
}

/** A folder laid out like dist/. */
export function treeInFolder(root: string): ManifestTree {
  const tree = new Map<string, Map<string, string>>();
  for (const env of fs.readdirSync(root).sort()) {
    const files = new Map<string, string>();
    for (const f of fs.readdirSync(path.join(root, env)).filter((x) => x.endsWith('.yaml')).sort()) {
      files.set(f, fs.readFileSync(path.join(root, env, f), 'utf8'));
    }
    tree.set(env, files);
  }
  return tree;
}

function freshSynth(): ManifestTree {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-synth-'));
  try {
    synthToRoot({ environments: [], outRoot: path.join(tmp, 'dist'), warn: () => undefined });
    return treeInFolder(path.join(tmp, 'dist'));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function main(argv: string[]): number {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i > -1 ? argv[i + 1] : undefined;
  };
  const format = opt('--format') ?? 'text';
  if (!['text', 'markdown'].includes(format)) throw new Error(`--format must be "text" or "markdown", not "${format}"`);
  const before = treeAtRef(opt('--from') ?? 'HEAD');
  const to = opt('--to');
  const after = to ? treeAtRef(to) : freshSynth();
  const only = opt('--env');
  let diffs = diffManifests(before, after);
  if (only) diffs = diffs.filter((d) => d.environment === only);
  process.stdout.write(format === 'markdown' ? formatMarkdown(diffs) : formatText(diffs));
  return diffs.some((d) => d.change !== 'unchanged') ? 1 : 0;
}

if (require.main === module) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`diff failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
