import { randomBytes } from 'node:crypto';
import { synthesizedVariant } from '../../scenarios/variant';
import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import type { ImageStandIn } from '../contracts';
import { DebianImageStandIns, REPO_ROOT } from './debian-image-stand-ins';
import { manifestImages } from './manifest-images';
import { runCommand } from './run-command';
import { makeNetns, makeScratch, removeScratch, runContainer, startContainer, type ContainerOptions, type RunningContainer } from './test-container';
import { REDIS_CACHE_APP_USER } from '../../../../lib/redis/endpoints';

// Builds every root the manifests need, then runs each image's main program from its root
// (read-only, as the manifest's uid, PID 1 in bubblewrap), and the Superset stand-in with
// dist/dev's generated superset_config.py against real PostgreSQL, PgBouncer, a Valkey queue
// and a Redis Cluster of three Valkey nodes, all on 127.0.0.x in a network namespace of its own.
//
//   npm run test:e2e -- test/e2e/harness/images      (root)

/* eslint-disable @typescript-eslint/no-explicit-any */

const IMAGES = [...new Set([...manifestImages(join(REPO_ROOT, 'dist/dev')), ...manifestImages(join(REPO_ROOT, 'dist/prod'))])];
const byRepo = (fragment: string) => IMAGES.find((i) => i.includes(fragment))!;

const standIns = new DebianImageStandIns();
let scratch = '';
let netns: { name: string; remove: () => Promise<void> };
const running: RunningContainer[] = [];

// Addresses inside the test's network namespace (its own loopback: nothing else listens there).
const HOSTS = ['127.0.0.1 localhost', '127.0.0.2 redis-cache', '127.0.0.5 redis-queue', '127.0.0.6 postgres pgbouncer'].join('\n') + '\n';
const CLUSTER = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
const secret = () => randomBytes(16).toString('hex');
const SECRETS: Record<string, string> = {
  'superset-app/secret-key': secret(),
  'superset-app/async-queries-jwt-secret': secret(),
  'superset-database/password': secret(),
  'redis-cache-auth/password': secret(),
  'redis-queue-auth/password': secret(),
  'redis-queue-auth/exporter-password': secret(),
  'pgbouncer-auth/stats-password': secret(),
  'postgres-wal-archive/access-key-id': `AKID${secret().slice(0, 12).toUpperCase()}`,
  'postgres-wal-archive/secret-access-key': secret(),
};

function standIn(fragment: string): ImageStandIn {
  return standIns.standInFor(byRepo(fragment));
}

/** A container of a dist/ manifest: its command and env, Secrets filled with the test's values. */
function manifestContainer(env: 'dev' | 'prod', file: string, workload: string, container: string, objects?: any[]): { argv: string[]; env: Record<string, string> } {
  const docs = objects ?? (yaml.loadAll(readFileSync(join(REPO_ROOT, 'dist', env, file), 'utf8')) as any[]);
  const doc = docs.find((d) => d?.metadata?.name?.startsWith(workload) && d.spec?.template);
  if (!doc) throw new Error(`dist/${env}/${file}: no workload ${workload}`);
  const spec = doc.spec.template.spec;
  const c = [...(spec.initContainers ?? []), ...spec.containers].find((x: any) => x.name === container);
  const values: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.value !== undefined) values[e.name] = String(e.value).replace(/\$\((\w+)\)/g, (_: string, v: string) => values[v] ?? '');
    else if (e.valueFrom?.secretKeyRef) values[e.name] = SECRETS[`${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`] ?? secret();
  }
  // Secrets the container reads as files (projected Secret volumes it mounts, one file per
  // setting, e.g. Superset's /run/secrets/superset): given here as env vars of the same names,
  // which superset_config.py's _secret() reads first.
  const mounted = new Set((c.volumeMounts ?? []).map((m: any) => m.name));
  for (const v of spec.volumes ?? []) {
    if (!mounted.has(v.name)) continue;
    for (const source of v.projected?.sources ?? []) {
      for (const item of source.secret?.items ?? []) if (!(item.path in values)) values[item.path] = SECRETS[`${source.secret.name}/${item.key}`] ?? secret();
    }
  }
  return { argv: [...(c.command ?? []), ...(c.args ?? [])], env: values };
}

