import { pinnedImages } from '../policy/rules/pinned-images';
import { noSecretLiterals } from '../policy/rules/no-secret-literals';
import { cpuToMillis, memoryToBytes } from '../config/quantity';
import { AuditContext, envOf, secretFileOf } from './evidence';
import { EvidenceValue, placeholdersIn, placeholdersOf } from './placeholders';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The 25-point Superset production checklist, each point with the evidence that satisfies it: an
// object and field in the manifests, or a document section (docs/SECURITY.md, UPGRADE.md, RUNBOOK.md).
// A point passes only when the manifests prove it; a point that only a document can cover is
// "documented" and counted apart; evidence that names a placeholder (a reserved example domain)
// proves nothing and fails its point.

/** pass: proved by the manifests. documented: a document covers it (not verifiable here). */
export type AuditStatus = 'pass' | 'fail' | 'documented';

export interface AuditResult {
  readonly status: AuditStatus;
  /** Where the evidence is (object and field, or document section), or what is missing. */
  readonly evidence: readonly string[];
}

export interface AuditPoint {
  readonly n: number;
  readonly area: 'security' | 'performance' | 'backups' | 'monitoring' | 'compliance' | 'operations';
  readonly point: string;
  /** Checkable: found in the manifests. Procedural: a document must cover it. */
  readonly kind: 'checkable' | 'procedural';
  check(ctx: AuditContext): AuditResult;
}

/** A point as written below: its check, and the values its evidence rests on (scanned for placeholders). */
interface PointDefinition extends AuditPoint {
  evidenceValues?(ctx: AuditContext): EvidenceValue[];
}

const pass = (...evidence: string[]): AuditResult => ({ status: 'pass', evidence });
const fail = (...evidence: string[]): AuditResult => ({ status: 'fail', evidence });

/** All conditions must hold; the evidence lists each, prefixed with "missing:" when it fails. */
function allOf(...conditions: Array<[boolean, string]>): AuditResult {
  const failed = conditions.filter(([ok]) => !ok);
  return failed.length === 0 ? pass(...conditions.map(([, e]) => e)) : fail(...failed.map(([, e]) => `missing: ${e}`));
}

/** A procedural point is covered when its document has the named section. */
function documented(ctx: AuditContext, doc: string, heading: string): AuditResult {
  const d = ctx.doc(doc);
  if (!d) return fail(`missing: ${doc}`);
  const found = d.headings.find((h) => h.includes(heading.toLowerCase()));
  return found ? { status: 'documented', evidence: [`${doc} § ${found}`] } : fail(`missing: a "${heading}" section in ${doc}`);
}

/** A document section as one condition of a checkable point. */
function documentedCondition(ctx: AuditContext, doc: string, heading: string, label: string): [boolean, string] {
  const d = documented(ctx, doc, heading);
  return d.status === 'fail' ? [false, d.evidence[0].replace(/^missing: /, '')] : [true, `${label}: ${d.evidence[0]}`];
}

const web = (ctx: AuditContext) => ctx.named('Deployment', 'superset-web');
const webContainer = (ctx: AuditContext) => web(ctx)?.spec.template.spec.containers[0];
const isTrue = (v: unknown) => typeof v === 'string' && ['true', 'yes', '1'].includes(v.toLowerCase());

function annotation(o: any, suffix: string): string | undefined {
  const entry = Object.entries<string>(o.metadata.annotations ?? {}).find(([k]) => k.endsWith(suffix));
  return entry?.[1];
}

function cronJobs(ctx: AuditContext, pattern: RegExp): any[] {
  return ctx.ofKind('CronJob').filter((c) => pattern.test(c.metadata.name));
}

function cronEnv(cron: any): Array<{ name: string; value?: string; valueFrom?: unknown }> {
  return cron.spec.jobTemplate.spec.template.spec.containers.flatMap((c: any) => c.env ?? []);
}

