// npm run audit -- <env> [--format markdown] [--strict]
// Scores the synthesized manifests of an environment (dist/<env>/) against the 25-point Superset
// production checklist: each point pass, fail or procedural (covered by a document), with evidence.
// --strict exits 1 when a checkable point fails.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { AuditReport, runAudit } from '../lib/audit/checklist';
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

const MARK = { pass: 'PASS', fail: 'FAIL', procedural: 'DOC ' } as const;

export function formatAudit(report: AuditReport, format: 'text' | 'markdown'): string {
  if (format === 'markdown') {
    return [
      `## Production-readiness audit: ${report.environment} — ${report.score}/25 (${report.band})`, '',
      '| # | area | point | result | evidence |', '|---|---|---|---|---|',
      ...report.results.map((r) => `| ${r.n} | ${r.area} | ${r.point} | ${r.status} | ${r.evidence.join('<br>')} |`), '',
    ].join('\n');
  }
  return [
    `Production-readiness audit of ${report.environment}: ${report.score}/25 (${report.band})`,
    ...report.results.map((r) => `${MARK[r.status]} ${String(r.n).padStart(2)} [${r.area}] ${r.point}\n${r.evidence.map((e) => `       ${e}`).join('\n')}`),
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
    const failedCheckable = report.results.filter((r) => r.status === 'fail' && r.kind === 'checkable').length;
    if (args.includes('--strict') && failedCheckable > 0) process.exitCode = 1;
  } catch (error) {
    console.error(`audit failed: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