function configMapFile(env: 'dev' | 'prod', file: string, name: string, key: string): string {
  const docs = yaml.loadAll(readFileSync(join(REPO_ROOT, 'dist', env, file), 'utf8')) as any[];
  const cm = docs.find((d) => d?.kind === 'ConfigMap' && d.metadata.name === name);
  const path = join(scratch, `${env}-${name}-${key}`);
  writeFileSync(path, cm.data[key]);
  return path;
}

/** Keys of the superset-config ConfigMap of dist/dev. */
const SUPERSET_CONFIG_KEYS: string[] = Object.keys((yaml.loadAll(readFileSync(join(REPO_ROOT, 'dist', 'dev', '10-superset-config.yaml'), 'utf8')) as any[]).find((d) => d?.kind === 'ConfigMap' && d.metadata.name === 'superset-config').data);

function volume(name: string, uid: number, gid: number): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  chownSync(dir, uid, gid);
  return dir;
}

async function start(image: ImageStandIn, options: ContainerOptions): Promise<RunningContainer> {
  const c = await startContainer(image, scratch, { netns: netns.name, ...options });
  running.push(c);
  return c;
}

function run(image: ImageStandIn, options: ContainerOptions) {
  return runContainer(image, scratch, { netns: netns.name, ...options });
}

async function curl(url: string, body?: unknown): Promise<{ status: number; text: string }> {
  const args = ['ip', 'netns', 'exec', netns.name, 'curl', '-s', '--max-time', '60', '-w', '\n%{http_code}'];
  if (body !== undefined) args.push('-H', 'content-type: application/json', '-X', 'POST', '-d', JSON.stringify(body));
  const out = await runCommand([...args, url]);
  const cut = out.lastIndexOf('\n');
  return { status: Number(out.slice(cut + 1)), text: out.slice(0, cut) };
}

/** Polls until `check` returns a value (servers starting); the last error says what never came. */
async function until<T>(what: string, check: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  let last = '';
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${seconds} s${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  const lines: string[] = [];
  await standIns.ensureRoots(IMAGES, (l) => lines.push(l));
  if (lines.length) console.log(lines.join('\n'));
  scratch = makeScratch();
  netns = await makeNetns();
});

afterAll(async () => {
  for (const c of running.reverse()) await c.stop();
  await netns?.remove();
  if (scratch) removeScratch(scratch);
});

describe('every image the manifests use has a stand-in whose main program runs from a read-only root', () => {
  const cases: Array<[string, number, number, string[], RegExp]> = [
    ['superset-k8s/superset:', 1000, 1000, ['python', '-c', 'import os, superset, flask, celery; print(os.getuid(), os.getgid(), superset.__version__)'], /^1000 1000 6\.1\.0/m],
    ['superset-ops', 999, 999, ['bash', '-c', 'initdb --version; pg_restore --version; curl --help all | grep -o -- --aws-sigv4; git --version; ssh -V 2>&1; unzip -v | head -n 1; id -u'], /initdb \(PostgreSQL\) 18\.[\s\S]*pg_restore \(PostgreSQL\) 18\.[\s\S]*--aws-sigv4[\s\S]*git version[\s\S]*OpenSSH[\s\S]*UnZip[\s\S]*^999$/m],
    ['spilo-18', 101, 103, ['sh', '-c', 'patroni --version; postgres --version; id -u; id -g; wal-g 2>&1; echo "wal-g exit $?"'], /patroni 4\.[\s\S]*postgres \(PostgreSQL\) 18\.[\s\S]*^101$\n^103$[\s\S]*wal-g exit 2/m],
    ['cloudnative-pg/pgbouncer', 998, 996, ['sh', '-c', 'pgbouncer --version; /usr/bin/pgbouncer --version | head -n 1'], /PgBouncer 1\.\d+/],
    ['valkey/valkey', 999, 999, ['sh', '-c', 'valkey-server --version; /usr/local/bin/valkey-cli --version'], /Valkey server v=9\.[\s\S]*valkey-cli 9\./],
    ['redis_exporter', 999, 999, ['/redis_exporter', '-version'], /Redis Metrics Exporter \d/],
    ['pgbouncer-exporter', 65534, 65534, ['/bin/pgbouncer_exporter', '--version'], /pgbouncer_exporter/],
    ['statsd-exporter', 65534, 65534, ['/bin/statsd_exporter', '--no-such-flag=1'], /statsd_exporter \(stand-in\): unknown or incomplete flag/],
  ];
  test.each(cases)('%s as %i:%i', async (fragment, uid, gid, argv, expected) => {
    const { output } = await run(standIn(fragment), { argv, uid, gid });
    expect(output).toMatch(expected);
  });

  test('the root is read-only and has what the kubelet runs in it (setpriv, sh, getent)', async () => {
    for (const image of IMAGES) {
      const { code, output } = await run(standIns.standInFor(image), {
        argv: ['sh', '-c', 'setpriv --version >/dev/null && getent passwd 0 >/dev/null && ! touch /usr/written 2>/dev/null && echo fine'],
        uid: 65534,
        gid: 65534,
      });
      expect({ image, code, output: output.trim() }).toEqual({ image, code: 0, output: 'fine' });
    }
  });
});

