import { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../../environments';
import { REDIS_QUEUE_SENTINEL } from '../../../lib/redis/endpoints';
import { resolveEnvironment } from '../../../lib/config/load';
import { renderSupersetConfig } from '../../../lib/superset/config-py';
import { buildObjects, find } from '../../helpers';
import { deepMerge } from '../../../lib/config/merge';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { composeWebsocketConfig } from '../../superset/websocket-compose';
import Redis from 'ioredis';
import { exited, rewriteConf, seconds, Servers, sleep, Timings, waitFor } from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// redis-queue as prod runs it: 1 primary + 2 replicas, a Sentinel next to each, all from the
// synthesized ConfigMap and started by its scripts. A hard kill of the primary, a client that
// only knows the Sentinels, a planned handover (preStop), a restart of every pod, and the
// websocket server's reads of the async-event streams from a replica.

const ENV = 'prod';
const platform = resolveEnvironment(ENV, ENVIRONMENTS[ENV]).config;
const queue = platform.redis.queue;
const STUBS = path.join(__dirname, '..', '..', 'fixtures', 'python-stubs');
const data: Record<string, string> = find(buildObjects(ENVIRONMENTS[ENV], ENV), 'ConfigMap', 'redis-queue-config').data;
const MASTER = REDIS_QUEUE_SENTINEL.masterName;

interface Pod {
  readonly index: number;
  readonly dir: string;
  redisPort: number;
  sentinelPort: number;
  redis?: ChildProcess;
  sentinel?: ChildProcess;
}

describe(`redis-queue (${ENV}): ${queue.replicas} Redis + ${queue.replicas} Sentinels from the generated config and scripts`, () => {
  if (queue.mode !== 'sentinel') throw new Error(`${ENV} must run redis-queue under Sentinel for this test`);
  const timings = new Timings();
  // Created in beforeAll, so a run that filters every test out leaves nothing behind.
  let servers: Servers;
  let scripts: string;
  const script = (name: string) => path.join(scripts, name);
  const pods: Pod[] = [];
  const sentinelList = () => pods.map((p) => `127.0.0.1:${p.sentinelPort}`);

  /** The pod's env, as the StatefulSet sets it (names replaced by 127.0.0.1 and ports). */
  const podEnv = (p: Pod): Record<string, string> => ({
    QUEUE_MODE: 'sentinel',
    ANNOUNCE_HOST: '127.0.0.1',
    QUEUE_NODES: pods.map((x) => `127.0.0.1:${x.redisPort}`).join(' '),
    SENTINELS: sentinelList().join(' '),
    MASTER_NAME: MASTER,
    SENTINEL_STATE_FILE: path.join(p.dir, 'data', 'sentinel', 'sentinel.conf'),
    PRESTOP_TIMEOUT_SECONDS: '20',
    REDIS_PORT: String(p.redisPort),
    SENTINEL_PORT: String(p.sentinelPort),
    RUN_DIR: path.join(p.dir, 'run'),
  });

  function startRedis(p: Pod): void {
    fs.mkdirSync(path.join(p.dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(p.dir, 'redis.conf'), rewriteConf(data['redis.conf'], { bind: '127.0.0.1', port: String(p.redisPort), dir: path.join(p.dir, 'data') }));
    p.redis = servers.start(script('queue-start.sh'), { ...podEnv(p), REDIS_CONF: path.join(p.dir, 'redis.conf') }, path.join(p.dir, 'redis.log'));
  }

  function startSentinel(p: Pod): void {
    fs.mkdirSync(path.join(p.dir, 'data'), { recursive: true });
    fs.writeFileSync(path.join(p.dir, 'sentinel.conf'), rewriteConf(data['sentinel.conf'], { bind: '127.0.0.1', port: String(p.sentinelPort) }));
    p.sentinel = servers.start(script('sentinel-start.sh'), { ...podEnv(p), SENTINEL_CONF: path.join(p.dir, 'sentinel.conf') }, path.join(p.dir, 'sentinel.log'));
  }

  const masterPerSentinel = async (p: Pod) => (await servers.cli(p.sentinelPort, 'SENTINEL', 'get-master-addr-by-name', MASTER)).replace('\n', ':');
  const role = async (port: number) => (await servers.cli(port, 'ROLE')).split('\n')[0];
  const ready = async (p: Pod) => (await servers.script(script('queue-ready.sh'), [], podEnv(p))).code === 0;
  const sentinelReady = async (p: Pod) => (await servers.script(script('sentinel-ready.sh'), [], podEnv(p))).code === 0;
  const podOf = (address: string) => pods.find((p) => `127.0.0.1:${p.redisPort}` === address)!;
  /**
   * How many healthy replicas and other Sentinels a Sentinel knows (it learns them from INFO every
   * 10 s): entries of that role whose flags say neither down nor disconnected. Valkey 9.1 keeps a
   * stale `master_down` flag on peer Sentinels after a failover (Redis 7.0 cleared it), which says
   * nothing about the peer's health, so flags are not compared whole.
   */
  async function knowledge(p: Pod): Promise<string> {
    const healthy = (flags: string, role: string) => {
      const set = flags.split(',');
      return set.includes(role) && !set.some((f) => ['s_down', 'o_down', 'disconnected'].includes(f));
    };
    const count = (text: string, role: string) => text.split('\n').filter((line, i, all) => line === 'flags' && healthy(all[i + 1] ?? '', role)).length;
    const replicas = count(await servers.cli(p.sentinelPort, 'SENTINEL', 'replicas', MASTER), 'slave');
    const sentinels = count(await servers.cli(p.sentinelPort, 'SENTINEL', 'sentinels', MASTER), 'sentinel');
    return `${replicas}/${sentinels}`;
  }

  /**
   * The primary's address once everything is settled: every Sentinel names the same primary and
   * knows both replicas and both other Sentinels, every node and Sentinel is ready, and the primary
   * has its replicas online. Before that, a kill can find Sentinels that have not yet seen the
   * replicas (-failover-abort-no-good-slave, retried only after 2 x failover-timeout).
   */
  async function settled(): Promise<string> {
    const masters = await Promise.all(pods.map(masterPerSentinel));
    if (!masters.every((m) => m && m === masters[0])) return '';
    const checks = await Promise.all([...pods.map(ready), ...pods.map(sentinelReady)]);
    const known = await Promise.all(pods.map(knowledge));
    const online = (await servers.cli(podOf(masters[0]).redisPort, 'INFO', 'replication')).match(/^slave\d+:.*state=online/gm)?.length ?? 0;
    const full = `${queue.replicas - 1}/${queue.replicas - 1}`;
    return checks.every(Boolean) && known.every((k) => k === full) && online === queue.replicas - 1 ? masters[0] : '';
  }

  /**
   * The settled primary, waited for: settled() is a snapshot, and right after a handover or a
   * restart one probe or one Sentinel's view can lag for a moment on a loaded machine.
   */
  async function settledNow(what = 'everything settled', timeoutMs = 60000): Promise<string> {
    let address = '';
    await waitFor(what, async () => (address = await settled()) !== '', timeoutMs, 250);
    return address;
  }

  /**
   * Messages kombu never delivered, each with when its publish was acknowledged relative to the
   * kill (seconds, negative = before). Redis replicates asynchronously and kombu's consumer pops a
   * message before it records it as unacknowledged, so a message in flight at the instant of a
   * hard kill can be lost (the Redis replication docs say so); any other loss is a defect.
   */
  const lostAroundKill = (result: any, killedAt: number): number[] =>
    (result.missing_acked_at as number[]).map((t) => Math.round((t - killedAt / 1000) * 1000) / 1000);
  const IN_FLIGHT_SECONDS = 1;

  beforeAll(async () => {
    servers = new Servers();
    scripts = servers.materialize('scripts', data);
    for (let index = 0; index < queue.replicas; index++) pods.push({ index, dir: path.join(servers.root, `pod-${index}`), redisPort: 0, sentinelPort: 0 });
    for (const p of pods) {
      p.redisPort = await servers.freePort();
      p.sentinelPort = await servers.freePort();
    }
    // Every pod at once, as the StatefulSet (Parallel) starts them.
    const started = Date.now();
    for (const p of pods) {
      startSentinel(p);
      startRedis(p);
    }
    await settledNow('1 primary, 2 linked replicas, 3 Sentinels agreeing');
    timings.add('fresh start -> primary + replicas linked, Sentinels agree', seconds(Date.now() - started));
  });

  afterAll(async () => {
    await servers?.stopAll();
    timings.print(`redis-queue (${ENV}: Sentinel down-after ${queue.downAfterMilliseconds} ms, quorum 2 of ${queue.replicas})`);
  });

  test('a fresh deployment: pod 0 is the primary, AOF + noeviction, no password on a command line or in the environment', async () => {
    expect(await settledNow()).toBe(`127.0.0.1:${pods[0].redisPort}`);
    const get = async (key: string) => (await servers.cli(pods[0].redisPort, 'CONFIG', 'GET', key)).split('\n')[1];
    expect(await get('appendonly')).toBe('yes');
    expect(await get('maxmemory-policy')).toBe('noeviction');
    expect(await get('min-replicas-to-write')).toBe(String(queue.minReplicasToWrite));
    expect(await servers.cli(pods[0].sentinelPort, 'SENTINEL', 'ckquorum', MASTER)).toMatch(/^OK 3 usable Sentinels/);
    const sentinelConfig = await servers.cli(pods[1].sentinelPort, 'SENTINEL', 'master', MASTER);
    expect(sentinelConfig).toMatch(new RegExp(`down-after-milliseconds\\n${queue.downAfterMilliseconds}\\n`));
    expect(sentinelConfig).toMatch(/\nquorum\n2\n/);
    for (const p of pods) {
      for (const child of [p.redis!, p.sentinel!]) {
        expect(fs.readFileSync(`/proc/${child.pid}/cmdline`, 'utf8')).not.toContain(servers.password);
        expect(fs.readFileSync(`/proc/${child.pid}/environ`, 'utf8')).not.toContain(servers.password);
      }
      expect(fs.statSync(podEnv(p).SENTINEL_STATE_FILE).mode & 0o077).toBe(0);
    }
  });

  test('kill -9 the primary: a replica is promoted and a client that knows only the Sentinels keeps working', async () => {
    const before = await settledNow();
    const victim = podOf(before);
    const trigger = path.join(servers.root, 'kill-trigger');
    const load = servers.writes(['sentinel-writes', '--sentinels', sentinelList().join(','), '--master', MASTER, '--key', 'ledger-kill', '--trigger', trigger, '--settle', '3', '--max', '120']);
    await load.ready;
    await sleep(1000);
    const killed = Date.now();
    victim.redis!.kill('SIGKILL');
    fs.writeFileSync(trigger, '');
    const others = pods.filter((p) => p !== victim);
    const promoted = await waitFor('the Sentinels to promote a replica', async () => {
      const m = await masterPerSentinel(others[0]);
      return m !== '' && m !== before && (await role(podOf(m).redisPort)) === 'master';
    }, 90000, 50);
    const result = await load.result;
    timings.add('kill -9 primary -> replica promoted (per the Sentinels)', seconds(promoted));
    timings.add('client outage (longest gap between acknowledged writes)', `${result.max_gap.toFixed(2)} s (${result.errors} failed writes)`);
    timings.add('acknowledged writes lost by the hard kill', `${result.lost} of ${result.acknowledged}`);
    if (result.max_gap <= 1) process.stdout.write(`unexpected client result: ${JSON.stringify(result)}\n`);

    expect(result.master_before).toBe(before);
    expect(result.master_after).not.toBe(before);
    expect(result.stuck).toBe(false);
    expect(result.max_gap).toBeGreaterThan(1); // the outage was seen (its length is printed, not asserted)
    void killed;

    // The killed pod restarts (same start script): it asks the Sentinels and joins as a replica.
    const after = await settledMaster(others);
    startRedis(victim);
    await waitFor('the old primary back as a replica', () => ready(victim), 60000, 250);
    expect(await role(victim.redisPort)).toBe('slave');
    expect(await servers.cli(victim.redisPort, 'INFO', 'replication')).toContain(`master_port:${podOf(after).redisPort}`);
    await waitFor('everything settled again', async () => (await settled()) === after, 60000, 250);
    // What each Sentinel says of its peers once settled (printed: Valkey 9.1 keeps master_down).
    const peerFlags = await Promise.all(pods.map(async (p) => {
      const lines = (await servers.cli(p.sentinelPort, 'SENTINEL', 'sentinels', MASTER)).split('\n');
      return lines.flatMap((l, i) => (l === 'flags' ? [lines[i + 1]] : [])).join(' ');
    }));
    timings.add('peer Sentinel flags after the failover (per Sentinel)', peerFlags.join(' | '));
  });

  /**
   * The Celery round-trip client (kombu configured by the rendered superset_config.py, its Sentinel
   * names mapped to this test's addresses: the only change), started; `trigger` is the file that
   * tells it the failure has begun.
   */
  function celeryLoad(triggerName: string, maxSeconds: number) {
    const configFile = path.join(servers.root, 'superset_config.py');
    fs.writeFileSync(configFile, renderSupersetConfig(ENV, platform));
    const map = pods.map((p) => `redis-queue-${p.index}.redis-queue-headless:26379=127.0.0.1:${p.sentinelPort}`).join(',');
    const trigger = path.join(servers.root, triggerName);
    const fake = 'not-a-secret-only-a-test-value-0123456789';
    const load = servers.writes(['celery-roundtrip', '--config', configFile, '--map', map, '--trigger', trigger, '--settle', '3', '--max', String(maxSeconds)], {
      PYTHONPATH: STUBS, REDIS_QUEUE_PASSWORD: servers.password, REDIS_CACHE_PASSWORD: fake, SUPERSET_SECRET_KEY: fake, GLOBAL_ASYNC_QUERIES_JWT_SECRET: fake,
      DATABASE_USER: 'superset', DATABASE_PASSWORD: fake, DATABASE_HOST: 'localhost', DATABASE_PORT: '5432', DATABASE_NAME: 'superset',
    });
    return { load, trigger };
  }

  async function settledMaster(among: Pod[]): Promise<string> {
    let master = '';
    await waitFor('the Sentinels to agree on the primary', async () => {
      const masters = await Promise.all(among.map(masterPerSentinel));
      master = masters[0];
      return master !== '' && masters.every((m) => m === master);
    }, 30000, 100);
    return master;
  }

  test('preStop of the primary hands over to a replica: writers wait, no acknowledged write is lost', async () => {
    const before = await settledNow();
    const primary = podOf(before);
    const trigger = path.join(servers.root, 'prestop-trigger');
    const load = servers.writes(['sentinel-writes', '--sentinels', sentinelList().join(','), '--master', MASTER, '--key', 'ledger-prestop', '--trigger', trigger, '--settle', '3', '--max', '90']);
    await load.ready;
    await sleep(1000);
    const started = Date.now();
    const prestop = await servers.script(script('queue-prestop.sh'), ['127.0.0.1', String(primary.redisPort)], podEnv(primary));
    const took = Date.now() - started;
    fs.writeFileSync(trigger, '');
    const result = await load.result;
    timings.add('preStop handover (pause, catch-up, SENTINEL FAILOVER, follow)', seconds(took));
    timings.add('client pause during the handover', `${result.max_gap.toFixed(2)} s (${result.errors} failed writes)`);
    timings.add('acknowledged writes lost by the handover', `${result.lost} of ${result.acknowledged}`);

    expect(prestop.code).toBe(0);
    expect(prestop.output).toMatch(/handed over to 127\.0\.0\.1:\d+/);
    expect(await role(primary.redisPort)).toBe('slave');
    expect(result.master_after).not.toBe(before);
    expect(result.lost).toBe(0);
    expect(result.stuck).toBe(false);
    await waitFor('everything settled again', async () => (await settled()) === result.master_after, 60000, 250);
    // A replica's preStop does nothing.
    expect((await servers.script(script('queue-prestop.sh'), ['127.0.0.1', String(primary.redisPort)], podEnv(primary))).output).toMatch(/not the primary/);
  });

  test('Celery on the Sentinel transport, configured by the rendered superset_config.py: no task lost through a hard kill', async () => {
    const before = await settledNow();
    const victim = podOf(before);
    const { load, trigger } = celeryLoad('celery-trigger', 120);
    await load.ready;
    await sleep(1000);
    const killedAt = Date.now();
    victim.redis!.kill('SIGKILL');
    fs.writeFileSync(trigger, '');
    const result = await load.result;
    const lost = lostAroundKill(result, killedAt);
    timings.add('Celery publish through kill -9 (kombu, publish retry policy)', `longest wait ${result.max_gap.toFixed(2)} s, ${result.errors} failed publishes`);
    timings.add('Celery messages published / consumed', `${result.published} / ${result.consumed}${lost.length ? ` (never consumed: acknowledged ${lost.join(', ')} s from the kill)` : ''}`);
    if (result.errors) process.stdout.write(`publish errors: ${JSON.stringify(result)}\n`);

    // The killed Redis comes back before the assertions: a failed one must not leave the next
    // tests without a pod.
    const after = await settledMaster(pods.filter((p) => p !== victim));
    startRedis(victim);
    await waitFor('everything settled again', async () => (await settled()) === after, 60000, 250);

    expect(after).not.toBe(before);
    expect(result.stuck).toBe(false);
    expect(result.errors).toBe(0); // the retry policy rides through the failover
    expect(result.published).toBeGreaterThan(50);
    expect(lost.filter((t) => Math.abs(t) > IN_FLIGHT_SECONDS)).toEqual([]);
    expect(result.max_gap).toBeGreaterThan(1);
  });

  test('Celery through a node crash of the primary (Redis and its Sentinel killed) while the other replica follows late: no publish fails, none lost', async () => {
    const before = await settledNow();
    const victim = podOf(before);
    const replicas = pods.filter((p) => p !== victim);
    // The replica that re-attaches late: frozen a second before the crash, so the Sentinels
    // promote the other one and reconfigure this one only when it runs again. That is what the
    // e2e run saw on a busy node (names resolved through DNS, two cores shared by the whole
    // platform): the promoted primary has no replica for a few seconds after the switch.
    const [promoted, late] = replicas;
    const { load, trigger } = celeryLoad('celery-crash-trigger', 150);
    await load.ready;
    await sleep(1000);
    process.kill(late.redis!.pid!, 'SIGSTOP');
    let killedAt = 0;
    try {
      await sleep(1000);
      killedAt = Date.now();
      victim.redis!.kill('SIGKILL');
      victim.sentinel!.kill('SIGKILL');
      await waitFor('the Sentinels to promote the running replica', async () => (await masterPerSentinel(promoted)) === `127.0.0.1:${promoted.redisPort}`, 90000, 50);
      await sleep(3000);
    } finally {
      process.kill(late.redis!.pid!, 'SIGCONT');
    }
    fs.writeFileSync(trigger, '');
    const result = await load.result;
    timings.add('Celery publish through a node crash, late replica (kombu, rendered config)', `longest wait ${result.max_gap.toFixed(2)} s, ${result.errors} failed publishes ${JSON.stringify(result.error_kinds ?? {})}`);
    const lost = lostAroundKill(result, killedAt);
    timings.add('Celery messages published / consumed (node crash)', `${result.published} / ${result.consumed}${lost.length ? ` (never consumed: seq ${result.missing.join(', ')}, acknowledged ${lost.join(', ')} s from the kill)` : ''}`);
    if (result.errors) process.stdout.write(`publish errors: ${JSON.stringify(result)}\n`);

    // The crashed pod comes back (both containers) and joins as a replica, before the assertions:
    // a failed one must not leave the next tests without a pod.
    startSentinel(victim);
    startRedis(victim);
    await waitFor('everything settled again', async () => (await settled()) === `127.0.0.1:${promoted.redisPort}`, 90000, 250);

    expect(result.stuck).toBe(false);
    expect(result.errors).toBe(0);
    expect(result.published).toBeGreaterThan(50);
    expect(lost.filter((t) => Math.abs(t) > IN_FLIGHT_SECONDS)).toEqual([]);
  });

  test('a primary frozen for less than down-after-milliseconds is not failed over (no false failover)', async () => {
    // After the previous test's failover the Sentinels must be settled first; half of
    // down-after leaves room for the resumed server's first reply on a loaded CI machine (at 0.6
    // one CI run saw a false failover that a quiet machine never shows).
    const before = await settledNow('settled before the freeze');
    const pid = podOf(before).redis!.pid!;
    const frozen = Math.round(0.5 * queue.downAfterMilliseconds);
    process.kill(pid, 'SIGSTOP');
    await sleep(frozen);
    process.kill(pid, 'SIGCONT');
    await sleep(queue.downAfterMilliseconds + 3000);
    timings.add('primary frozen (SIGSTOP) for 0.5 x down-after', `${seconds(frozen)}: ${(await settled()) === before ? 'no failover' : 'FAILED OVER'}`);
    expect(await settledNow('settled after the freeze', 30000)).toBe(before);
  });

  test('every pod restarted at once: the last primary (not pod 0) stays the primary, with its data', async () => {
    // Pod 0 is what a brand-new deployment picks: make sure the primary is elsewhere first.
    if ((await settledNow()) === `127.0.0.1:${pods[0].redisPort}`) {
      expect((await servers.script(script('queue-prestop.sh'), ['127.0.0.1', String(pods[0].redisPort)], podEnv(pods[0]))).code).toBe(0);
      await waitFor('settled away from pod 0', async () => !['', `127.0.0.1:${pods[0].redisPort}`].includes(await settled()), 60000, 250);
    }
    const before = await settledNow();
    const length = await servers.cli(podOf(before).redisPort, 'LLEN', 'ledger-prestop');
    const stopping = pods.flatMap((p) => [exited(p.redis!, 30000), exited(p.sentinel!, 30000)]);
    for (const p of pods) {
      p.redis!.kill('SIGTERM');
      p.sentinel!.kill('SIGTERM');
    }
    await Promise.all(stopping);
    const started = Date.now();
    for (const p of pods) {
      startSentinel(p);
      startRedis(p);
    }
    const restarted = await settledNow('1 primary, 2 linked replicas, 3 Sentinels agreeing', 90000);
    timings.add('all pods restarted -> settled again', seconds(Date.now() - started));
    expect(restarted).toBe(before);
    expect(await servers.cli(podOf(before).redisPort, 'LLEN', 'ledger-prestop')).toBe(length);
  });

  /** The auth-agent sidecar of every pod, as in the StatefulSet (started once, by the first test that needs them). */
  function startAgents(): void {
    for (const p of pods) {
      if (fs.existsSync(path.join(p.dir, 'auth-agent.log'))) continue;
      servers.start(script('auth-agent.sh'), { ...podEnv(p), AGENT_INTERVAL_SECONDS: '1', HEARTBEAT_FILE: path.join(p.dir, 'auth-agent-heartbeat') }, path.join(p.dir, 'auth-agent.log'));
    }
  }

  /**
   * One password rotated by the documented three steps (next, swap, drop previous) while clients
   * write through the Sentinels: the application's `password` (the default user of servers and
   * Sentinels) or `internal-password` (the agent, replication and sentinel users derived from it).
   */
  async function rotate(kind: 'application' | 'internal'): Promise<void> {
    const before = await settledNow();
    const OLD = kind === 'application' ? servers.password : servers.internalPassword;
    const NEW = randomBytes(24).toString('hex');
    const set = (keys: { current: string; next?: string; previous?: string }) => (kind === 'application'
      ? servers.setSecret({ password: keys.current, next: keys.next, previous: keys.previous })
      : servers.setInternalSecret({ internal: keys.current, next: keys.next, previous: keys.previous }));
    startAgents();
    const ports = pods.flatMap((p) => [p.redisPort, p.sentinelPort]);
    const ping = (pw: string, port: number) => (kind === 'application' ? servers.cliWith(pw, port, 'PING') : servers.cliAs('agent', servers.derived('agent', pw), port, 'PING'));
    const allAccept = async (pw: string) => (await Promise.all(ports.map(async (port) => (await ping(pw, port)) === 'PONG'))).every(Boolean);
    const allRefuse = async (pw: string) => (await Promise.all(ports.map(async (port) => /NOAUTH|WRONGPASS/.test(await ping(pw, port))))).every(Boolean);
    const outward = async (internal: string) => {
      const masterauth = await Promise.all(pods.map((p) => servers.cli(p.redisPort, 'CONFIG', 'GET', 'masterauth')));
      const sentinelPass = await Promise.all(pods.map((p) => servers.cli(p.sentinelPort, 'SENTINEL', 'CONFIG', 'GET', 'sentinel-pass')));
      return masterauth.every((m) => m === `masterauth\n${servers.derived('replication', internal)}`) && sentinelPass.every((m) => m === `sentinel-pass\n${servers.derived('sentinel', internal)}`);
    };
    const sentinelLogs = () => pods.map((p) => fs.readFileSync(path.join(p.dir, 'sentinel.log'), 'utf8')).join('');
    const agentLog = (p: Pod) => fs.readFileSync(path.join(p.dir, 'auth-agent.log'), 'utf8');
    const logLength = sentinelLogs().length;
    const agentLogLengths = pods.map((p) => agentLog(p).length);
    // A client started before the rotation (the old password in its env) and, later, one started after it.
    const write = (key: string, trigger: string, password: string) => servers.writes(['sentinel-writes', '--sentinels', sentinelList().join(','), '--master', MASTER, '--key', key, '--trigger', trigger, '--settle', '2', '--max', '150'], { REDIS_PASSWORD: password });
    const oldTrigger = path.join(servers.root, `rotation-${kind}-old-done`);
    const oldClient = write(`ledger-rotation-${kind}-old`, oldTrigger, servers.password);
    // A failed step must not leave the client's result unhandled when the test ends early.
    oldClient.result.catch(() => undefined);
    await oldClient.ready;

    // 1. next: every Redis and Sentinel accepts both; everything still authenticates with the old one.
    set({ current: OLD, next: NEW });
    await waitFor('every Redis and Sentinel to accept the next password', () => allAccept(NEW), 30000, 200);
    if (kind === 'internal') expect(await outward(OLD)).toBe(true);
    // 2. swap: the new password is the current one; the old one is still accepted.
    set({ current: NEW, previous: OLD });
    // Replication and the Sentinels authenticate with the internal users' new passwords (an application rotation leaves them alone).
    await waitFor('every node to replicate and every Sentinel to authenticate with the current internal passwords', () => outward(servers.internalPassword), 30000, 200);
    const newTrigger = path.join(servers.root, `rotation-${kind}-new-done`);
    const newClient = write(`ledger-rotation-${kind}-new`, newTrigger, servers.password);
    newClient.result.catch(() => undefined);
    await newClient.ready;
    // Longer than down-after: a Sentinel that could not get into a node would have flagged it by now.
    await sleep(queue.downAfterMilliseconds + 2000);
    fs.writeFileSync(oldTrigger, '');
    const old = await oldClient.result;
    // 3. the old password is dropped.
    set({ current: NEW });
    await waitFor('every Redis and Sentinel to refuse the old password', () => allRefuse(OLD), 30000, 200);
    await sleep(2000);
    fs.writeFileSync(newTrigger, '');
    const fresh = await newClient.result;
    timings.add(`${kind} password rotation (3 steps, agents every 1 s): failed writes, old / new client`, `${old.errors} / ${fresh.errors}, master ${fresh.master_after === before ? 'unchanged' : 'CHANGED'}`);

    expect([old.errors, old.lost, fresh.errors, fresh.lost]).toEqual([0, 0, 0, 0]);
    expect([old.master_after, fresh.master_after]).toEqual([before, before]);
    // No node or Sentinel was ever seen down by a Sentinel (one that could not authenticate would).
    expect(sentinelLogs().slice(logLength).split('\n').filter((line) => /\+sdown|\+odown|\+switch-master/.test(line))).toEqual([]);
    // Replicas linked, Sentinels agreeing (the probes read the rotated Secret).
    const online = (await servers.cli(podOf(before).redisPort, 'INFO', 'replication')).match(/^slave\d+:.*state=online/gm)?.length ?? 0;
    expect(online).toBe(queue.replicas - 1);
    expect((await Promise.all([...pods.map(ready), ...pods.map(sentinelReady)])).every(Boolean)).toBe(true);
    for (const [i, p] of pods.entries()) {
      expect((await servers.script(script('agent-alive.sh'), ['5'], { HEARTBEAT_FILE: path.join(p.dir, 'auth-agent-heartbeat') })).code).toBe(0);
      const log = agentLog(p).slice(agentLogLengths[i]);
      expect(log).toMatch(kind === 'application' ? /user default now accepts 2 password\(s\)/ : /user sentinel now accepts 2 password\(s\)/);
      if (kind === 'internal') expect(log).toMatch(/authenticates to the nodes and the other Sentinels with the current password of sentinel/);
      for (const secret of [OLD, NEW]) expect(log.includes(secret)).toBe(false);
    }
  }

  test('application password rotation without a restart (next-password, swap, drop previous): the auth agents apply each step to the default user of Redis and Sentinel, clients on either password keep writing, no failover', () => rotate('application'));

  test('internal password rotation without a restart: the agent, replication and sentinel users follow each step, replication and the Sentinels move to the new passwords, no failover', () => rotate('internal'));

  test('an auth agent round that finds its server not answering (frozen past the CLI timeout) does not count the Secret as applied there: the next round applies it', async () => {
    startAgents();
    const primary = podOf(await settledNow());
    const replica = pods.find((p) => p !== primary)!;
    const current = servers.password;
    const next = randomBytes(24).toString('hex');
    replica.redis!.kill('SIGSTOP');
    try {
      await sleep(1000);
      servers.setSecret({ password: current, next });
      // Several agent rounds whose PING to the frozen server times out (CLI_TIMEOUT 5 s, a round
      // every 1 s after it): at least one reads the changed Secret and finds the server silent.
      await sleep(20000);
    } finally {
      replica.redis!.kill('SIGCONT');
    }
    const applied = await waitFor('the thawed replica to accept the next password', async () => (await servers.cliWith(next, replica.redisPort, 'PING')) === 'PONG', 30000, 200);
    timings.add('Secret change while a server was frozen: applied there after it thawed', seconds(applied));
    // Back to the one password; every server drops the other again.
    servers.setSecret({ password: current });
    await waitFor('every server to refuse the dropped password', async () => (await Promise.all(pods.map(async (p) => /NOAUTH|WRONGPASS/.test(await servers.cliWith(next, p.redisPort, 'PING'))))).every(Boolean), 30000, 200);
    await settledNow('everything settled after the thaw', 90000);
  });

  test('ACLs: the application (default user) runs no administrative or dangerous command on the servers, and only the discovery queries on the Sentinels', async () => {
    const primary = podOf(await settledNow());
    const app = (port: number, ...args: string[]) => servers.cliWith(servers.password, port, ...args);
    expect(await app(primary.redisPort, 'RPUSH', 'acl-probe', 'x')).toBe('1');
    for (const refused of [['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'SET', 'maxmemory', '1'], ['CONFIG', 'GET', 'masterauth'], ['KEYS', '*'], ['ACL', 'LIST'], ['SHUTDOWN'], ['REPLICAOF', 'NO', 'ONE'], ['FAILOVER'], ['MONITOR'], ['CLIENT', 'KILL', 'ID', '1'], ['ROLE']]) {
      expect([refused.join(' '), await app(primary.redisPort, ...refused)]).toEqual([refused.join(' '), expect.stringMatching(/NOPERM/)]);
    }
    const sentinel = primary.sentinelPort;
    expect(await app(sentinel, 'SENTINEL', 'get-master-addr-by-name', MASTER)).toBe(`127.0.0.1\n${primary.redisPort}`);
    for (const refused of [['SENTINEL', 'SET', MASTER, 'quorum', '1'], ['SENTINEL', 'FAILOVER', MASTER], ['SENTINEL', 'REMOVE', MASTER], ['SENTINEL', 'CONFIG', 'GET', 'sentinel-pass'], ['ACL', 'LIST'], ['SHUTDOWN']]) {
      expect([refused.join(' '), await app(sentinel, ...refused)]).toEqual([refused.join(' '), expect.stringMatching(/NOPERM/)]);
    }
    // The Sentinels' own user cannot touch data.
    expect(await servers.cliAs('sentinel', servers.derived('sentinel'), primary.redisPort, 'LRANGE', 'acl-probe', '0', '-1')).toMatch(/NOPERM/);
  });
  test('the websocket server\'s reads (transport "ws"): with its composed config.json, ioredis on a replica (as redis-queue-readers may route it) gets the async events the primary takes, live (XREAD BLOCK) and replayed (XRANGE)', async () => {
    const primary = podOf(await settledNow());
    const replica = pods.find((p) => p !== primary)!;
    const objects = buildObjects(deepMerge(ENVIRONMENTS[ENV], { superset: { asyncQueries: { enabled: true, transport: 'ws' } } }) as EnvironmentOverrides, ENV);
    const composed = composeWebsocketConfig(objects, { GLOBAL_ASYNC_QUERIES_JWT_SECRET: randomBytes(32).toString('hex'), REDIS_QUEUE_PASSWORD: servers.password });
    expect(composed.status).toBe(0);
    const redis = composed.config.redis;
    expect([redis.host, redis.port, redis.db]).toEqual(['redis-queue-readers', 6379, 0]);
    // superset-websocket's own client options (buildRedisOpts): host, port, db, and the password
    // (as the default user) when one is set; only the address is this test's.
    const client = new Redis({ host: '127.0.0.1', port: replica.redisPort, db: redis.db, password: redis.password, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await client.connect();
      expect(await role(replica.redisPort)).toBe('slave');
      expect(await client.ping()).toBe('PONG');
      const prefix = composed.config.redisStreamPrefix as string;
      const event = JSON.stringify({ id: 'job-1', channel_id: 'channel-1', job_id: 'job-1', user_id: '1', status: 'done', result_url: '/api/v1/chart/data/qc-1' });
      // Blocking read of the firehose on the replica, then the write on the primary, as Superset
      // writes an event: to the channel's stream and to the firehose, as the application user.
      const live = client.xread('COUNT', 100, 'BLOCK', 10000, 'STREAMS', `${prefix}full`, '$');
      await sleep(200);
      const app = (...args: string[]) => servers.cliWith(servers.password, primary.redisPort, '-n', String(redis.db), ...args);
      const id = await app('XADD', `${prefix}channel-1`, '*', 'data', event);
      expect(id).toMatch(/^\d+-\d+$/);
      expect(await app('XADD', `${prefix}full`, '*', 'data', event)).toMatch(/^\d+-\d+$/);
      const got = await live;
      expect(got?.[0]?.[1]?.[0]?.[1]).toEqual(['data', event]);
      // A reconnecting browser: the events of its channel from its last id, read on the replica.
      await waitFor('the channel stream on the replica', async () => (await client.xrange(`${prefix}channel-1`, '-', '+')).length === 1, 10000);
      expect((await client.xrange(`${prefix}channel-1`, id, '+'))[0][1]).toEqual(['data', event]);
      // What the server never needs is refused to it (the application user on redis-queue).
      await expect(client.call('CONFIG', 'GET', 'masterauth')).rejects.toThrow(/NOPERM/);
    } finally {
      client.disconnect();
    }
  });
});
