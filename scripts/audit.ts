// npm run audit -- <env> [--format markdown] [--strict]
// Scores the synthesized manifests of an environment (dist/<env>/) against the 25-point Superset
// production checklist: each point pass (proved by the manifests), documented (a procedure only a
// document can cover) or fail, with evidence. Evidence that names a placeholder (a reserved
// example domain) fails its point. --strict exits 1 when a checkable point fails or any
// placeholder is left; 2 on an error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AuditReport, runAudit, strictFailures } from '../lib/audit/checklist';
import { AuditContext } from '../lib/audit/evidence';
import type { KubeObject } from '../lib/policy';

const ROOT = path.join(__dirname, '..');

export function auditEnvironment(environment: string, distRoot = path.join(ROOT, 'dist')): AuditReport {
  const dir = path.join(distRoot, environment);
  if (!fs.existsSync(dir)) throw new Error(`no ${path.relative(ROOT, dir)}/: run npm run synth, or pick one of ${fs.readdirSync(distRoot).join(', ')}`);
  const objects = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map((d) => d.toJS() as KubeObject));
  return runAudit(new AuditContext(environment, objects, ROOT));
}

const MARK = { pass: 'PASS', fail: 'FAIL', documented: 'DOC ' } as const;

/** The headline: what the manifests prove, apart from what only a document covers. */
export function summaryOf(report: AuditReport): string {
  const { checkable, procedural } = report;
  return `${checkable.passed}/${checkable.total} checkable points proved by the manifests, ` +
    `${procedural.covered}/${procedural.total} procedural points covered by a document (whether they are followed, the manifests cannot tell); ` +
    `${report.score}/25 counting both (${report.band})` +
    (report.placeholders.length ? `; ${report.placeholders.length} placeholder value(s) left` : '');
}

export function formatAudit(report: AuditReport, format: 'text' | 'markdown'): string {
  const placeholders = report.placeholders.length
    ? ['', 'Placeholders (reserved example domains; each fails the points whose evidence it is):', ...report.placeholders.map((p) => `  ${p}`)]
    : [];
  if (format === 'markdown') {
    return [
      `## Production-readiness audit: ${report.environment}`, '', summaryOf(report), '',
      '| # | area | point | kind | result | evidence |', '|---|---|---|---|---|---|',
      ...report.results.map((r) => `| ${r.n} | ${r.area} | ${r.point} | ${r.kind} | ${r.status} | ${r.evidence.join('<br>')} |`),
      ...(report.placeholders.length ? ['', '**Placeholders** (each fails the points whose evidence it is):', '', ...report.placeholders.map((p) => `- \`${p}\``)] : []),
      '',
    ].join('\n');
  }
  return [
    `Production-readiness audit of ${report.environment}: ${summaryOf(report)}`,
    ...report.results.map((r) => `${MARK[r.status]} ${String(r.n).padStart(2)} [${r.area}] ${r.point}\n${r.evidence.map((e) => `       ${e}`).join('\n')}`),
    ...placeholders,
    '',
  ].join('\n');
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const environment = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--format');
  const format = args.includes('--format') ? args[args.indexOf('--format') + 1] : 'text';
  try {
    if (!environment) throw new Error('usage: npm run audit -- <environment> [--format markdown] [--strict]');
    if (format !== 'text' && format !== 'markdown') throw new Error(`--format must be text or markdown, not "${format}"`);
    const report = auditEnvironment(environment);
    process.stdout.write(formatAudit(report, format));
    const failures = strictFailures(report);
    if (args.includes('--strict') && failures.length > 0) {
      console.error(`audit --strict failed: ${failures.join('; ')}`);
      process.exitCode = 1;
    }
  } catch (error) {
    console.error(`audit failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
