// A 3-member Patroni cluster from the patroni.yml we generate (dist/staging), with only the DCS
// swapped to a local etcd (there is no Kubernetes API here) and hosts, ports and paths made local.
// Each member runs the Patroni container's command of the StatefulSet (its start script, then
// patroni), with only the paths made local, from the spilo-18 stand-in's root (Patroni and
// PostgreSQL from Debian unstable) as the container's user; etcd is the host's.
// Measures: hard kill of the primary (a node or pod crash) -> a replica is a writable primary;
// a graceful switchover through the REST API; a graceful stop of the primary (pod deletion).
// Also: a member whose data directory an fsGroup ownership change made group-accessible starts;
// with postgres.tls (on in staging) the members speak TLS with a certificate made for the run (as
// the kubelet lays out the Secret: root-owned, group 103, key 0640): clients and replicas use TLS,
// plaintext and the superuser over TCP are refused, and a crashed primary rejoins through pg_rewind
// as the rewind role.
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse } from 'yaml';
import { resolveEnvironment } from '../../../lib/config/load';
import { toPatroniYaml } from '../../../lib/postgres/patroni-config';
import { ENVIRONMENTS } from '../../../environments';
import { PATRONI_PATHS } from '../../../lib/postgres/database-pod';
import { POSTGRES_TLS } from '../../../lib/postgres/endpoints';
import { applyFsGroup } from '../../e2e/harness/kubelet/volumes';
import {
  configMapData, distObjects, freePort, inRoot, killPid, PG_BIN, POSTGRES_ROOT, presentedSubject, psql, PsqlTarget, Server, signalGroup, sleep, startServer, stopAll,
  table, TestCa, tempDir, TestCertificate, throwawayPassword, waitFor, waitForExit, writeOwned,
} from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ENV = 'staging';
const MEMBERS = 3;
/**
 * Opt-in comparison for the trade-off table of docs/database.md, e.g. PATRONI_IT_TIMING=30/10/10: replaces
 * ttl/loop_wait/retry_timeout. Unset (CI), the generated values are used unchanged.
 */
const TIMING_OVERRIDE = process.env.PATRONI_IT_TIMING?.split('/').map(Number);

interface Member {
  readonly name: string;
  readonly dir: string;
  readonly pgPort: number;
  readonly apiPort: number;
  readonly configFile: string;
  server?: Server;
}

/** With postgres.tls the REST API is HTTPS: requests check its certificate against this CA file. */
let apiCa: string | undefined;

interface ApiAnswer {
  readonly status: number;
  readonly body: string;
}

