// npm run docs: regenerates the configuration reference, the Secrets table and the connection
// budgets inside docs/ from the schema, the defaults, the Secrets contract and the environments,
// so the documentation cannot drift from the code (npm test and npm run check:fresh fail when it
// is stale).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../lib/config/platform-defaults';
import { platformSchema, PlatformConfig } from '../lib/config/platform-schema';
import { allSecretRefs } from '../lib/config/platform-secrets';
import { envVarSchema, extraContainerSchema, schedulingOverrideSchema, volumeSchema } from '../lib/workload/schema';
import { supersetPodSchema } from '../lib/superset/schema';
import { ENVIRONMENTS } from '../environments';
import { capacityReport } from './capacity';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ROOT = path.join(__dirname, '..');

function unwrap(schema: any): { def: any; optional: boolean; description?: string } {
  let s = schema;
  let optional = false;
  let description: string | undefined = s.description;
  while (['optional', 'default', 'prefault', 'nullable'].includes(s._zod.def.type)) {
    optional = optional || s._zod.def.type === 'optional';
    s = s._zod.def.innerType;
    description = description ?? s.description;
  }
  return { def: s._zod.def, optional, description: description ?? s.description };
}

function typeOf(def: any): string {
  switch (def.type) {
    case 'enum': return Object.values(def.entries).map((v) => `\`${v}\``).join(' \\| ');
    case 'record': return 'map';
    case 'array': return 'list';
    default: return def.type;
  }
}

function valueText(value: unknown, optional: boolean, field: string): string {
  if (field === 'namespace') return '`superset-<environment>`';
  if (value === undefined) return optional ? '(unset)' : '';
  const json = JSON.stringify(value);
  return `\`${json.length > 60 ? `${json.slice(0, 57)}...` : json}\``;
}

function rows(schema: any, defaults: any, prefix: string, out: string[]): void {
  const { def } = unwrap(schema);
  for (const [key, child] of Object.entries<any>(def.shape)) {
    const field = prefix ? `${prefix}.${key}` : key;
    const { def: childDef, optional, description } = unwrap(child);
    const value = defaults?.[key];
    if (prefix !== '' && (key === 'scheduling' || key === 'pod')) {
      // The same shape on every component: documented once, in the pod-settings table.
      out.push(`| \`${field}\` | object | \`{}\` | ${description ?? ''}; fields: [pod and scheduling settings](#pod-and-scheduling-settings) |`);
    } else if (KUBERNETES_SHAPED.includes(key)) {
      // Written as in a pod spec: one row, the Kubernetes API reference has the fields.
      out.push(`| \`${field}\` | ${typeOf(childDef)} | ${valueText(value, optional, field)} | ${description ?? ''} |`);
    } else if (childDef.type === 'object') {
      rows(child, value, field, out);
    } else if (field === 'superset.workers') {
      for (const [queue, q] of Object.entries<any>(value)) rows(childDef.valueType, q, `${field}.${queue}`, out);
      out.push(`| \`${field}.<queue>\` | object | (template) | ${description} ; a new queue starts from the reports-like template in lib/superset/defaults.ts |`);
    } else {
      out.push(`| \`${field}\` | ${typeOf(childDef)} | ${valueText(value, optional, field)} | ${description ?? ''} |`);
      // A list of objects: the fields of one entry, as <list>[].<field>.
      const element = childDef.type === 'array' ? unwrap(childDef.element) : undefined;
      if (element?.def.type === 'object') rows(childDef.element, undefined, `${field}[]`, out);
    }
  }
}

/** Settings written in the Kubernetes shape, documented as one row each. */
const KUBERNETES_SHAPED = ['affinity', 'tolerations'];

export function configReference(): string {
  const out = ['| field | type | default | meaning |', '|---|---|---|---|'];
  rows(platformSchema, DEFAULTS, '', out);
  return out.join('\n');
}

