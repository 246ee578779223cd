// PgBouncer from our generated pgbouncer.ini and start script, against a real local Postgres, with
// pgbench driving more clients than the pool: zero client errors, and SHOW POOLS never shows more
// server connections than the connection budget allows one PgBouncer pod. PgBouncer runs from the
// pgbouncer stand-in's root as the Deployment's user, PostgreSQL, psql and pgbench from spilo-18's.
// With postgres.tls (on in prod) Postgres runs prod's pg_hba (hostssl only) and a certificate made
// for the run, PgBouncer its own: clients reach PgBouncer over TLS only, PgBouncer reaches Postgres
// over TLS (verify-full), plaintext is refused on both.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectionBudget } from '../../../lib/capacity/connections';
import { resolveEnvironment } from '../../../lib/config/load';
import { ENVIRONMENTS } from '../../../environments';
import { DATABASE_CA, PGBOUNCER_TLS } from '../../../lib/postgres/endpoints';
import { parse } from 'yaml';
import { imageRoot } from '../roots/image-root';
import {
  configMapData, freePort, inRoot, PG_BIN, presentedSubject, POSTGRES_ROOT, psql, psqlRows, PsqlTarget, Server, signalGroup, sleep, startPostgres, startServer, stopAll, table,
  TestCa, tempDir, TestCertificate, throwawayPassword, waitFor, waitForExit, writeOwned,
} from './servers';

const ENV = 'prod';
const CLIENTS = 100;
const SECONDS = 10;
/** Runs per path, interleaved (direct, PgBouncer, direct, PgBouncer) so cache warm-up and a busy machine hit both. */
const ROUNDS = 2;

interface PgbenchResult {
  readonly tps: number;
  readonly processed: number;
  readonly failed: number;
  readonly latencyMs: number;
  readonly status: number;
  readonly stderr: string;
}

