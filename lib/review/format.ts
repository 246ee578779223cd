import type { EnvironmentDiff, FieldChange, ObjectChange } from './manifest-diff';

const SYMBOL: Record<ObjectChange['change'], string> = { added: '+', removed: '-', changed: '~' };

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function counts(env: EnvironmentDiff): string {
  const n = (c: ObjectChange['change']) => env.objects.filter((o) => o.change === c).length;
  return `${n('added')} added, ${n('changed')} changed, ${n('removed')} removed`;
}

/**
 * The warning for a change that migrates the schema, with the command that applies it in order;
 * `literal` marks names and commands (backticks in Markdown).
 */
export function migrationNote(env: EnvironmentDiff, literal: (text: string) => string = (t) => t): string | undefined {
  const m = env.migration;
  if (!m) return undefined;
  return `Job ${literal(m.job)} runs superset db upgrade (${m.reason}). Apply it and wait for it before the rest, ` +
    `and downgrade with the new image before any rollback: ${literal(`npm run upgrade -- ${env.environment}`)} (docs/UPGRADE.md)`;
}

function fieldText(f: FieldChange, indent: string): string[] {
  if (f.lines) return [`${indent}${f.path}:`, ...f.lines.map((l) => `${indent}  ${l.op} ${l.text}`)];
  return [`${indent}${f.path}: ${show(f.before)} -> ${show(f.after)}`];
}

/** Plain text for a terminal. */
export function formatText(diffs: readonly EnvironmentDiff[]): string {
  const out: string[] = [];
  for (const env of diffs) {
    if (env.change === 'unchanged') {
      out.push(`${env.environment}: no changes`);
      continue;
    }
    out.push(`${env.environment}: ${env.change === 'changed' ? counts(env) : `environment ${env.change} (${counts(env)})`}`);
    const note = migrationNote(env);
    if (note) out.push(`  ! includes a database migration: ${note}`);
    for (const o of env.objects) {
      out.push(`  ${SYMBOL[o.change]} ${o.object}`);
      for (const f of o.fields) out.push(...fieldText(f, '      '));
    }
  }
  return `${out.join('\n')}\n`;
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** Markdown for a pull-request comment. */
export function formatMarkdown(diffs: readonly EnvironmentDiff[]): string {
  const changed = diffs.filter((d) => d.change !== 'unchanged');
  const out = ['## Manifest changes', ''];
  if (changed.length === 0) return `${out.join('\n')}No manifest changes in ${diffs.map((d) => d.environment).join(', ')}.\n`;
  out.push('| environment | change | objects |', '|---|---|---|');
  for (const d of diffs) out.push(`| ${d.environment} | ${d.change} | ${counts(d)} |`);
  for (const env of changed) {
    out.push('', `### ${env.environment}`, '');
    const note = migrationNote(env, code);
    if (note) out.push(`> **Includes a database migration.** ${note}`, '');
    for (const o of env.objects) {
      out.push(`- **${o.change}** ${code(o.object)}`);
      for (const f of o.fields) {
        if (f.lines) {
          out.push(`  - ${code(f.path)}:`, '    ```diff', ...f.lines.map((l) => `    ${l.op} ${l.text}`), '    ```');
        } else {
          out.push(`  - ${code(f.path)}: ${code(show(f.before))} → ${code(show(f.after))}`);
        }
      }
    }
  }
  return `${out.join('\n')}\n`;
}