describe('the Superset stand-in with dist/dev superset_config.py, on real PostgreSQL, PgBouncer, Valkey and a Redis Cluster', () => {
  let hosts = '';
  let psql: (sql: string, db?: string) => Promise<{ code: number; output: string }>;
  const superset = () => standIn('superset-k8s/superset:');
  // Every key of the superset-config ConfigMap, where the pods mount it (the config and the scripts the containers run).
  const supersetFiles = () => ({ ...Object.fromEntries(SUPERSET_CONFIG_KEYS.map((k) => [configMapFile('dev', '10-superset-config.yaml', 'superset-config', k), `/etc/superset/${k}`])), [hosts]: '/etc/hosts' });

  async function supersetRun(workload: string, container: string, argv?: string[], override: Record<string, string> = {}) {
    const c = manifestContainer('dev', workload === 'superset-migrate' ? '40-superset-migrate.yaml' : '50-superset-web.yaml', workload, container);
    return run(superset(), { argv: argv ?? c.argv, env: { ...c.env, ...override }, uid: 1000, gid: 1000, files: supersetFiles(), tmpfs: ['/tmp', '/app/superset_home'] });
  }

  beforeAll(async () => {
    hosts = join(scratch, 'hosts');
    writeFileSync(hosts, HOSTS);
    const valkey = standIn('valkey/valkey');
    const ops = standIn('superset-ops');
    const cachePassword = SECRETS['redis-cache-auth/password'];
    // PostgreSQL 18 from the ops root (uid 999), with Superset's role and databases; its socket
    // folder is shared with the psql containers below.
    const pgdata = volume('pgdata', 999, 999);
    const socket = volume('pgsocket', 999, 999);
    const pgVolumes = { [pgdata]: '/var/lib/postgresql', [socket]: '/run/postgresql' };
    const init = await run(ops, { argv: ['initdb', '-D', '/var/lib/postgresql/data', '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256'], uid: 999, gid: 999, volumes: pgVolumes });
    expect(init.code).toBe(0);
    await start(ops, { argv: ['postgres', '-D', '/var/lib/postgresql/data', '-c', 'listen_addresses=127.0.0.6', '-c', 'unix_socket_directories=/run/postgresql'], uid: 999, gid: 999, volumes: pgVolumes });
    const dbPassword = SECRETS['superset-database/password'];
    psql = (sql: string, db = 'postgres') => run(ops, { argv: ['psql', '-h', '/run/postgresql', '-U', 'postgres', '-d', db, '-v', 'ON_ERROR_STOP=1', '-Atc', sql], uid: 999, gid: 999, volumes: { [socket]: '/run/postgresql' } });
    await until('PostgreSQL accepting connections', async () => ((await psql('SELECT 1')).code === 0 ? true : undefined));
    for (const sql of [`CREATE ROLE superset LOGIN PASSWORD '${dbPassword}'`, 'CREATE DATABASE superset OWNER superset', 'CREATE DATABASE warehouse OWNER superset']) {
      const statement = sql.split(' ').slice(0, 3).join(' '); // never the password
      expect({ statement, code: (await psql(sql)).code }).toEqual({ statement, code: 0 });
    }
    // PgBouncer with dist/dev's pgbouncer.ini and start script.
    const ini = configMapFile('dev', '25-pgbouncer.yaml', 'pgbouncer', 'pgbouncer.ini');
    const startScript = configMapFile('dev', '25-pgbouncer.yaml', 'pgbouncer', 'pgbouncer-start.sh');
    const pgb = manifestContainer('dev', '25-pgbouncer.yaml', 'pgbouncer', 'pgbouncer');
    await start(standIn('cloudnative-pg/pgbouncer'), { argv: pgb.argv, env: pgb.env, uid: 998, gid: 996, files: { [ini]: '/etc/pgbouncer/pgbouncer.ini', [startScript]: '/etc/pgbouncer/scripts/pgbouncer-start.sh', [hosts]: '/etc/hosts' }, tmpfs: ['/run/pgbouncer', '/tmp'] });
    // redis-queue: one Valkey; redis-cache: a Redis Cluster of three.
    // The exporter's ACL user with the rules dist/dev renders (users.conf), so the exporter below proves they suffice.
    const exporterRules = configMapFile('dev', '35-redis-queue.yaml', 'redis-queue-config', 'users.conf');
    const rules = readFileSync(exporterRules, 'utf8').split('\n').find((l) => l.startsWith('exporter exporter '))!.split(' ').slice(2);
    await start(valkey, { argv: ['valkey-server', '--bind', '127.0.0.5', '--requirepass', SECRETS['redis-queue-auth/password'], '--user', 'exporter', 'on', `>${SECRETS['redis-queue-auth/exporter-password']}`, ...rules, '--save', ''], uid: 999, gid: 999, tmpfs: ['/data'] });
    for (const ip of CLUSTER) {
      await start(valkey, {
        // Superset logs in to redis-cache as its own ACL user (lib/redis/acl.ts); the cluster tools here as default.
        argv: ['valkey-server', '--bind', ip, '--bind-source-addr', ip, '--cluster-announce-ip', ip, '--cluster-enabled', 'yes', '--requirepass', cachePassword, '--masterauth', cachePassword, '--user', REDIS_CACHE_APP_USER, 'on', `>${cachePassword}`, '~*', '&*', '+@all', '--save', ''],
        uid: 999, gid: 999, tmpfs: ['/data'],
      });
    }
    await until('the Redis Cluster formed', async () => {
      const r = await run(valkey, { argv: ['valkey-cli', '-h', CLUSTER[0], '--cluster', 'create', ...CLUSTER.map((ip) => `${ip}:6379`), '--cluster-yes'], uid: 999, gid: 999, env: { VALKEYCLI_AUTH: cachePassword } });
      if (r.code !== 0) throw new Error(r.output);
      return true;
    });
    await until('the cluster state ok', async () => {
      const r = await run(valkey, { argv: ['valkey-cli', '-h', CLUSTER[2], 'cluster', 'info'], uid: 999, gid: 999, env: { VALKEYCLI_AUTH: cachePassword } });
      return r.output.includes('cluster_state:ok') ? true : undefined;
    });
  });

  test('superset db upgrade (the migrate Job, straight to PostgreSQL) creates the tables the restore check requires', async () => {
    const r = await supersetRun('superset-migrate', 'migrate');
    expect(r.output).toContain('Loaded your LOCAL configuration at [/etc/superset/superset_config.py]');
    expect(r.code).toBe(0);
    const tables = await psql("SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'", 'superset');
    for (const t of ['alembic_version', 'ab_user', 'ab_role', 'ab_permission_view', 'dbs', 'tables', 'slices', 'dashboards', 'logs']) expect(tables.output.split(/\s+/)).toContain(t);
    const perms = await psql('SELECT (SELECT count(*) FROM ab_role) > 0 AND (SELECT count(*) FROM ab_permission_view) > 0', 'superset');
    expect(perms.output.trim()).toBe('t'); // superset init ran after the upgrade
  });

  test('superset db current through PgBouncer prints "<revision> (head)", what the init containers wait for', async () => {
    const r = await supersetRun('superset-web', 'wait-for-migrations', ['sh', '-c', 'superset db current 2>/dev/null']);
    expect(r.output).toMatch(/^e2e610000001 \(head\)$/m);
    const initContainer = await supersetRun('superset-web', 'wait-for-migrations');
    expect(initContainer.code).toBe(0);
  });

  test('loading superset_config.py connects to the Redis Cluster: a wrong password fails the command', async () => {
    const r = await supersetRun('superset-web', 'wait-for-migrations', ['superset', 'db', 'current'], { REDIS_CACHE_PASSWORD: 'not-the-password' });
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/RedisCluster|Redis Cluster/);
  });

  test('superset fab create-admin is idempotent and export-dashboards then writes a ZIP of YAML', async () => {
    const admin = ['superset', 'fab', 'create-admin', '--username', 'admin', '--firstname', 'Ad', '--lastname', 'Min', '--email', 'admin@example.com', '--password', secret()];
    const noAdmin = await supersetRun('superset-web', 'wait-for-migrations', ['sh', '-c', 'superset export-dashboards -f /tmp/x.zip']);
    expect(noAdmin.code).toBe(1);
    expect(noAdmin.output).toContain('no user "admin"');
    const first = await supersetRun('superset-web', 'wait-for-migrations', admin);
    expect(first.output).toContain('Admin User admin created.');
    const again = await supersetRun('superset-web', 'wait-for-migrations', admin);
    expect({ code: again.code, says: again.output.includes('Error! User already exists admin') }).toEqual({ code: 0, says: true });
    const exported = await supersetRun('superset-web', 'wait-for-migrations', [
      'sh', '-c', 'superset export-dashboards -f /tmp/x.zip && python -c "import zipfile; print(zipfile.ZipFile(\'/tmp/x.zip\').namelist())"',
    ]);
    expect(exported.code).toBe(0);
    expect(exported.output).toMatch(/dashboard_export_\d{8}T\d{6}\/metadata\.yaml/);
  });

  describe('web, workers and beat as dist/dev runs them', () => {
    const containers: Record<string, RunningContainer> = {};
    const web = (path: string, body?: unknown) => curl(`http://127.0.0.1:8088${path}`, body);

    beforeAll(async () => {
      const files = supersetFiles();
      for (const [name, file, workload, container] of [
        ['web', '50-superset-web.yaml', 'superset-web', 'web'],
        ['interactive', '51-superset-workers.yaml', 'superset-worker-interactive', 'worker'],
        ['reports', '51-superset-workers.yaml', 'superset-worker-reports', 'worker'],
        ['beat', '52-superset-beat.yaml', 'superset-beat', 'beat'],
      ] as const) {
        const c = manifestContainer('dev', file, workload, container);
        containers[name] = await start(superset(), { argv: c.argv, env: c.env, uid: 1000, gid: 1000, files, tmpfs: ['/tmp', '/app/superset_home'] });
      }
      await until('GET /health answering OK', async () => ((await web('/health')).text === 'OK' ? true : undefined), 90);
    });

    test('GET /health answers 200 OK', async () => {
      expect(await web('/health')).toEqual({ status: 200, text: 'OK' });
    });

    test('a round trip through the metadata database (via PgBouncer), every cache, the results backend and the coordination cache', async () => {
      const r = await web('/e2e/roundtrip', {});
      expect(JSON.parse(r.text)).toEqual({
        ok: true,
        checks: {
          metadata_db: 'ok',
          CACHE_CONFIG: 'ok',
          DATA_CACHE_CONFIG: 'ok',
          FILTER_STATE_CACHE_CONFIG: 'ok',
          EXPLORE_FORM_DATA_CACHE_CONFIG: 'ok',
          THUMBNAIL_CACHE_CONFIG: 'ok',
          RESULTS_BACKEND: 'ok',
          DISTRIBUTED_COORDINATION_CONFIG: 'ok',
        },
      });
    });

    test.each(['interactive', 'reports'])('a Celery task on queue %s is consumed by that queue\'s worker', async (queue) => {
      const r = await until(`a result from queue ${queue}`, async () => {
        const answer = await web('/e2e/celery', { queue, timeout: 20 });
        return answer.status === 200 ? JSON.parse(answer.text) : undefined;
      }, 120);
      expect(r.result.worker).toMatch(new RegExp(`^${queue}@`));
      expect(r.result.routing_key).toBe(queue);
    });

    test('a chart query runs on the interactive worker against a registered data source; its rows come back from the data cache', async () => {
      const uri = `postgresql+psycopg2://superset:${SECRETS['superset-database/password']}@postgres:5432/warehouse`;
      expect((await web('/e2e/databases', { database_name: 'warehouse', sqlalchemy_uri: uri })).status).toBe(200);
      const r = await web('/e2e/chart-query', { database: 'warehouse', sql: 'SELECT 40 + 2 AS answer', timeout: 60 });
      const body = JSON.parse(r.text);
      expect({ status: r.status, worker: body.worker?.split('@')[0], columns: body.columns, data: body.data }).toEqual({ status: 200, worker: 'interactive', columns: ['answer'], data: [[42]] });
      expect(r.text).not.toContain(SECRETS['superset-database/password']);
    });

    test('beat sends reports.scheduler (inherited schedule) and the reports worker runs it', async () => {
      const runs = await until('a reports.scheduler run recorded', async () => {
        const body = JSON.parse((await web('/e2e/beat')).text);
        return body['reports.scheduler'].count > 0 ? body['reports.scheduler'].runs : undefined;
      }, 150);
      expect(runs[0].worker).toMatch(/^reports@/);
    });

    test('the redis_exporter and pgbouncer_exporter stand-ins scrape the real servers with the manifests\' settings', async () => {
      const redisMetrics = manifestContainer('dev', '35-redis-queue.yaml', 'redis-queue', 'metrics');
      // As its own read-only ACL user (REDIS_USER, exporter-password from the manifest), CONFIG skipped.
      expect(redisMetrics.env.REDIS_USER).toBe('exporter');
      await start(standIn('redis_exporter'), { argv: ['/redis_exporter'], env: { ...redisMetrics.env, REDIS_ADDR: 'redis://127.0.0.5:6379' }, uid: 999, gid: 999 });
      const redisUp = await until('redis_exporter metrics', async () => {
        const m = await curl('http://127.0.0.1:9121/metrics');
        return /^redis_up 1$/m.test(m.text) && /^redis_memory_max_bytes \d/m.test(m.text) ? m.text : undefined;
      });
      expect(redisUp).toMatch(/^redis_up 1$/m);
      // Every command of the scrape was allowed (a refused one is a scrape error).
      expect(redisUp).toMatch(/^redis_exporter_last_scrape_error\{err=""\} 0$/m);
      const pgbExporter = manifestContainer('dev', '25-pgbouncer.yaml', 'pgbouncer', 'exporter');
      await start(standIn('pgbouncer-exporter'), { argv: ['/bin/pgbouncer_exporter', ...pgbExporter.argv], env: pgbExporter.env, uid: 65534, gid: 65534 });
      const pgbUp = await until('pgbouncer_exporter metrics', async () => {
        const m = await curl('http://127.0.0.1:9127/metrics');
        return /^pgbouncer_up 1$/m.test(m.text) ? m.text : undefined;
      });
      expect(pgbUp).toMatch(/^pgbouncer_up 1$/m);
    });
  });

  test('dist/prod\'s superset_config.py (Sentinel broker, async queries, StatsD logger) loads and makes its import-time connection', async () => {
    const prodConfig = configMapFile('prod', '10-superset-config.yaml', 'superset-config', 'superset_config.py');
    const c = manifestContainer('prod', '50-superset-web.yaml', 'superset-web', 'wait-for-migrations');
    const script = [
      'superset db current 2>/dev/null',
      'python -c "from superset.app import create_app; from superset.extensions import celery_app, async_query_manager; import superset.config as c; a = create_app(); '
        + 'print(celery_app.conf.broker_url.split(\':\')[0], type(async_query_manager.cache.cache).__name__, type(c.STATS_LOGGER).__name__, a.config[\'DISTRIBUTED_COORDINATION_CONFIG\'][\'CACHE_TYPE\'])" 2>/dev/null',
    ].join(' && ');
    const r = await run(superset(), { argv: ['sh', '-c', script], env: c.env, uid: 1000, gid: 1000, files: { [prodConfig]: '/etc/superset/superset_config.py', [hosts]: '/etc/hosts' }, tmpfs: ['/tmp', '/app/superset_home'] });
    expect(r.output).toMatch(/^e2e610000001 \(head\)$/m);
    expect(r.output).toMatch(/^sentinel RedisSentinelCache StatsdStatsLogger RedisSentinelCache$/m);
  });

  test('superset re-encrypt-secrets moves stored secrets from PREVIOUS_SECRET_KEY to SECRET_KEY, once', async () => {
    const uri = `postgresql+psycopg2://superset:${SECRETS['superset-database/password']}@postgres:5432/warehouse`;
    const registered = await supersetRun('superset-web', 'wait-for-migrations', ['superset', 'set_database_uri', '-d', 'rotation-check', '-u', uri]);
    expect(registered.code).toBe(0);
    const rotated = { SUPERSET_SECRET_KEY: secret(), SUPERSET_PREVIOUS_SECRET_KEY: SECRETS['superset-app/secret-key'] };
    const first = await supersetRun('superset-web', 'wait-for-migrations', ['superset', 're-encrypt-secrets'], rotated);
    expect({ code: first.code, output: first.output.replace(/^Loaded your LOCAL.*\n/m, '') }).toEqual({ code: 0, output: '' });
    const again = await supersetRun('superset-web', 'wait-for-migrations', ['superset', 're-encrypt-secrets'], rotated);
    expect({ code: again.code, says: /does not decrypt with SECRET_KEY/.test(again.output) }).toEqual({ code: 1, says: true });
  });
});