/** The fields of every component's `scheduling` and `pod` (one table instead of one per component). */
export function podReference(): string {
  const out = ['| field | type | meaning |', '|---|---|---|'];
  const list = (schema: any, prefix: string) => {
    for (const [key, child] of Object.entries<any>(unwrap(schema).def.shape)) {
      if (key === 'hostPath') continue; // accepted only to be refused with the Pod Security rule
      const { def, description } = unwrap(child);
      out.push(`| \`${prefix}.${key}\` | ${typeOf(def)} | ${description ?? ''} |`);
    }
  };
  list(schedulingOverrideSchema, '<component>.scheduling');
  list(supersetPodSchema, '<component>.pod');
  const item = (schema: any, prefix: string) => {
    for (const [key, child] of Object.entries<any>(unwrap(schema).def.shape)) {
      if (key === 'hostPath') continue;
      const { def, description } = unwrap(child);
      out.push(`| \`${prefix}.${key}\` | ${typeOf(def)} | ${description ?? ''} |`);
    }
  };
  item(extraContainerSchema, '<component>.pod.sidecars[]');
  item(volumeSchema, '<component>.pod.volumes[]');
  item(envVarSchema, '<component>.pod.env[]');
  return out.join('\n');
}

export function secretsTable(): string {
  // Every optional Secret too: async queries on, and one OAuth provider standing for each configured one.
  const provider = { name: '<provider>', serverMetadataUrl: '', scope: '', icon: '' };
  const config: PlatformConfig = {
    ...DEFAULTS,
    superset: {
      ...DEFAULTS.superset,
      asyncQueries: { ...DEFAULTS.superset.asyncQueries, enabled: true },
      auth: { type: 'oauth', oauth: { ...DEFAULTS.superset.auth.oauth, providers: [provider] } },
    },
  };
  return [
    '| Secret (default name; config key) | key | env var or file | what it is | generate with |',
    '|---|---|---|---|---|',
    ...allSecretRefs(config, { allOptional: true }).map((r) => {
      const configKey = Object.entries(config.secrets).find(([, name]) => name === r.secretName)?.[0];
      const where = r.configField ?? (configKey ? `secrets.${configKey}` : 'superset.auth.oauth.secretName');
      return `| \`${r.secretName}\` (\`${where}\`) | \`${r.key}\` | ${r.envVar ? `\`${r.envVar}\`` : r.file ? `file \`${r.file}\` (Secret volume)` : '(none: mounted by the ingress controller)'} | ${r.description} | \`${r.generate}\` |`;
    }),
  ].join('\n');
}

/** Replaces the text between `<!-- begin:NAME -->` and `<!-- end:NAME -->` of `file`. */
export function fillSection(text: string, name: string, body: string, file = 'the document'): string {
  const begin = `<!-- begin:${name} (generated by npm run docs) -->`;
  const end = `<!-- end:${name} -->`;
  const start = text.indexOf(begin);
  const stop = text.indexOf(end);
  if (start === -1 || stop === -1) throw new Error(`${file} has no ${begin} ... ${end} section`);
  return `${text.slice(0, start + begin.length)}\n${body}\n${text.slice(stop)}`;
}

/** The connection budget of every environment at its peak (the same tables `npm run capacity` prints). */
export function budgetTables(): string {
  return Object.keys(ENVIRONMENTS).map((name) => capacityReport(name).text.replace(/^## /, '### ')).join('\n\n');
}

/** Every generated section, by the document (relative to the repository root) that holds it. */
export const GENERATED_SECTIONS: ReadonlyArray<{ readonly file: string; readonly section: string; readonly body: () => string }> = [
  { file: 'docs/configuration.md', section: 'config-reference', body: configReference },
  { file: 'docs/configuration.md', section: 'pod-reference', body: podReference },
  { file: 'docs/secrets.md', section: 'secrets', body: secretsTable },
  { file: 'docs/database.md', section: 'connection-budget', body: budgetTables },
];

/** The text of `file` with its generated sections filled in. */
export function renderGenerated(file: string, text: string): string {
  return GENERATED_SECTIONS.filter((g) => g.file === file).reduce((out, g) => fillSection(out, g.section, g.body(), file), text);
}

if (require.main === module) {
  for (const file of [...new Set(GENERATED_SECTIONS.map((g) => g.file))]) {
    const full = path.join(ROOT, file);
    fs.writeFileSync(full, renderGenerated(file, fs.readFileSync(full, 'utf8')));
  }
  console.log(`regenerated: ${GENERATED_SECTIONS.map((g) => `${g.file} (${g.section})`).join(', ')}`);
}