/** The images and literal env values of a CronJob's containers (init containers too). */
function cronValues(cron: any): EvidenceValue[] {
  if (!cron) return [];
  const spec = cron.spec.jobTemplate.spec.template.spec;
  return [...(spec.initContainers ?? []), ...spec.containers].flatMap((c: any) => [
    { at: `CronJob ${cron.metadata.name} container ${c.name} image`, value: c.image as string },
    ...(c.env ?? []).filter((e: any) => typeof e.value === 'string').map((e: any) => ({ at: `CronJob ${cron.metadata.name} env ${e.name}`, value: e.value as string })),
  ]);
}

/** The literal env values of the Patroni StatefulSet that configure WAL archiving. */
function walValues(ctx: AuditContext): EvidenceValue[] {
  const sts = ctx.labelled('StatefulSet', 'postgres', 'patroni')[0];
  if (!sts) return [];
  return sts.spec.template.spec.containers.flatMap((c: any) => (c.env ?? [])
    .filter((e: any) => /^(WALG_|WALE_|AWS_|WAL_)/.test(e.name) && typeof e.value === 'string')
    .map((e: any) => ({ at: `StatefulSet ${sts.metadata.name} env ${e.name}`, value: e.value as string })));
}

const POINTS: readonly PointDefinition[] = [
  {
    n: 1, area: 'security', point: 'strong secret key (42+ chars), never in Git', kind: 'checkable',
    check: (ctx) => {
      const file = secretFileOf(web(ctx)?.spec.template.spec, 'SUPERSET_SECRET_KEY');
      const inEnv = webContainer(ctx) && envOf(webContainer(ctx), 'SUPERSET_SECRET_KEY');
      return allOf(
        [/_secret\("SUPERSET_SECRET_KEY"\)/.test(ctx.pySetting('SECRET_KEY') ?? ''), 'ConfigMap superset-config: SECRET_KEY = _secret("SUPERSET_SECRET_KEY") (a file, never an env var)'],
        [/if len\(SECRET_KEY\.encode\(\)\) < 32:/.test(ctx.supersetConfig), 'ConfigMap superset-config: a SECRET_KEY shorter than 32 bytes stops the process at start'],
        [!!file && !inEnv, `Deployment superset-web: SUPERSET_SECRET_KEY is a file from ${file ?? 'no Secret'}, not an env var (docs/secrets.md: generate with openssl rand -base64 42)`],
        [noSecretLiterals.check(ctx.objects).length === 0, 'no secret literal anywhere in the manifests (policy no-secret-literals)'],
      );
    },
  },
  {
    n: 2, area: 'security', point: 'HTTPS mandatory, HTTP redirects, HSTS max-age >= 1 year, includeSubDomains', kind: 'checkable',
    check: (ctx) => {
      const ingress = ctx.ofKind('Ingress')[0];
      if (ingress) {
        const maxAge = Number(annotation(ingress, 'hsts-max-age') ?? 0);
        return allOf(
          [(ingress.spec.tls ?? []).length > 0, `Ingress ${ingress.metadata.name}: spec.tls`],
          [isTrue(annotation(ingress, 'ssl-redirect') ?? annotation(ingress, 'redirect-to-https') ?? ''), `Ingress ${ingress.metadata.name}: HTTPS redirect annotation`],
          [maxAge >= 31536000, `Ingress ${ingress.metadata.name}: hsts-max-age ${maxAge} >= 31536000`],
          [isTrue(annotation(ingress, 'hsts-include-subdomains') ?? ''), `Ingress ${ingress.metadata.name}: hsts-include-subdomains`],
        );
      }
      const routes = ctx.ofKind('HTTPRoute');
      if (routes.length === 0) return fail('missing: an Ingress or HTTPRoute for superset-web');
      const filters = routes.flatMap((r) => (r.spec.rules ?? []).flatMap((rule: any) => (rule.filters ?? []).map((f: any) => ({ route: r.metadata.name, f }))));
      const hsts = filters.flatMap(({ route, f }) => (f.responseHeaderModifier?.set ?? []).filter((h: any) => h.name === 'Strict-Transport-Security').map((h: any) => ({ route, value: h.value as string })))[0];
      const maxAge = Number(/max-age=(\d+)/.exec(hsts?.value ?? '')?.[1] ?? 0);
      const redirect = filters.find(({ f }) => f.requestRedirect?.scheme === 'https');
      return allOf(
        [!!redirect, `HTTPRoute ${redirect?.route ?? '(redirect)'}: RequestRedirect to https (TLS terminates on the Gateway)`],
        [maxAge >= 31536000, `HTTPRoute ${hsts?.route ?? '(main)'}: Strict-Transport-Security max-age ${maxAge} >= 31536000`],
        [/includeSubDomains/.test(hsts?.value ?? ''), 'HSTS includeSubDomains'],
      );
    },
    evidenceValues: (ctx) => [
      ...ctx.ofKind('Ingress').flatMap((i) => [...(i.spec.rules ?? []).map((r: any) => r.host), ...(i.spec.tls ?? []).flatMap((t: any) => t.hosts ?? [])]
        .map((host: string) => ({ at: `Ingress ${i.metadata.name} host`, value: host }))),
      ...ctx.ofKind('HTTPRoute').flatMap((r) => (r.spec.hostnames ?? []).map((host: string) => ({ at: `HTTPRoute ${r.metadata.name} hostname`, value: host }))),
    ],
  },
  {
    n: 3, area: 'security', point: 'no default admin/admin', kind: 'checkable',
    check: (ctx) => {
      const offenders = ctx.containers().filter(({ container }) =>
        /create-admin[^;&|]*--password\s+\S/.test([...(container.command ?? []), ...(container.args ?? [])].join(' ')) ||
        (container.env ?? []).some((e: any) => /ADMIN.*PASS/i.test(e.name) && e.value !== undefined));
      return offenders.length === 0
        ? pass('no container creates an admin with a password literal; no ADMIN*PASSWORD literal env')
        : fail(...offenders.map((o) => `admin password literal in ${o.at}`));
    },
  },
  {
    n: 4, area: 'security', point: 'SSO (OIDC/SAML) with a configured provider', kind: 'checkable',
    check: (ctx) => {
      const authType = (ctx.pySetting('AUTH_TYPE') ?? '').split('\n')[0];
      const providers = ctx.pySetting('OAUTH_PROVIDERS') ?? '';
      const urls = [...providers.matchAll(/"server_metadata_url": "([^"]+)"/g)].map((m) => m[1]);
      const secretsFromEnv = /"client_secret": _secret\(/.test(providers) && !/"client_secret": "/.test(providers);
      if (authType !== 'AUTH_OAUTH') {
        return fail(`missing: an OIDC provider: ConfigMap superset-config has AUTH_TYPE = ${authType || '(unset)'}, users log in with local accounts (set superset.auth.type "oauth" with a provider)`);
      }
      return allOf(
        [true, 'ConfigMap superset-config: AUTH_TYPE = AUTH_OAUTH'],
        [urls.length > 0, `OAUTH_PROVIDERS: ${urls.length} OIDC provider(s) with a discovery URL (${urls.join(', ')})`],
        [secretsFromEnv, 'OAUTH_PROVIDERS client secrets read from Secret files, never literals'],
      );
    },
    evidenceValues: (ctx) => [...(ctx.pySetting('OAUTH_PROVIDERS') ?? '').matchAll(/"server_metadata_url": "([^"]+)"/g)]
      .map((m) => ({ at: 'ConfigMap superset-config OAUTH_PROVIDERS server_metadata_url', value: m[1] })),
  },
  {
    n: 5, area: 'security', point: 'secure cookies: HttpOnly, Secure, SameSite=Lax, CSRF on', kind: 'checkable',
    check: (ctx) => allOf(
      [ctx.pySetting('SESSION_COOKIE_SECURE') === 'True', 'SESSION_COOKIE_SECURE = True'],
      [ctx.pySetting('SESSION_COOKIE_HTTPONLY') === 'True', 'SESSION_COOKIE_HTTPONLY = True'],
      [ctx.pySetting('SESSION_COOKIE_SAMESITE') === '"Lax"', 'SESSION_COOKIE_SAMESITE = "Lax"'],
      [ctx.pySetting('WTF_CSRF_ENABLED') === 'True', 'WTF_CSRF_ENABLED = True'],
      // Superset 6.1's "securing Superset" guide: short sessions, server-side so logout revokes.
      [/^timedelta\(hours=\d+\)$/.test(ctx.pySetting('PERMANENT_SESSION_LIFETIME') ?? ''), `PERMANENT_SESSION_LIFETIME = ${ctx.pySetting('PERMANENT_SESSION_LIFETIME') ?? '(unset: 31 days)'}`],
      [ctx.pySetting('SESSION_SERVER_SIDE') === 'True' && ctx.pySetting('SESSION_TYPE') === '"redis"', 'SESSION_SERVER_SIDE = True, SESSION_TYPE = "redis" (logout deletes the session)'],
      [ctx.pySetting('AUTH_RATE_LIMITED') === 'True' && /per (minute|hour)"$/.test(ctx.pySetting('AUTH_RATE_LIMIT') ?? ''), `AUTH_RATE_LIMIT = ${ctx.pySetting('AUTH_RATE_LIMIT') ?? '(unset)'} per client address`],
      [/"x_prefix": 0/.test(ctx.pySetting('PROXY_FIX_CONFIG') ?? ''), 'PROXY_FIX_CONFIG x_prefix = 0 (X-Forwarded-Prefix never trusted)'],
    ),
  },
  {
    n: 6, area: 'security', point: 'CSP via Talisman', kind: 'checkable',
    check: (ctx) => allOf(
      [ctx.pySetting('TALISMAN_ENABLED') === 'True', 'ConfigMap superset-config: TALISMAN_ENABLED = True'],
      [/content_security_policy/.test(ctx.pySetting('TALISMAN_CONFIG') ?? ''), 'ConfigMap superset-config: TALISMAN_CONFIG with content_security_policy'],
    ),
  },
  {
    n: 7, area: 'security', point: 'row-level security for multi-tenant data', kind: 'procedural',
    check: (ctx) => documented(ctx, 'docs/SECURITY.md', 'row-level security'),
  },
  {
    n: 8, area: 'security', point: 'default roles audited, public role off', kind: 'checkable',
    check: (ctx) => allOf(
      [ctx.pySetting('PUBLIC_ROLE_LIKE') === undefined, 'ConfigMap superset-config: PUBLIC_ROLE_LIKE unset (public role has no permissions)'],
      documentedCondition(ctx, 'docs/SECURITY.md', 'roles', 'role audit'),
    ),
  },
  {
    n: 9, area: 'performance', point: 'Redis cache configured (5-60 min TTL)', kind: 'checkable',
    check: (ctx) => {
      const ttl = (name: string) => Number(/"CACHE_DEFAULT_TIMEOUT": (\d+)/.exec(ctx.pySetting(name) ?? '')?.[1] ?? 0);
      const redis = (name: string) => /"CACHE_TYPE": "Redis/.test(ctx.pySetting(name) ?? '');
      return allOf(
        [redis('CACHE_CONFIG') && ttl('CACHE_CONFIG') >= 300 && ttl('CACHE_CONFIG') <= 3600, `CACHE_CONFIG on Redis, TTL ${ttl('CACHE_CONFIG')} s`],
        [redis('DATA_CACHE_CONFIG') && ttl('DATA_CACHE_CONFIG') >= 300 && ttl('DATA_CACHE_CONFIG') <= 3600, `DATA_CACHE_CONFIG on Redis, TTL ${ttl('DATA_CACHE_CONFIG')} s`],
        // Our Redis Cluster, or a managed Redis (redis.cache.mode "external") the caches name instead.
        ctx.named('Service', 'redis-cache')
          ? [true, 'Service redis-cache (the Redis Cluster the caches use)']
          : [/"CACHE_REDIS_(CLUSTER|HOST)": "(?!redis-cache[":])[^"]+"/.test(ctx.pySetting('CACHE_CONFIG') ?? ''), 'CACHE_CONFIG names the managed Redis of redis.cache.external'],
      );
    },
  },
  {
    n: 10, area: 'performance', point: 'Celery workers sized (about 1 per 50 concurrent users), webserver timeout ~300 s', kind: 'checkable',
    check: (ctx) => {
      const workers = ctx.ofKind('Deployment').filter((d) => d.metadata.name.startsWith('superset-worker-'));
      const processes = workers.map((w) => {
        const hpa = ctx.named('HorizontalPodAutoscaler', w.metadata.name);
        const max = hpa?.spec.maxReplicas ?? w.spec.replicas ?? 1;
        const concurrency = Number(/--concurrency=(\d+)/.exec(w.spec.template.spec.containers[0].command.join(' '))?.[1] ?? 1);
        return { name: w.metadata.name, max, concurrency };
      });
      const total = processes.reduce((s, p) => s + p.max * p.concurrency, 0);
      const timeout = Number(ctx.pySetting('SUPERSET_WEBSERVER_TIMEOUT') ?? 0);
      return allOf(
        [workers.length >= 2, `${workers.length} worker queues (${processes.map((p) => `${p.name}: up to ${p.max} x ${p.concurrency}`).join(', ')}): ${total} processes, ~${total * 50} concurrent users`],
        [timeout >= 300, `SUPERSET_WEBSERVER_TIMEOUT = ${timeout} s (and gunicorn GUNICORN_TIMEOUT = ${envOf(webContainer(ctx) ?? {}, 'GUNICORN_TIMEOUT')?.value})`],
      );
    },
  },
  {
    n: 11, area: 'performance', point: 'metadata Postgres sized (2 vCPU / 4 GB for ~200 users; version 14+)', kind: 'checkable',
    check: (ctx) => {
      const sts = ctx.labelled('StatefulSet', 'postgres', 'patroni')[0];
      if (!sts) return fail('missing: a PostgreSQL (Patroni) StatefulSet');
      const c = sts.spec.template.spec.containers[0];
      const req = c.resources?.requests ?? {};
      // The binaries Patroni runs (bin_dir in patroni.yml), else the env or the image name.
      const binDir = ctx.ofKind('ConfigMap').map((cm) => Object.values<string>(cm.data ?? {}).join('\n')).join('\n');
      const pgVersion = Number(/\/usr\/lib\/postgresql\/(\d+)\/bin/.exec(binDir)?.[1] ?? envOf(c, 'PGVERSION')?.value ?? /(?:postgres|pg|spilo)[-:]?(\d{2})/.exec(c.image)?.[1] ?? 0);
      return allOf(
        [cpuToMillis(String(req.cpu ?? '0')) >= 2000 && memoryToBytes(String(req.memory ?? '0Mi')) >= 4 * 2 ** 30, `StatefulSet ${sts.metadata.name}: requests ${req.cpu} CPU / ${req.memory}`],
        [pgVersion >= 14, `PostgreSQL ${pgVersion || 'version unknown'} (>= 14)`],
      );
    },
  },
  {
    n: 12, area: 'performance', point: 'connection pooling', kind: 'checkable',
    check: (ctx) => allOf(
      [ctx.labelled('Deployment', 'pgbouncer').length > 0, 'Deployment pgbouncer'],
      [envOf(webContainer(ctx) ?? {}, 'DATABASE_HOST')?.value === 'pgbouncer', 'Deployment superset-web connects through pgbouncer (DATABASE_HOST)'],
      [/pool_size/.test(ctx.pySetting('SQLALCHEMY_ENGINE_OPTIONS') ?? ''), 'ConfigMap superset-config: SQLALCHEMY_ENGINE_OPTIONS with pool_size'],
    ),
  },
  {
    n: 13, area: 'performance', point: 'async queries (GLOBAL_ASYNC_QUERIES) beyond ~50 users', kind: 'checkable',
    check: (ctx) => {
      const jwt = secretFileOf(web(ctx)?.spec.template.spec, 'GLOBAL_ASYNC_QUERIES_JWT_SECRET');
      return allOf(
        [/"GLOBAL_ASYNC_QUERIES": True/.test(ctx.pySetting('FEATURE_FLAGS') ?? ''), 'FEATURE_FLAGS GLOBAL_ASYNC_QUERIES = True'],
        [!!jwt, `GLOBAL_ASYNC_QUERIES_JWT_SECRET from ${jwt ?? 'no Secret file'}`],
      );
    },
  },
  {
    n: 14, area: 'backups', point: 'automated daily backups + WAL for PITR, 30-day retention, quarterly restore test', kind: 'checkable',
    check: (ctx) => {
      const backup = cronJobs(ctx, /backup/)[0];
      const restore = cronJobs(ctx, /restore/)[0];
      const sts = ctx.labelled('StatefulSet', 'postgres', 'patroni')[0];
      const walArchiving = !!sts && sts.spec.template.spec.containers.some((c: any) => (c.env ?? []).some((e: any) => /^(WALG_|WALE_|USE_WALG|WAL_S3)/.test(e.name)));
      const retention = backup ? Number(cronEnv(backup).find((e) => /RETENTION_DAYS/.test(e.name))?.value ?? 0) : 0;
      return allOf(
        [!!backup && /^\S+ \S+ \* \* \*$/.test(backup.spec.schedule), `CronJob ${backup?.metadata.name ?? 'backup'}: daily schedule ${backup?.spec.schedule ?? ''}`],
        [retention >= 30, `backup retention ${retention} days >= 30`],
        [walArchiving, 'continuous WAL archiving configured on the Patroni StatefulSet'],
        [!!restore, `CronJob ${restore?.metadata.name ?? 'restore-check'}: scheduled restore test`],
      );
    },
    evidenceValues: (ctx) => [...cronValues(cronJobs(ctx, /backup/)[0]), ...cronValues(cronJobs(ctx, /restore/)[0]), ...walValues(ctx)],
  },
  {
    n: 15, area: 'backups', point: 'off-site copy', kind: 'checkable',
    check: (ctx) => {
      const backup = cronJobs(ctx, /backup/)[0];
      const restore = cronJobs(ctx, /restore/)[0];
      const target = backup && cronEnv(backup).find((e) => /(S3_BUCKET|BUCKET)$/.test(e.name));
      if (!target) return fail('missing: a backup CronJob uploading to object storage');
      // An off-site copy is only as safe as its keys: encrypted, signed, read back with another key.
      const has = (name: string) => cronEnv(backup).some((e) => e.name === name);
      // A job's identity toward the bucket: its access key's Secret, or (web identity) the role it
      // assumes and the ServiceAccount whose token it presents (the role's trust policy names it).
      const identity = (cron: any): { text: string; parts: string[] } | undefined => {
        const secret = (cronEnv(cron).find((e) => e.name === 'AWS_ACCESS_KEY_ID')?.valueFrom as any)?.secretKeyRef?.name as string | undefined;
        if (secret) return { text: `its own access key (Secret ${secret}, read-only by bucket policy)`, parts: [secret] };
        const role = cronEnv(cron).find((e) => e.name === 'AWS_ROLE_ARN')?.value;
        const account = cron.spec.jobTemplate.spec.template.spec.serviceAccountName as string | undefined;
        return role && account ? { text: `its own role (${role}, read-only by its policy) as its own ServiceAccount ${account}`, parts: [role, account] } : undefined;
      };
      const readId = restore ? identity(restore) : undefined;
      const writeId = identity(backup);
      const separate = !!readId && !!writeId && readId.parts.every((p) => !writeId.parts.includes(p));
      return allOf(
        [true, `CronJob ${backup.metadata.name}: uploads to object storage (${target.name})`],
        [has('BACKUP_AGE_RECIPIENT_FILE'), 'dumps encrypted client-side before upload (age, BACKUP_AGE_RECIPIENT_FILE)'],
        [has('BACKUP_SIGNING_KEY_FILE'), 'checksums signed with a key only the uploader holds (BACKUP_SIGNING_KEY_FILE)'],
        [!restore || separate, `restore check reads with ${readId?.text ?? 'no identity of its own'}, not the writing one`],
      );
    },
    evidenceValues: (ctx) => cronValues(cronJobs(ctx, /backup/)[0]),
  },
  {
    n: 16, area: 'backups', point: 'disaster-recovery plan, target RTO 4 h', kind: 'procedural',
    check: (ctx) => documented(ctx, 'docs/RUNBOOK.md', 'restore'),
  },
  {
    n: 17, area: 'backups', point: 'critical dashboards exported as YAML and versioned in Git', kind: 'checkable',
    check: (ctx) => {
      const cron = cronJobs(ctx, /dashboard-export/)[0];
      return cron ? pass(`CronJob ${cron.metadata.name}: schedule ${cron.spec.schedule}`) : fail('missing: a dashboard-export CronJob');
    },
    evidenceValues: (ctx) => cronValues(cronJobs(ctx, /dashboard-export/)[0]),
  },
  {
    n: 18, area: 'monitoring', point: 'centralized logs (web, workers, Postgres)', kind: 'checkable',
    check: (ctx) => {
      const fileLogs = ctx.containers().filter(({ container }) => (container.env ?? []).some((e: any) => /LOG_FILE$/.test(e.name) && e.value && e.value !== '-'));
      return allOf(
        [fileLogs.length === 0, 'every container logs to stdout/stderr (no *_LOG_FILE pointing at a file; gunicorn access log "-")'],
        [ctx.pySetting('LOG_LEVEL') !== undefined, `ConfigMap superset-config: LOG_LEVEL = ${ctx.pySetting('LOG_LEVEL')}`],
        [ctx.pySetting('ENABLE_TIME_ROTATE') !== 'True', 'no rotating log files inside containers'],
      );
    },
  },
  {
    n: 19, area: 'monitoring', point: 'Prometheus metrics: p95 response, error rate, Celery queue', kind: 'checkable',
    check: (ctx) => {
      const monitors = [...ctx.ofKind('ServiceMonitor'), ...ctx.ofKind('PodMonitor')];
      return monitors.length > 0 ? pass(...monitors.map((m) => `${m.kind} ${m.metadata.name}`)) : fail('missing: ServiceMonitors for Superset, PgBouncer, Redis and Postgres');
    },
  },
  {
    n: 20, area: 'monitoring', point: 'alerts: CPU 99 % for 5 min, 5xx > 5 %, backup failure', kind: 'checkable',
    check: (ctx) => {
      const alerts = ctx.ofKind('PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules.map((x: any) => x.alert).filter(Boolean)));
      const has = (re: RegExp) => alerts.some((a: string) => re.test(a));
      return allOf(
        [has(/cpu/i), 'an alert on CPU saturation'],
        [has(/5xx|error/i), 'an alert on the 5xx rate'],
        [has(/backup/i), 'an alert on backup failure or age'],
      );
    },
  },
  {
    n: 21, area: 'monitoring', point: 'synthetic monitoring of /health every 60 s from outside', kind: 'procedural',
    check: (ctx) => {
      const probe = ctx.ofKind('Probe')[0];
      return probe ? pass(`Probe ${probe.metadata.name}`) : documented(ctx, 'docs/RUNBOOK.md', 'synthetic monitoring');
    },
  },
  {
    n: 22, area: 'compliance', point: 'audit trail of logins and queries', kind: 'procedural',
    check: (ctx) => documented(ctx, 'docs/SECURITY.md', 'audit trail'),
  },
  {
    n: 23, area: 'compliance', point: 'GDPR (DPA, processing register, erasure procedure)', kind: 'procedural',
    check: (ctx) => documented(ctx, 'docs/SECURITY.md', 'gdpr'),
  },
  {
    n: 24, area: 'operations', point: 'incident runbook (restart, clear cache, emergency admin)', kind: 'procedural',
    check: (ctx) => documented(ctx, 'docs/RUNBOOK.md', 'emergency admin'),
  },
  {
    n: 25, area: 'operations', point: 'update procedure (cadence, staging test, rollback) + pinned image versions', kind: 'checkable',
    check: (ctx) => allOf(
      [pinnedImages.check(ctx.objects).length === 0, 'every image pinned with an explicit pull policy (policy pinned-images)'],
      documentedCondition(ctx, 'docs/UPGRADE.md', 'rollback', 'update procedure'),
    ),
    evidenceValues: (ctx) => ctx.containers().map(({ at, container }) => ({ at: `${at} image`, value: container.image as string })),
  },
];

/** A point's check with its placeholder scan: evidence naming a placeholder fails the point. */
function withPlaceholders(p: PointDefinition): AuditPoint {
  const { evidenceValues, ...point } = p;
  return {
    ...point,
    check(ctx) {
      const result = p.check(ctx);
      const found = evidenceValues ? placeholdersIn(evidenceValues(ctx)) : [];
      if (found.length === 0) return result;
      return fail(...found.map((f) => `placeholder: ${f}: a reserved example domain proves nothing, set the real one`), ...result.evidence.filter((e) => e.startsWith('missing:')));
    },
  };
}

export const CHECKLIST: readonly AuditPoint[] = POINTS.map(withPlaceholders);

export interface AuditReport {
  readonly environment: string;
  readonly results: ReadonlyArray<AuditPoint & AuditResult>;
  /** Checkable points proved by the manifests, of all checkable points. */
  readonly checkable: { readonly passed: number; readonly total: number };
  /** Procedural points covered by a document (or proved by an object, such as a Probe), of all procedural points. */
  readonly procedural: { readonly covered: number; readonly total: number };
  /** Every value in the manifests that names a placeholder (reserved example domain). */
  readonly placeholders: readonly string[];
  /** Points passed or covered by their document, out of 25 (the vendors' scale). */
  readonly score: number;
  readonly band: string;
}

export function bandOf(score: number): string {
  if (score >= 24) return 'exemplary';
  if (score >= 19) return 'solid production';
  if (score >= 11) return 'internal use only';
  return 'proof of concept';
}

export function runAudit(ctx: AuditContext): AuditReport {
  const results = CHECKLIST.map((p) => ({ ...p, ...p.check(ctx) }));
  const of = (kind: AuditPoint['kind']) => results.filter((r) => r.kind === kind);
  const checkable = { passed: of('checkable').filter((r) => r.status === 'pass').length, total: of('checkable').length };
  const procedural = { covered: of('procedural').filter((r) => r.status !== 'fail').length, total: of('procedural').length };
  const score = checkable.passed + procedural.covered;
  return { environment: ctx.environment, results, checkable, procedural, placeholders: placeholdersOf(ctx.objects), score, band: bandOf(score) };
}

/** --strict: a checkable point that fails, or any placeholder, is an error. */
export function strictFailures(report: AuditReport): string[] {
  return [
    ...report.results.filter((r) => r.kind === 'checkable' && r.status === 'fail').map((r) => `point ${r.n} fails`),
    ...report.placeholders.map((p) => `placeholder ${p}`),
  ];
}