/** A request to a member's REST API (HTTPS checked against the run's CA with postgres.tls). */
function api(member: Member, route: string, init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<ApiAnswer> {
  return request(`${apiCa ? 'https' : 'http'}://127.0.0.1:${member.apiPort}${route}`, init);
}

function request(url: string, init: { method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<ApiAnswer> {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.request(url, { method: init.method ?? 'GET', headers: init.headers, timeout: init.timeoutMs ?? 2000, ...(apiCa ? { ca: fs.readFileSync(apiCa) } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer within ${init.timeoutMs ?? 2000} ms`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

async function status(member: Member, route: string): Promise<number> {
  try {
    return (await api(member, route)).status;
  } catch {
    return 0;
  }
}

describe(`Patroni from dist/${ENV}/20-postgres.yaml, DCS swapped to etcd`, () => {
  const env = resolveEnvironment(ENV, ENVIRONMENTS[ENV]);
  const p = TIMING_OVERRIDE
    ? { ...env.config.postgres.patroni, ttlSeconds: TIMING_OVERRIDE[0], loopWaitSeconds: TIMING_OVERRIDE[1], retryTimeoutSeconds: TIMING_OVERRIDE[2] }
    : env.config.postgres.patroni;
  const db = env.config.superset.database;
  const data = configMapData(ENV, '20-postgres.yaml', 'postgres-patroni');
  const generated = parse(data['patroni.yml']);
  const statefulSet = distObjects(ENV, '20-postgres.yaml').find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres');
  const patroniContainer = statefulSet.spec.template.spec.containers.find((c: any) => c.name === 'patroni');
  /** A plain value of the container's env (undefined when it has none). */
  const containerEnv = (name: string): string | undefined => patroniContainer.env.find((e: any) => e.name === name)?.value;
  /** The role pg-backup logs in as (ops.backup.credentials.user). */
  const backupUser = env.config.ops.backup.credentials.user;
  const passwords = { superuser: throwawayPassword(), replication: throwawayPassword(), rewind: throwawayPassword(), restapi: throwawayPassword(), superset: throwawayPassword(), backup: throwawayPassword() };
  /** postgres.tls: the generated file turns ssl on (staging does). */
  const tls = generated.postgresql.parameters.ssl === 'on';
  let certificate: TestCertificate;
  /** The run's CA (its key kept until the end, to renew the certificate). */
  let ca: TestCa;
  const timings: Array<Record<string, string | number>> = [];
  const members: Member[] = [];
  let root: string;
  let etcdPort: number;

  /** Superset's role over TCP, as a client in the cluster connects: TLS checked against the CA and the name. */
  const target = (m: Member): PsqlTarget => ({
    host: '127.0.0.1', port: m.pgPort, user: db.user, database: db.name, password: passwords.superset,
    ...(tls ? { sslmode: 'verify-full', sslrootcert: certificate.ca } : {}),
  });
  /** The superuser, over the member's socket as its OS user (peer): the only way it logs in. */
  const superuser = (m: Member): PsqlTarget => ({ host: m.dir, port: m.pgPort, user: 'postgres', database: 'postgres' });

  /** The member whose Postgres accepts a write now, if any (what the `postgres` Service would route to). */
  function writable(candidates: Member[]): Member | undefined {
    for (const m of candidates) {
      try {
        psql(target(m), 'insert into failover_probe default values', 1);
        return m;
      } catch {
        // not writable (down, read-only replica, or shutting down)
      }
    }
    return undefined;
  }

  async function leader(): Promise<Member> {
    return waitFor('a leader', async () => {
      for (const m of members) if (m.server && !m.server.exited && (await status(m, '/primary')) === 200) return m;
      return undefined;
    }, 90000, 250);
  }

  /**
   * Every member answers on its own REST API: exactly one primary, the others running replicas,
   * and every Postgres accepts connections. (The DCS member list alone can hold a crashed member's
   * stale entry until its key expires.)
   */
  async function healthy(): Promise<void> {
    await waitFor('one primary and streaming replicas on every member', async () => {
      const primaries: Member[] = [];
      for (const m of members) {
        if (!m.server || m.server.exited) return false;
        const [primary, replica] = [await status(m, '/primary'), await status(m, '/replica')];
        if (primary === 200) primaries.push(m);
        else if (replica !== 200) return false;
        psql(target(m), 'select 1', 2);
      }
      if (primaries.length !== 1) return false;
      return Number(psql(superuser(primaries[0]), "select count(*) from pg_stat_replication where state = 'streaming'", 2)) === MEMBERS - 1;
    }, 120000, 500);
  }

  /** The container's command with the pod's paths made local: the scripts and patroni.yml of the ConfigMap. */
  function localCommand(m: Member): string[] {
    return (patroniContainer.command as string[]).map((arg) => {
      if (arg === PATRONI_PATHS.configFile) return m.configFile;
      if (arg.startsWith(`${PATRONI_PATHS.scriptsDir}/`)) return path.join(root, path.basename(arg));
      return arg;
    });
  }

  function startMember(m: Member): void {
    const [command, ...args] = localCommand(m);
    m.server = startServer(m.name, command, args, {
      log: path.join(m.dir, 'patroni.log'),
      env: {
        // What the StatefulSet's env provides in a pod.
        PGDATA: path.join(m.dir, 'data'),
        PATRONI_NAME: m.name,
        PATRONI_POSTGRESQL_CONNECT_ADDRESS: `127.0.0.1:${m.pgPort}`,
        PATRONI_RESTAPI_CONNECT_ADDRESS: `127.0.0.1:${m.apiPort}`,
        PATRONI_RESTAPI_USERNAME: 'patroni',
        PATRONI_RESTAPI_PASSWORD: passwords.restapi,
        PATRONI_SUPERUSER_PASSWORD: passwords.superuser,
        PATRONI_REPLICATION_PASSWORD: passwords.replication,
        PATRONI_REWIND_PASSWORD: passwords.rewind,
        REWIND_DATABASE_USER: containerEnv('REWIND_DATABASE_USER'),
        REWIND_DATABASE_PASSWORD: passwords.rewind,
        // The socket, as the StatefulSet sets it; the start script's watcher of the certificate
        // Secret (postgres.tls) reloads through it, checking every second here.
        PGHOST: m.dir,
        PGPORT: String(m.pgPort), // the socket's name carries the port (5432 in a pod, libpq's default)
        ...(containerEnv('TLS_WATCH_DIR') ? { TLS_WATCH_DIR: path.dirname(certificate.cert), TLS_WATCH_SECONDS: '1' } : {}),
        SUPERSET_DATABASE_NAME: db.name,
        SUPERSET_DATABASE_USER: db.user,
        SUPERSET_DATABASE_PASSWORD: passwords.superset,
        // Set by the StatefulSet when post-bootstrap is to create the backup role.
        ...(containerEnv('BACKUP_DATABASE_USER') ? { BACKUP_DATABASE_USER: containerEnv('BACKUP_DATABASE_USER'), BACKUP_DATABASE_PASSWORD: passwords.backup } : {}),
      },
    });
  }

  /** A pod crash: Patroni and its Postgres die at once, without any cleanup. */
  function hardKill(m: Member): void {
    const pidFile = path.join(m.dir, 'data', 'postmaster.pid');
    const postmaster = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
    signalGroup(m.server!, 'SIGKILL');
    if (postmaster > 0) killPid(postmaster, 'SIGKILL');
  }

  beforeAll(async () => {
    root = tempDir('patroni-it-');
    etcdPort = await freePort();
    const peerPort = await freePort();
    startServer('etcd', '/usr/bin/etcd', [
      '--name', 'it', '--data-dir', path.join(root, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${peerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
      '--initial-cluster', `it=http://127.0.0.1:${peerPort}`, '--log-level', 'warn',
    ], { log: path.join(root, 'etcd.log'), root: 'host' });
    await waitFor('etcd', async () => (await fetch(`http://127.0.0.1:${etcdPort}/health`).catch(() => undefined))?.ok, 20000, 200);

    // The certificate the Secret postgres-tls would hold: one for every member (they are reached by IP).
    ca = new TestCa(path.join(root, 'tls'));
    certificate = ca.issue('postgres', { dnsNames: ['postgres', 'localhost'], ips: ['127.0.0.1'], gid: POSTGRES_ROOT.gid });
    if (tls) apiCa = certificate.ca;
    const localTls: Record<string, string> = { [POSTGRES_TLS.cert]: certificate.cert, [POSTGRES_TLS.key]: certificate.key, [POSTGRES_TLS.ca]: certificate.ca };
    const script = path.join(root, 'post-bootstrap.sh');
    for (const name of Object.keys(data).filter((k) => k.endsWith('.sh'))) writeOwned(path.join(root, name), data[name], 0o755);
    for (let i = 0; i < MEMBERS; i++) {
      const dir = path.join(root, `postgres-${i}`);
      fs.mkdirSync(dir, { mode: 0o700 });
      spawnSync('chown', ['--reference', root, dir]);
      const m: Member = { name: `postgres-${i}`, dir, pgPort: await freePort(), apiPort: await freePort(), configFile: path.join(dir, 'patroni.yml') };
      // Only the DCS, hosts, ports and paths change; everything else is the generated file.
      const config = structuredClone(generated);
      delete config.kubernetes;
      config.etcd3 = { hosts: [`127.0.0.1:${etcdPort}`] };
      config.restapi.listen = `127.0.0.1:${m.apiPort}`;
      config.postgresql.listen = `127.0.0.1:${m.pgPort}`;
      config.postgresql.data_dir = path.join(dir, 'data');
      config.postgresql.pgpass = path.join(dir, 'pgpass');
      config.postgresql.parameters.unix_socket_directories = dir;
      config.bootstrap.post_bootstrap = script;
      // The Secret volume's paths, made local (ssl_*_file, the members' sslrootcert, the REST API's
      // certificate and the client settings of Patroni and patronictl).
      for (const section of [config.postgresql.parameters, config.postgresql.authentication.replication, config.postgresql.authentication.rewind, config.restapi, config.ctl ?? {}]) {
        for (const [k, v] of Object.entries(section)) if (typeof v === 'string' && localTls[v]) section[k] = localTls[v];
      }
      Object.assign(config.bootstrap.dcs, { ttl: p.ttlSeconds, loop_wait: p.loopWaitSeconds, retry_timeout: p.retryTimeoutSeconds });
      writeOwned(m.configFile, toPatroniYaml(config));
      members.push(m);
    }
    for (const m of members) startMember(m);
    const first = await leader();
    psql({ ...target(first) }, 'create table if not exists failover_probe (id bigserial primary key, at timestamptz default now())', 5);
    await healthy();
  });

  afterAll(async () => {
    ca?.dropCaKey();
    const version = inRoot('patroni', ['--version'], {});
    if (timings.length) console.log(`${spawnSync(version.argv[0], version.argv.slice(1), { encoding: 'utf8', env: version.env }).stdout.trim()}, PostgreSQL ${psql(superuser(await leader()), 'show server_version')}, ttl ${p.ttlSeconds} / loop_wait ${p.loopWaitSeconds} / retry_timeout ${p.retryTimeoutSeconds}, failsafe_mode ${p.failsafeMode}:\n${table(timings)}`);
    await stopAll();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('bootstraps one primary and two streaming replicas; post-bootstrap created Superset\'s role; probes answer', async () => {
    const primary = await leader();
    expect(psql(target(primary), 'select current_user')).toBe(db.user);
    expect(psql(target(primary), 'select pg_is_in_recovery()')).toBe('f');
    expect(Number(psql(superuser(primary), "select count(*) from pg_stat_replication where state = 'streaming'"))).toBe(MEMBERS - 1);
    for (const m of members) {
      expect(await status(m, '/readiness')).toBe(200);
      expect(await status(m, '/liveness')).toBe(200);
    }
    const config = JSON.parse((await api(primary, '/config')).body);
    expect([config.ttl, config.loop_wait, config.retry_timeout, config.failsafe_mode]).toEqual([p.ttlSeconds, p.loopWaitSeconds, p.retryTimeoutSeconds, p.failsafeMode]);
    expect(config.postgresql.parameters.max_connections).toBe(100);
    // Unsafe endpoints need the REST API password.
    expect((await api(primary, '/restart', { method: 'POST', body: '{}' })).status).toBe(401);
  });

  (tls ? test : test.skip)('the REST API speaks HTTPS only; Patroni\'s own client (members, patronictl) checks the CA, not the host name (members are reached by pod IP)', async () => {
    const primary = await leader();
    expect(generated.restapi).toMatchObject({ certfile: POSTGRES_TLS.cert, keyfile: POSTGRES_TLS.key });
    // A plain HTTP client gets no answer.
    await expect(request(`http://127.0.0.1:${primary.apiPort}/readiness`)).rejects.toThrow();
    expect((await api(primary, '/readiness')).status).toBe(200);
    // Two servers Patroni's client is pointed at: a certificate of the run's CA that does not name
    // 127.0.0.1 (as a member's never names its pod IP), and one of another CA.
    const serve = async (cert: TestCertificate) => {
      const server = https.createServer({ cert: fs.readFileSync(cert.cert), key: fs.readFileSync(cert.key) }, (_req, res) => res.end('{}'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return server;
    };
    const sameCa = await serve(ca.issue('elsewhere', { dnsNames: ['elsewhere.invalid'], gid: POSTGRES_ROOT.gid }));
    const foreign = await serve(new TestCa(path.join(root, 'foreign-tls')).issue('postgres', { dnsNames: ['postgres'], ips: ['127.0.0.1'], gid: POSTGRES_ROOT.gid }));
    const url = (server: https.Server) => `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    // patroni/request.py as the daemon (insecure=True) and patronictl (from ctl.insecure) build it.
    const client = `
import sys, yaml
from patroni.request import PatroniRequest
config = yaml.safe_load(open(sys.argv[1]))
for name, insecure in (("daemon", True), ("patronictl", None)):
    r = PatroniRequest(config, insecure)
    for url in sys.argv[2:]:
        try:
            print(name, r.request("GET", url, timeout=5, retries=False).status)
        except Exception as e:
            print(name, type(e).__name__)
`;
    try {
      const run = inRoot('python3', ['-c', client, primary.configFile, url(sameCa), url(foreign)], {});
      const r = await new Promise<string>((resolve) => execFile(run.argv[0], run.argv.slice(1), { env: run.env, encoding: 'utf8', timeout: 30000 }, (_e, out, err) => resolve(out + err)));
      expect(r.trim().split('\n')).toEqual(['daemon 200', expect.stringMatching(/^daemon (SSLError|MaxRetryError)$/), 'patronictl 200', expect.stringMatching(/^patronictl (SSLError|MaxRetryError)$/)]);
    } finally {
      sameCa.close();
      foreign.close();
    }
  });

  test(`the server runs the major of patroni.yml's bin_dir (${PG_BIN})`, async () => {
    const major = Number(/\/postgresql\/(\d+)\/bin$/.exec(generated.postgresql.bin_dir)?.[1]);
    expect(major).toBe(env.config.postgres.majorVersion);
    const primary = await leader();
    expect(Math.floor(Number(psql(superuser(primary), 'show server_version_num')) / 10000)).toBe(major);
  });

  test('post-bootstrap created the backup role from its Secret: it logs in, reads Superset\'s tables, cannot write; a re-run changes nothing; no password in any log', async () => {
    const primary = await leader();
    const backup: PsqlTarget = { ...target(primary), user: backupUser, password: passwords.backup };
    psql(target(primary), 'insert into failover_probe default values');
    expect(Number(psql(backup, 'select count(*) from failover_probe'))).toBeGreaterThan(0);
    expect(() => psql(backup, 'insert into failover_probe default values')).toThrow(/permission denied/);
    const roles = () => psql(superuser(primary), `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin from pg_roles where rolname in ('${db.user}', '${backupUser}', 'rewind') order by 1`);
    const grants = () => psql(superuser(primary), `select pg_has_role('${backupUser}', 'pg_read_all_data', 'member'), has_database_privilege('${backupUser}', '${db.name}', 'connect')`);
    const before = [roles(), grants()];
    expect(before[1]).toBe('t|t');

    // Run again, as an operator would (in the pod, over the socket) on a cluster bootstrapped without the backup role.
    const script = path.join(root, 'post-bootstrap.sh');
    const again = inRoot(script, [`host=${primary.dir} port=${primary.pgPort} user=postgres dbname=postgres`], {
      SUPERSET_DATABASE_NAME: db.name, SUPERSET_DATABASE_USER: db.user, SUPERSET_DATABASE_PASSWORD: passwords.superset,
      BACKUP_DATABASE_USER: containerEnv('BACKUP_DATABASE_USER'), BACKUP_DATABASE_PASSWORD: passwords.backup,
      REWIND_DATABASE_USER: containerEnv('REWIND_DATABASE_USER'), REWIND_DATABASE_PASSWORD: passwords.rewind,
    });
    const rerun = spawnSync(again.argv[0], again.argv.slice(1), { encoding: 'utf8', env: again.env });
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(/backup role "superset_backup" is in place/);
    expect(rerun.stdout).toMatch(/pg_rewind role "rewind" is in place/);
    expect([roles(), grants()]).toEqual(before);
    expect(Number(psql(backup, 'select count(*) from failover_probe'))).toBeGreaterThan(0);

    const logs = fs.readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(root, f), 'utf8'));
    expect(logs.length).toBeGreaterThanOrEqual(MEMBERS);
    for (const text of [...logs, rerun.stdout, rerun.stderr]) {
      expect(text.includes(passwords.backup)).toBe(false);
      expect(text.includes(passwords.rewind)).toBe(false);
      expect(text.includes(passwords.superset)).toBe(false);
    }
  });

  /** psql with a full connection string (for replication=true), as the postgres root's user; its exit status and stderr. */
  function connect(conninfo: string, sql: string, env: Record<string, string> = {}): { status: number | null; stderr: string } {
    const c = inRoot(`${PG_BIN}/psql`, ['-X', '-A', '-t', '-d', conninfo, '-c', sql], { PGCONNECT_TIMEOUT: '3', ...env });
    const r = spawnSync(c.argv[0], c.argv.slice(1), { encoding: 'utf8', timeout: 8000, env: c.env });
    return { status: r.status, stderr: r.stderr };
  }

  test('postgres.tls: a TLS client (verify-full) is accepted, a plaintext one is refused by the hostssl-only pg_hba; replicas stream over TLS', async () => {
    expect(tls).toBe(true);
    const primary = await leader();
    expect(psql(target(primary), 'select ssl from pg_stat_ssl where pid = pg_backend_pid()')).toBe('t');
    expect(() => psql({ ...target(primary), sslmode: 'disable', sslrootcert: undefined }, 'select 1'))
      .toThrow(/no pg_hba\.conf entry for host "127\.0\.0\.1", user "superset", database "superset", no encryption/);
    // A client that does not trust the CA gets no connection either.
    expect(() => psql({ ...target(primary), sslrootcert: '/etc/ssl/certs/ca-certificates.crt' }, 'select 1')).toThrow(/certificate verify failed/);
    expect(Number(psql(superuser(primary), "select count(*) from pg_stat_replication r join pg_stat_ssl s using (pid) where r.state = 'streaming' and s.ssl"))).toBe(MEMBERS - 1);
  });

  test('the superuser is refused over TCP whatever its password (TLS or not, databases and replication); over the socket only the OS user "postgres" gets in (peer)', async () => {
    const primary = await leader();
    const tcp = `host=127.0.0.1 port=${primary.pgPort} user=postgres dbname=postgres`;
    const ssl = `sslmode=verify-full sslrootcert=${certificate.ca}`;
    const env = { PGPASSWORD: passwords.superuser };
    expect(connect(`${tcp} ${ssl}`, 'select 1', env).stderr).toMatch(/pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres", database "postgres", SSL encryption/);
    expect(connect(`${tcp} sslmode=disable`, 'select 1', env).stderr).toMatch(/pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "postgres", database "postgres", no encryption/);
    expect(connect(`${tcp} ${ssl} replication=true`, 'IDENTIFY_SYSTEM', env).stderr).toMatch(/pg_hba\.conf rejects replication connection for host "127\.0\.0\.1", user "postgres"/);
    // The replication role replicates over TLS only.
    expect(connect(`host=127.0.0.1 port=${primary.pgPort} user=standby dbname=postgres ${ssl} replication=true`, 'IDENTIFY_SYSTEM', { PGPASSWORD: passwords.replication }).status).toBe(0);
    expect(connect(`host=127.0.0.1 port=${primary.pgPort} user=standby dbname=postgres sslmode=disable replication=true`, 'IDENTIFY_SYSTEM', { PGPASSWORD: passwords.replication }).stderr).toMatch(/no pg_hba\.conf entry for replication connection/);
    // The socket: peer, so the OS user (postgres) is the database user; nobody else, no password asked.
    expect(psql(superuser(primary), 'select current_user')).toBe('postgres');
    expect(() => psql({ ...superuser(primary), user: db.user, database: db.name, password: passwords.superset }, 'select 1')).toThrow(/Peer authentication failed for user "superset"/);
  });

  test('the rewind role has exactly the four EXECUTE grants of pg_rewind and nothing else', async () => {
    const primary = await leader();
    expect(psql(superuser(primary), "select rolsuper, rolreplication, rolcreaterole, rolcreatedb, rolcanlogin from pg_roles where rolname = 'rewind'")).toBe('f|f|f|f|t');
    const functions = ['pg_ls_dir(text, boolean, boolean)', 'pg_stat_file(text, boolean)', 'pg_read_binary_file(text)', 'pg_read_binary_file(text, bigint, bigint, boolean)'];
    for (const f of functions) expect(psql(superuser(primary), `select has_function_privilege('rewind', 'pg_catalog.${f}', 'execute')`)).toBe('t');
    // pg_read_file (text) stays superuser-only: no grant beyond what pg_rewind needs.
    expect(psql(superuser(primary), "select has_function_privilege('rewind', 'pg_catalog.pg_read_file(text)', 'execute'), pg_has_role('rewind', 'pg_read_server_files', 'member')")).toBe('f|f');
  });

  test('a renewed certificate (the Secret\'s files replaced) is presented by every member\'s PostgreSQL and REST API without a restart: the start script has Patroni reload both', async () => {
    await healthy();
    const presented = (port: number, starttls: string[]) => {
      const hello = spawnSync('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...starttls], { input: '', encoding: 'utf8', timeout: 10000 }).stdout;
      return spawnSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: hello, encoding: 'utf8' }).stdout;
    };
    const sans = (m: Member) => `${presented(m.pgPort, ['-starttls', 'postgres'])} / ${presented(m.apiPort, [])}`;
    const renewed = (m: Member) => /renewed\.postgres[^/]*\/.*renewed\.postgres/s.test(sans(m));
    const pids = members.map((m) => m.server!.process.pid);
    ca.issue('postgres', { dnsNames: ['postgres', 'localhost', 'renewed.postgres'], ips: ['127.0.0.1'], gid: POSTGRES_ROOT.gid });
    try {
      await waitFor('every member to present the renewed certificate on PostgreSQL and the REST API', () => members.every(renewed), 20000, 500);
    } catch (e) {
      const logs = members.map((m) => `${m.name}: ${sans(m).trim()}\n${fs.readFileSync(path.join(m.dir, 'patroni.log'), 'utf8').split('\n').filter((l) => /patroni-start|psql|reload/i.test(l)).slice(-5).join('\n')}`);
      throw new Error(`${(e as Error).message}\n${logs.join('\n')}`);
    }
    for (const m of members) expect(presentedSubject(m.pgPort, certificate.ca)).toMatch(/^CN ?= ?postgres$/);
    expect(members.map((m) => m.server!.process.pid)).toEqual(pids);
    for (const m of members) expect(fs.readFileSync(path.join(m.dir, 'patroni.log'), 'utf8')).toMatch(/certificate in .* changed: sent Patroni SIGHUP/);
    await healthy();
  });

  test('a member whose data directory an fsGroup change made group-accessible starts again (mode 0700)', async () => {
    await healthy();
    const primary = await leader();
    const member = members.find((m) => m !== primary)!;
    signalGroup(member.server!, 'SIGTERM');
    expect(await waitForExit(member.server!, 60000)).toBe(true);
    const dataDir = path.join(member.dir, 'data');
    // What the kubelet does to a volume with fsGroup (the harness's model of SetVolumeOwnership):
    // group rw on every file, group rwx and setgid on every directory, PGDATA included.
    applyFsGroup(dataDir, fs.statSync(dataDir).gid, false);
    expect(fs.statSync(dataDir).mode & 0o7777).toBe(0o2770);
    startMember(member);
    await healthy();
    expect(fs.statSync(dataDir).mode & 0o7777).toBe(0o700);
    expect(fs.readFileSync(path.join(member.dir, 'patroni.log'), 'utf8')).not.toMatch(/invalid permissions/);
  });

  test('hard kill of the primary: a replica becomes a writable primary; the crashed member rejoins through pg_rewind as the rewind role', async () => {
    await healthy();
    const old = await leader();
    psql(target(old), 'insert into failover_probe default values');
    const before = Number(psql(target(old), 'select count(*) from failover_probe'));
    await sleep(1500); // let the replicas replay the last write
    const others = members.filter((m) => m !== old);
    // Writes the replicas never receive (their WAL receivers are frozen): the old primary's
    // timeline diverges, so it cannot rejoin without pg_rewind.
    const receivers = others.map((m) => Number(psql(superuser(m), 'select pid from pg_stat_wal_receiver')));
    for (const pid of receivers) killPid(pid, 'SIGSTOP');
    for (let i = 0; i < 20; i++) psql(target(old), 'insert into failover_probe default values');
    const started = Date.now();
    hardKill(old);
    for (const pid of receivers) killPid(pid, 'SIGCONT');
    const promoted = await waitFor('a writable replica', () => writable(others), 120000, 100);
    const elapsed = (Date.now() - started) / 1000;
    timings.push({ event: 'hard kill of the primary (SIGKILL Patroni + Postgres)', 'writable again after (s)': elapsed.toFixed(1), 'new primary': promoted.name });
    expect(Number(psql(target(promoted), 'select count(*) from failover_probe'))).toBeGreaterThanOrEqual(before);
    expect(elapsed).toBeLessThan(p.ttlSeconds + 3 * p.loopWaitSeconds + 10);

    // The crashed member comes back and rejoins as a replica (pg_rewind if needed).
    const restarted = Date.now();
    startMember(old);
    await healthy();
    timings.push({ event: 'crashed member restarted, rejoined as replica (pg_rewind)', 'writable again after (s)': '-', 'new primary': `(rejoined in ${((Date.now() - restarted) / 1000).toFixed(1)} s)` });
    expect(psql(target(old), 'select pg_is_in_recovery()')).toBe('t');
    // Patroni ran pg_rewind against the new primary as the rewind role, over TLS, and it succeeded.
    const log = fs.readFileSync(path.join(old.dir, 'patroni.log'), 'utf8');
    // Patroni logs "running pg_rewind from <leader>", then the connection string pg_rewind gets.
    const sources = [...log.matchAll(/running pg_rewind from (.*=.*)/g)].map((m) => m[1].split(' '));
    expect(sources.length).toBeGreaterThan(0);
    for (const source of sources) expect(source).toEqual(expect.arrayContaining(['user=rewind', 'sslmode=verify-ca']));
    expect(log).toMatch(/pg_rewind exit code=0/);
    // The new primary's server never refused the rewind role.
    expect(fs.readFileSync(path.join(promoted.dir, 'patroni.log'), 'utf8')).not.toMatch(/FATAL: .*user "rewind"/);
  });

  test('graceful switchover through the REST API', async () => {
    await healthy();
    const current = await leader();
    const candidate = members.find((m) => m !== current)!;
    const auth = `Basic ${Buffer.from(`patroni:${passwords.restapi}`).toString('base64')}`;
    const started = Date.now();
    const r = await api(current, '/switchover', {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ leader: current.name, candidate: candidate.name }),
      timeoutMs: 60000,
    });
    expect(r.status).toBe(200);
    await waitFor('the candidate to accept writes', () => writable([candidate]), 60000, 100);
    const elapsed = (Date.now() - started) / 1000;
    timings.push({ event: 'switchover (POST /switchover)', 'writable again after (s)': elapsed.toFixed(1), 'new primary': candidate.name });
    await healthy();
    expect(psql(target(current), 'select pg_is_in_recovery()')).toBe('t');
  });

  test('graceful stop of the primary (pod deletion, SIGTERM) hands over within the grace period', async () => {
    await healthy();
    const old = await leader();
    const others = members.filter((m) => m !== old);
    const started = Date.now();
    signalGroup(old.server!, 'SIGTERM');
    const promoted = await waitFor('a writable replica', () => writable(others), 60000, 100);
    const elapsed = (Date.now() - started) / 1000;
    expect(await waitForExit(old.server!, env.config.postgres.patroni.terminationGracePeriodSeconds * 1000)).toBe(true);
    const stopped = (Date.now() - started) / 1000;
    timings.push({ event: 'graceful stop of the primary (SIGTERM)', 'writable again after (s)': elapsed.toFixed(1), 'new primary': `${promoted.name} (old Patroni exited after ${stopped.toFixed(1)} s)` });
    expect(stopped).toBeLessThan(env.config.postgres.patroni.terminationGracePeriodSeconds);
  });
});