describe('the statsd_exporter stand-in with dist/prod\'s mapping', () => {
  test('gunicorn\'s StatsD counters and timers become the mapped Prometheus metrics', async () => {
    const mapping = configMapFile('prod', '10-superset-config.yaml', 'statsd-mapping', 'mapping.yaml');
    const docs = yaml.loadAll(readFileSync(join(REPO_ROOT, 'dist/prod/50-superset-web.yaml'), 'utf8')) as any[];
    const sidecar = docs.find((d) => d?.kind === 'Deployment').spec.template.spec.containers.find((c: any) => c.name === 'statsd-exporter');
    await start(standIn('statsd-exporter'), { argv: ['/bin/statsd_exporter', ...sidecar.args], uid: 65534, gid: 65534, files: { [mapping]: '/etc/statsd/mapping.yaml' } });
    const sender = standIn('superset-k8s/superset:');
    const metrics = await until('mapped metrics', async () => {
      await run(sender, { argv: ['python', '-c', 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); [s.sendto(m, ("127.0.0.1", 9125)) for m in (b"superset.web.gunicorn.requests:1|c", b"superset.web.gunicorn.request.duration:250|ms")]'], uid: 1000, gid: 1000 });
      const m = await curl('http://127.0.0.1:9102/metrics');
      return /gunicorn_request_duration_seconds_bucket\{component="web",le="0.25"\} [1-9]/.test(m.text) ? m.text : undefined;
    });
    expect(metrics).toMatch(/^gunicorn_requests_total\{component="web"\} [1-9]/m);
  });
});

describe('the wal-g stand-in with prod\'s archive settings (a real endpoint), against an S3 that checks SigV4', () => {
  test('WAL archiving and base backups restore to the latest archived transaction; delete retain FULL keeps the newest', async () => {
    const spilo = standIn('spilo-18');
    // The committed prod archives nowhere (its endpoint is a placeholder): prod with a real one.
    const postgresFile = synthesizedVariant('prod', { postgres: { walArchive: { endpoint: 'https://objects.storage.acme-corp.internal' } } }).find((f) => f.file === '20-postgres.yaml')!.objects;
    const patroni = manifestContainer('prod', '20-postgres.yaml', 'postgres', 'patroni', postgresFile);
    const sidecar = manifestContainer('prod', '20-postgres.yaml', 'postgres', 'walg-basebackup', postgresFile);
    // TLS is not part of this check: the same S3 API over plain HTTP on the namespace's loopback.
    const s3 = { AWS_ENDPOINT: 'http://127.0.0.7:9000' };
    const bucket = volume('s3', 101, 103);
    const server = join(REPO_ROOT, 'test/e2e/harness/images/fixtures/s3-server.py');
    const keyId = SECRETS['postgres-wal-archive/access-key-id'];
    await start(spilo, { argv: ['python3', '/opt/s3-server.py', '127.0.0.7', '9000', '/data', keyId, SECRETS['postgres-wal-archive/secret-access-key']], uid: 101, gid: 103, files: { [server]: '/opt/s3-server.py' }, volumes: { [bucket]: '/data' } });
    const vols = { [volume('spilo-pgdata', 101, 103)]: '/home/postgres/pgdata', [volume('spilo-socket', 101, 103)]: '/var/run/postgresql' };
    // WAL-G's libsodium key, as the Secret volume postgres-wal-encryption presents it.
    const walgKey = join(scratch, 'walg-libsodium-key');
    writeFileSync(walgKey, `${randomBytes(32).toString('hex')}\n`, { mode: 0o444 });
    const keyFile = { [walgKey]: patroni.env.WALG_LIBSODIUM_KEY_PATH };
    expect(keyFile[walgKey]).toBe('/etc/walg/libsodium-key');
    const pgdata = sidecar.env.PGDATA;
    const inSpilo = (argv: string[], env: Record<string, string> = sidecar.env) => run(spilo, { argv, env: { ...env, ...s3 }, uid: 101, gid: 103, files: keyFile, volumes: vols, tmpfs: ['/tmp'] });
    const psql = async (sql: string) => {
      const r = await inSpilo(['psql', '-U', 'postgres', '-v', 'ON_ERROR_STOP=1', '-Atc', sql]);
      if (r.code !== 0) throw new Error(r.output);
      return r.output.trim();
    };
    // Without the key file WAL-G (and the stand-in) refuses to run rather than upload in clear.
    const keyless = await run(spilo, { argv: ['wal-g', 'backup-list'], env: { ...sidecar.env, ...s3 }, uid: 101, gid: 103, volumes: vols, tmpfs: ['/tmp'] });
    expect({ code: keyless.code, output: keyless.output }).toEqual({ code: 1, output: expect.stringMatching(/cannot read WALG_LIBSODIUM_KEY_PATH \/etc\/walg\/libsodium-key/) });
    expect((await inSpilo(['initdb', '-D', pgdata, '-U', 'postgres', '--auth-local=trust'])).code).toBe(0);
    const archive = ['-c', 'archive_mode=on', '-c', `archive_command=${'wal-g wal-push "%p"'}`, '-c', 'wal_level=replica', '-c', "listen_addresses=", '-c', 'unix_socket_directories=/var/run/postgresql'];
    await start(spilo, { argv: ['postgres', '-D', pgdata, ...archive], env: { ...patroni.env, ...s3 }, uid: 101, gid: 103, files: keyFile, volumes: vols, tmpfs: ['/tmp'] });
    await until('PostgreSQL started', async () => ((await psql('SELECT 1')) === '1' ? true : undefined));
    await psql('CREATE TABLE t (x int); INSERT INTO t VALUES (1)');
    const first = await inSpilo(['wal-g', 'backup-push', pgdata]);
    expect(first.output).toMatch(/wrote backup with name base_[0-9A-F]{24}/);
    await psql('INSERT INTO t VALUES (2)');
    const segment = await psql('SELECT pg_walfile_name(pg_switch_wal())');
    await until(`WAL ${segment} archived`, async () => ((await psql('SELECT last_archived_wal FROM pg_stat_archiver')) >= segment ? true : undefined));
    const second = await inSpilo(['wal-g', 'backup-push', pgdata]);
    expect(second.code).toBe(0);
    expect((await inSpilo(['wal-g', 'backup-list'])).output.match(/^base_/gm)).toHaveLength(2);
    // Restore the newest base backup into a new folder and replay the archived WAL.
    await psql('INSERT INTO t VALUES (3)');
    const last = await psql('SELECT pg_walfile_name(pg_switch_wal())');
    await until(`WAL ${last} archived`, async () => ((await psql('SELECT last_archived_wal FROM pg_stat_archiver')) >= last ? true : undefined));
    const restored = '/home/postgres/pgdata/restored';
    const fetched = await inSpilo(['sh', '-c', `wal-g backup-fetch ${restored} LATEST && touch ${restored}/recovery.signal`]);
    expect({ code: fetched.code, output: fetched.output.includes('fetched base_') }).toEqual({ code: 0, output: true });
    const socket2 = volume('spilo-socket-restored', 101, 103);
    await start(spilo, {
      argv: ['postgres', '-D', restored, '-c', `restore_command=${'wal-g wal-fetch "%f" "%p"'}`, '-c', 'archive_mode=off', '-c', 'listen_addresses=', '-c', 'unix_socket_directories=/run/restored'],
      env: { ...patroni.env, ...s3 }, uid: 101, gid: 103, files: keyFile, volumes: { ...vols, [socket2]: '/run/restored' }, tmpfs: ['/tmp'],
    });
    const rows = await until('the restored server answering', async () => {
      const r = await run(spilo, { argv: ['psql', '-h', '/run/restored', '-U', 'postgres', '-Atc', 'SELECT string_agg(x::text, \',\' ORDER BY x) FROM t WHERE NOT pg_is_in_recovery()'], uid: 101, gid: 103, volumes: { [socket2]: '/run/restored' } });
      return r.code === 0 && r.output.trim() !== '' ? r.output.trim() : undefined;
    }, 90);
    expect(rows).toBe('1,2,3');
    const pruned = await inSpilo(['wal-g', 'delete', 'retain', 'FULL', '1', '--confirm']);
    expect(pruned.code).toBe(0);
    expect((await inSpilo(['wal-g', 'backup-list'])).output.match(/^base_/gm)).toHaveLength(1);
  });
});