function pgbench(t: PsqlTarget, args: string[]): Promise<PgbenchResult> {
  return new Promise((resolve) => {
    const c = inRoot(`${PG_BIN}/pgbench`, args, { PGHOST: t.host, PGPORT: String(t.port), PGUSER: t.user, PGDATABASE: t.database, PGPASSWORD: t.password, ...libpqTls(t) });
    const child = spawn(c.argv[0], c.argv.slice(1), { env: c.env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => {
      const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? NaN);
      resolve({
        tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
        processed: num(/number of transactions actually processed: (\d+)/),
        failed: num(/number of failed transactions: (\d+)/),
        latencyMs: num(/latency average = ([\d.]+) ms/),
        status: code ?? -1,
        stderr: err.split('\n').filter((l) => !/^pgbench \(/.test(l)).slice(0, 5).join('\n'),
      });
    });
  });
}

/** libpq's TLS variables of a target (plaintext when it has none). */
function libpqTls(t: PsqlTarget): Record<string, string> {
  return { PGSSLMODE: t.sslmode ?? 'disable', ...(t.sslrootcert ? { PGSSLROOTCERT: t.sslrootcert } : {}) };
}

describe(`PgBouncer from dist/${ENV}/25-pgbouncer.yaml`, () => {
  const env = resolveEnvironment(ENV, ENVIRONMENTS[ENV]);
  const budget = connectionBudget(env.config);
  const data = configMapData(ENV, '25-pgbouncer.yaml', 'pgbouncer');
  const bouncerRoot = imageRoot(ENV, '25-pgbouncer.yaml', 'pgbouncer', 'pgbouncer');
  const db = env.config.superset.database;
  const passwords = { superuser: throwawayPassword(), superset: throwawayPassword(), stats: throwawayPassword() };
  let dir: string;
  /** PgBouncer's own folder (ini, auth file), owned by its user. */
  let bdir: string;
  let pgPort: number;
  let bouncerPort: number;
  let bouncer: Server;
  let viaBouncer: PsqlTarget;
  let direct: PsqlTarget;
  let stats: PsqlTarget;
  /** The superuser over the socket (peer): the only way prod's pg_hba lets it in. */
  let superuser: PsqlTarget;
  let certs: Record<'postgres' | 'pgbouncer', TestCertificate>;
  /** The run's CA (its key kept until the end, to renew PgBouncer's certificate). */
  let ca: TestCa;
  /** The certificates' folder, readable by both servers' users (the other folders are private to one). */
  let tlsDir: string;
  const patroni = parse(configMapData(ENV, '20-postgres.yaml', 'postgres-patroni')['patroni.yml']);
  const tls = patroni.postgresql.parameters.ssl === 'on';

  beforeAll(async () => {
    dir = tempDir('pgbouncer-it-');
    bdir = tempDir('pgbouncer-it-bouncer-', bouncerRoot);
    pgPort = await freePort();
    bouncerPort = await freePort();
    // Certificates as the Secrets postgres-tls and pgbouncer-tls would hold them (root-owned, key 0640, the server's group).
    tlsDir = fs.mkdtempSync('/tmp/pgbouncer-it-tls-');
    ca = new TestCa(tlsDir);
    certs = {
      postgres: ca.issue('postgres', { dnsNames: ['postgres'], ips: ['127.0.0.1'], gid: POSTGRES_ROOT.gid }),
      pgbouncer: ca.issue('pgbouncer', { dnsNames: ['pgbouncer'], ips: ['127.0.0.1'], gid: bouncerRoot.gid }),
    };
    // Postgres sized like prod's members (the max_connections the budget is checked against), with
    // prod's pg_hba and TLS settings (the certificate paths made local).
    const ssl: Record<string, string> = tls ? { ssl: 'on', ssl_cert_file: certs.postgres.cert, ssl_key_file: certs.postgres.key, ssl_ca_file: certs.postgres.ca } : {};
    await startPostgres(dir, pgPort, passwords.superuser, { max_connections: budget.maxConnections, shared_buffers: '256MB', ...ssl }, patroni.postgresql.pg_hba);

    // The same post-bootstrap script Patroni runs creates Superset's role and database.
    const script = path.join(dir, 'post-bootstrap.sh');
    writeOwned(script, configMapData(ENV, '20-postgres.yaml', 'postgres-patroni')['post-bootstrap.sh'], 0o755);
    const post = inRoot('/bin/sh', [script, `host=${dir} port=${pgPort} user=postgres dbname=postgres`],
      { SUPERSET_DATABASE_NAME: db.name, SUPERSET_DATABASE_USER: db.user, SUPERSET_DATABASE_PASSWORD: passwords.superset });
    const boot = spawnSync(post.argv[0], post.argv.slice(1), { encoding: 'utf8', env: post.env });
    if (boot.status !== 0) throw new Error(`post-bootstrap.sh failed: ${boot.stderr}`);

    // pgbouncer.ini exactly as rendered, with only the hosts, ports and paths made local.
    const ini = data['pgbouncer.ini']
      .replace(/host=postgres port=5432/, `host=127.0.0.1 port=${pgPort}`)
      .replace(/^listen_addr = .*$/m, 'listen_addr = 127.0.0.1')
      .replace(/^listen_port = .*$/m, `listen_port = ${bouncerPort}`)
      .replace(/^auth_file = .*$/m, `auth_file = ${bdir}/userlist.txt`)
      .replaceAll(PGBOUNCER_TLS.cert, certs.pgbouncer.cert)
      .replaceAll(PGBOUNCER_TLS.key, certs.pgbouncer.key)
      .replaceAll(DATABASE_CA.file, certs.postgres.ca);
    writeOwned(path.join(bdir, 'pgbouncer.ini'), ini, 0o600, bouncerRoot);
    writeOwned(path.join(bdir, 'pgbouncer-start.sh'), data['pgbouncer-start.sh'], 0o755, bouncerRoot);
    bouncer = startServer('pgbouncer', '/bin/sh', [path.join(bdir, 'pgbouncer-start.sh'), path.join(bdir, 'pgbouncer.ini')], {
      log: path.join(bdir, 'pgbouncer.log'),
      root: bouncerRoot,
      env: {
        PGBOUNCER_AUTH_FILE: `${bdir}/userlist.txt`,
        SUPERSET_DATABASE_USER: db.user,
        SUPERSET_DATABASE_PASSWORD: passwords.superset,
        PGBOUNCER_STATS_USER: 'pgbouncer_exporter',
        PGBOUNCER_STATS_PASSWORD: passwords.stats,
        // The Deployment's watcher of the certificate Secret, checking every second here.
        ...(tls ? { TLS_WATCH_DIR: path.dirname(certs.pgbouncer.cert), TLS_WATCH_SECONDS: '1' } : {}),
      },
    });
    // Clients as Superset connects: verify-full against the CA both certificates come from.
    const clientTls = tls ? { sslmode: 'verify-full', sslrootcert: certs.postgres.ca } : {};
    viaBouncer = { host: '127.0.0.1', port: bouncerPort, user: db.user, database: db.name, password: passwords.superset, ...clientTls };
    direct = { ...viaBouncer, port: pgPort };
    stats = { host: '127.0.0.1', port: bouncerPort, user: 'pgbouncer_exporter', database: 'pgbouncer', password: passwords.stats, ...clientTls };
    superuser = { host: dir, port: pgPort, user: 'postgres', database: 'postgres' };
    try {
      await waitFor('PgBouncer to serve queries', () => psql(viaBouncer, 'select 1') === '1', 20000, 200);
    } catch (e) {
      throw new Error(`${(e as Error).message}\nPgBouncer's log:\n${fs.readFileSync(bouncer.log, 'utf8').slice(-2000)}`);
    }
  });

  afterAll(async () => {
    ca?.dropCaKey();
    await stopAll();
    for (const d of [dir, bdir, tlsDir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  });

  test('the rendered ini loads in PgBouncer without warnings about unknown settings', () => {
    const log = fs.readFileSync(bouncer.log, 'utf8');
    expect(log).not.toMatch(/unknown parameter|syntax error|invalid value/i);
    expect(fs.statSync(`${bdir}/userlist.txt`).mode & 0o077).toBe(0); // auth file private to the user
  });

  test('SCRAM authentication with the Secret-sourced passwords; a wrong password is refused', () => {
    expect(psql(viaBouncer, 'select current_user')).toBe(db.user);
    expect(() => psql({ ...viaBouncer, password: 'wrong' }, 'select 1')).toThrow(/authentication failed/);
    expect(psql(superuser, `select rolpassword like 'SCRAM-SHA-256$%' from pg_authid where rolname = '${db.user}'`)).toBe('t');
  });

  test('postgres.tls: PgBouncer takes TLS clients only (with its own certificate) and logs in to Postgres over TLS; plaintext is refused by both', () => {
    expect(tls).toBe(true);
    expect(psql(viaBouncer, 'select 1')).toBe('1');
    // Its certificate is PgBouncer's own, checked against the CA.
    expect(presentedSubject(bouncerPort, certs.postgres.ca)).toMatch(/^CN ?= ?pgbouncer$/);
    expect(() => psql({ ...viaBouncer, sslmode: 'disable', sslrootcert: undefined }, 'select 1')).toThrow(/SSL required/i);
    expect(() => psql({ ...stats, sslmode: 'disable', sslrootcert: undefined }, 'SHOW POOLS')).toThrow(/SSL required/i);
    // Every server connection PgBouncer holds is TLS (prod's pg_hba has no plaintext line to fall back to).
    const servers = psql(superuser, `select count(*), bool_and(s.ssl) from pg_stat_activity a join pg_stat_ssl s using (pid) where a.usename = '${db.user}' and a.client_addr is not null`);
    expect(servers).toMatch(/^[1-9]\d*\|t$/);
    expect(() => psql({ ...direct, sslmode: 'disable', sslrootcert: undefined }, 'select 1')).toThrow(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "superset", database "superset", no encryption/);
  });

  test('a renewed certificate (the Secret\'s files replaced) is presented without a restart: the start script sends PgBouncer SIGHUP', async () => {
    const pid = bouncer.process.pid!;
    ca.issue('pgbouncer', { dnsNames: ['pgbouncer', 'renewed.pgbouncer'], ips: ['127.0.0.1'], gid: bouncerRoot.gid });
    // The names of the certificate PgBouncer presents now.
    const presentedNames = () => {
      const hello = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${bouncerPort}`, '-starttls', 'postgres'], { input: '', encoding: 'utf8', timeout: 10000 }).stdout;
      return spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: hello, encoding: 'utf8' }).stdout;
    };
    try {
      await waitFor('PgBouncer to present the renewed certificate', () => /renewed\.pgbouncer/.test(presentedNames()), 15000, 500);
    } catch (e) {
      throw new Error(`${(e as Error).message}: it presents ${presentedNames()}\nPgBouncer's log:\n${fs.readFileSync(bouncer.log, 'utf8').slice(-1500)}`);
    }
    expect(presentedSubject(bouncerPort, certs.postgres.ca)).toMatch(/^CN ?= ?pgbouncer$/);
    expect(bouncer.exited).toBe(false);
    expect(bouncer.process.pid).toBe(pid);
    expect(psql(viaBouncer, 'select 1')).toBe('1');
    expect(fs.readFileSync(bouncer.log, 'utf8')).toMatch(/the certificate in .* changed: sent SIGHUP/);
  });

  test('the startup parameters Superset sends pass through transaction pooling', () => {
    expect(psql({ ...viaBouncer, appName: 'superset-web' }, 'show application_name')).toBe('superset-web');
    expect(psql(viaBouncer, "select current_setting('server_version_num')::int >= 150000")).toBe('t');
  });

  test(`pgbench: ${CLIENTS} clients through PgBouncer (pool ${budget.serverPerPgbouncer}) vs direct, zero errors, server connections within budget`, async () => {
    const i = inRoot(`${PG_BIN}/pgbench`, ['-i', '-s', '10', '-q'], { PGHOST: '127.0.0.1', PGPORT: String(pgPort), PGUSER: db.user, PGDATABASE: db.name, PGPASSWORD: passwords.superset, ...libpqTls(direct) });
    const init = spawnSync(i.argv[0], i.argv.slice(1), { encoding: 'utf8', env: i.env });
    expect(init.status).toBe(0);

    const args = ['-c', String(CLIENTS), '-j', '2', '-T', String(SECONDS), '-M', 'simple', '-n'];
    // Sample SHOW POOLS while pgbench runs through PgBouncer.
    let maxServers = 0;
    let maxWaiting = 0;
    let samples = 0;
    const sampled = async <T>(run: Promise<T>): Promise<T> => {
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          for (const row of psqlRows(stats, 'SHOW POOLS').filter((r) => r.database === db.name)) {
            const servers = ['sv_active', 'sv_idle', 'sv_used', 'sv_tested', 'sv_login'].reduce((sum, k) => sum + Number(row[k] ?? 0), 0);
            maxServers = Math.max(maxServers, servers);
            maxWaiting = Math.max(maxWaiting, Number(row.cl_waiting ?? 0));
            samples++;
          }
          await sleep(200);
        }
      })();
      const result = await run;
      sampling = false;
      await sampler;
      return result;
    };
    const directRuns: PgbenchResult[] = [];
    const bouncerRuns: PgbenchResult[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      directRuns.push(await pgbench(direct, args));
      bouncerRuns.push(await sampled(pgbench(viaBouncer, args)));
    }
    const row = (path: string, r: PgbenchResult, i: number, servers: number | string, waiting: number | string) => ({
      path, run: i + 1, tps: r.tps.toFixed(0), 'avg latency ms': r.latencyMs.toFixed(1), transactions: r.processed, failed: r.failed, 'max server conns': servers, 'max clients waiting': waiting,
    });
    console.log([
      `pgbench (TPC-B-like, scale 10, ${CLIENTS} clients, ${SECONDS} s, 2 threads, simple protocol), interleaved, on this 2-core machine (load average ${os.loadavg()[0].toFixed(1)}):`,
      table([
        ...directRuns.map((r, i) => row('direct to Postgres', r, i, CLIENTS, '-')),
        ...bouncerRuns.map((r, i) => row(`through PgBouncer (pool ${env.config.pgbouncer.defaultPoolSize} + reserve ${env.config.pgbouncer.reservePoolSize})`, r, i, maxServers, maxWaiting)),
      ]),
      `SHOW POOLS sampled ${samples} times; budget per PgBouncer pod (max_db_connections) = ${budget.serverPerPgbouncer}`,
    ].join('\n'));

    for (const through of bouncerRuns) {
      expect(through.status).toBe(0);
      expect(through.stderr).toBe('');
      expect(through.failed).toBe(0);
      expect(through.processed).toBeGreaterThan(0);
    }
    for (const straight of directRuns) expect(straight.status).toBe(0);
    expect(samples).toBeGreaterThan(10);
    expect(maxServers).toBeGreaterThan(0);
    expect(maxServers).toBeLessThanOrEqual(budget.serverPerPgbouncer);
    expect(maxWaiting).toBeGreaterThan(0); // more clients than the pool: they queued, none failed
  });

  test('preStop: SIGINT lets an in-flight transaction finish, then PgBouncer exits', async () => {
    // The exec chain and the start script exec'd into PgBouncer: the process's pid is PgBouncer's.
    const pgbouncerPid = bouncer.process.pid!;
    expect(fs.readFileSync(`/proc/${pgbouncerPid}/comm`, 'utf8').trim()).toBe('pgbouncer');
    const prestop = path.join(bdir, 'pgbouncer-prestop.sh');
    writeOwned(prestop, data['pgbouncer-prestop.sh'], 0o755, bouncerRoot);
    const started = Date.now();
    const tx = new Promise<string>((resolve) => {
      const q = inRoot(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-c', 'select pg_sleep(2), 42'],
        { PGHOST: '127.0.0.1', PGPORT: String(bouncerPort), PGUSER: db.user, PGDATABASE: db.name, PGPASSWORD: passwords.superset, ...libpqTls(viaBouncer) });
      const c = spawn(q.argv[0], q.argv.slice(1), { env: q.env });
      let out = '';
      c.stdout.on('data', (d) => { out += d; });
      c.on('exit', () => resolve(out.trim()));
    });
    await sleep(300);
    // The hook as the kubelet runs it, in the container (delay 0 here: there is no Service to drain).
    const h = inRoot('/bin/sh', [prestop, '0', String(pgbouncerPid)], {}, bouncerRoot);
    // Asynchronous: PgBouncer is this process's child, reaped only while the event loop runs (the
    // hook waits for its pid to disappear).
    const hook = await new Promise<number | null>((resolve) => {
      const c = spawn(h.argv[0], h.argv.slice(1), { env: h.env, stdio: 'ignore', timeout: 30000 });
      c.on('exit', (code) => resolve(code));
    });
    const exitedAfter = Date.now() - started;
    expect(hook).toBe(0);
    expect(await tx).toBe('|42');
    expect(await waitForExit(bouncer, 5000)).toBe(true);
    console.log(`preStop SIGINT: the 2 s transaction finished, PgBouncer exited ${exitedAfter} ms after it started`);
    signalGroup(bouncer, 'SIGKILL');
  });
});
