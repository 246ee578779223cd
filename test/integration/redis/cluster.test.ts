import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../../environments';
import { resolveEnvironment } from '../../../lib/config/load';
import { buildObjects, find } from '../../helpers';
import { REDIS_CACHE_APP_USER } from '../../../lib/redis/endpoints';
import { CacheCluster, CacheNode } from './cache-cluster';
import { exited, seconds, Servers, sleep, Timings, waitFor } from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// redis-cache as prod runs it: redis.conf and the scripts from the synthesized ConfigMap,
// six real servers (3 primaries x 1 replica), our creation script, a hard kill, a preStop
// handover, and a restart of every node at new addresses healed by the cluster agents.

const ENV = 'prod';
const config = resolveEnvironment(ENV, ENVIRONMENTS[ENV]).config.redis.cache;
const data: Record<string, string> = find(buildObjects(ENVIRONMENTS[ENV], ENV), 'ConfigMap', 'redis-cache-config').data;
const NODES = config.shards * (config.replicasPerShard + 1);

describe(`redis-cache (${ENV}): a Redis Cluster from the generated redis.conf and scripts`, () => {
  const timings = new Timings();
  // Created in beforeAll, so a run that filters every test out leaves nothing behind.
  let servers: Servers;
  let cluster: CacheCluster;
  let nodes: CacheNode[];

  beforeAll(async () => {
    servers = new Servers();
    cluster = new CacheCluster(servers, data, NODES);
    nodes = cluster.nodes;
    await cluster.assignPorts();
    await cluster.startAll();
  });

  const everyNode = async (check: (n: CacheNode) => Promise<boolean>) => (await Promise.all(nodes.map(check))).every(Boolean);
  const failedWrites = (r: any) => Object.values(r.shards).reduce((sum: number, w: any) => sum + w.errors, 0);
  const agentLogs = () => nodes.map((n) => fs.readFileSync(path.join(n.dir, 'agent.log'), 'utf8')).join('');

  afterAll(async () => {
    await servers?.stopAll();
    timings.print(`redis-cache (${ENV}: ${config.shards} shards x ${config.replicasPerShard} replica, cluster-node-timeout ${config.clusterNodeTimeoutMilliseconds} ms)`);
  });

  test('the generated config is what runs: cluster mode, node timeout, no full coverage, maxmemory below the limit, LRU', async () => {
    const get = async (key: string) => (await servers.cli(nodes[0].port, 'CONFIG', 'GET', key)).split('\n')[1];
    expect(await get('cluster-enabled')).toBe('yes');
    expect(await get('cluster-node-timeout')).toBe(String(config.clusterNodeTimeoutMilliseconds));
    expect(await get('cluster-require-full-coverage')).toBe('no');
    expect(await get('maxmemory-policy')).toBe('allkeys-lru');
    expect(Number(await get('maxmemory'))).toBe(Math.floor((4 * 2 ** 30 * 0.7) / 2 ** 20) * 2 ** 20);
    expect(await get('shutdown-on-sigterm')).toBe('save');
    // The password works, and is neither on the server's command line nor in its environment.
    expect(await servers.cli(nodes[0].port, 'PING')).toBe('PONG');
    for (const n of nodes) {
      expect(fs.readFileSync(`/proc/${n.server!.pid}/cmdline`, 'utf8')).not.toContain(servers.password);
      expect(fs.readFileSync(`/proc/${n.server!.pid}/environ`, 'utf8')).not.toContain(servers.password);
    }
    // It is in the in-memory runtime file, readable by its owner only.
    expect(fs.statSync(path.join(nodes[0].dir, 'run', 'redis.conf')).mode & 0o077).toBe(0);
  });

  test('cluster-create.sh: cluster_state ok, 16384 slots, 3 primaries each with its replica; a second run changes nothing', async () => {
    const started = Date.now();
    const first = await cluster.create(config.replicasPerShard);
    expect(first.code).toBe(0);
    expect(first.output).toContain('cluster created: 3 primaries, 1 replica(s) each');
    await waitFor('every node ready (cluster ok, replicas linked)', () => cluster.allReady(), 60000, 250);
    timings.add('create the cluster (script) until every node is ready', seconds(Date.now() - started));

    for (const n of nodes) {
      const info = await servers.cli(n.port, 'CLUSTER', 'INFO');
      expect(info).toContain('cluster_state:ok');
      expect(info).toContain('cluster_slots_assigned:16384');
      expect(info).toContain('cluster_slots_ok:16384');
      expect(info).toContain(`cluster_known_nodes:${NODES}`);
      expect(info).toContain(`cluster_size:${config.shards}`);
    }
    const view = await cluster.view();
    const masters = view.filter((v) => v.flags.includes('master'));
    const replicas = view.filter((v) => v.flags.includes('slave'));
    expect(masters.map((m) => m.port).sort()).toEqual(nodes.slice(0, config.shards).map((n) => n.port).sort());
    expect(replicas).toHaveLength(config.shards * config.replicasPerShard);
    // The deterministic layout: node S+k replicates node k.
    for (const r of replicas) {
      const k = nodes.findIndex((n) => n.port === r.port) - config.shards;
      expect(masters.find((m) => m.id === r.master)!.port).toBe(nodes[k].port);
    }

    const snapshot = async () => (await cluster.view()).map((v) => `${v.id} ${v.address} ${v.flags} ${v.master} ${v.epoch} ${v.slots.join(',')}`).sort();
    const before = await snapshot();
    const second = await cluster.create(config.replicasPerShard);
    expect(second.code).toBe(0);
    expect(second.output).toBe('');
    expect(await snapshot()).toEqual(before);
  });

  test('a hard-killed primary: its replica takes over; only its shard pauses, the others see no error', async () => {
    const victim = nodes[1];
    const replica = nodes[config.shards + 1];
    const trigger = path.join(servers.root, 'kill-trigger');
    const load = servers.writes(['cluster-writes', '--port', String(nodes[0].port), ...await cluster.shardArgs(), '--trigger', trigger, '--settle', '3', '--max', '90']);
    await load.ready;
    await sleep(1000);
    victim.server!.kill('SIGKILL');
    fs.writeFileSync(trigger, '');
    const promoted = await waitFor('the replica to be promoted', async () => (await cluster.role(replica.port)) === 'master', 60000, 50);
    const result = await load.result;
    const shard = result.shards[String(victim.port)];
    const others = Object.entries<any>(result.shards).filter(([name]) => name !== String(victim.port));
    timings.add('kill -9 primary -> replica promoted', seconds(promoted));
    timings.add('write outage on the killed shard (longest gap between writes)', `${shard.max_gap.toFixed(2)} s (${shard.errors} failed writes)`);
    timings.add('errors on the other shards', `${others.map(([, s]) => s.errors).join(' + ')} (longest gap ${Math.max(...others.map(([, s]) => s.max_gap)).toFixed(2)} s)`);

    expect(shard.max_gap).toBeGreaterThan(1); // the outage was seen (its length is printed, not asserted)
    expect(shard.stuck).toBe(false);
    for (const [, s] of others) expect(s.errors).toBe(0);
    await waitFor('every node to see the new primary', async () => (await cluster.primaries()).some((p) => p.port === replica.port), 10000);

    // The killed node comes back (same address: no healing needed) as a replica of its successor.
    await cluster.startNode(victim);
    await waitFor('the old primary to rejoin as a replica', () => cluster.ready(victim), 60000, 250);
    expect(await cluster.role(victim.port)).toBe('slave');
  });

  test('preStop on a primary hands its slots to its replica first: no write fails', async () => {
    const primary = (await cluster.primaries()).find((p) => p.port === nodes[2].port)!;
    expect(primary).toBeDefined();
    const trigger = path.join(servers.root, 'prestop-trigger');
    const load = servers.writes(['cluster-writes', '--port', String(nodes[0].port), ...await cluster.shardArgs(), '--trigger', trigger, '--settle', '3', '--max', '60']);
    await load.ready;
    await sleep(1000);
    const started = Date.now();
    const prestop = await servers.script(cluster.script('cache-prestop.sh'), ['127.0.0.1', String(primary.port)]);
    const took = Date.now() - started;
    fs.writeFileSync(trigger, '');
    const result = await load.result;
    const shard = result.shards[String(primary.port)];
    timings.add('preStop handover (CLUSTER FAILOVER) duration', seconds(took));
    timings.add('write pause on that shard during the handover', `${shard.max_gap.toFixed(2)} s (${shard.errors} failed writes)`);

    expect(prestop.code).toBe(0);
    expect(prestop.output).toMatch(/failover done: now a replica/);
    expect(await cluster.role(primary.port)).toBe('slave');
    for (const s of Object.values<any>(result.shards)) expect(s.errors).toBe(0);
    // A replica's preStop does nothing.
    expect((await servers.script(cluster.script('cache-prestop.sh'), ['127.0.0.1', String(primary.port)])).output).toMatch(/nothing to hand over/);
  });

  test('a primary frozen for less than cluster-node-timeout is not failed over (no false failover)', async () => {
    const primary = (await cluster.primaries())[0];
    const pid = cluster.node(primary.port).server!.pid!;
    // Half the timeout, as the Sentinel test freezes for half of down-after: on a loaded CI
    // machine the resumed node's first replies to its peers come late, and 0.7 leaves no room.
    const frozen = Math.round(0.5 * config.clusterNodeTimeoutMilliseconds);
    process.kill(pid, 'SIGSTOP');
    await sleep(frozen);
    process.kill(pid, 'SIGCONT');
    await sleep(2 * config.clusterNodeTimeoutMilliseconds);
    timings.add('primary frozen (SIGSTOP) for 0.5 x the node timeout', `${seconds(frozen)}: ${(await cluster.role(primary.port)) === 'master' ? 'no failover' : 'FAILED OVER'}`);
    expect(await cluster.role(primary.port)).toBe('master');
    await waitFor('every node ready', () => cluster.allReady(), 30000, 250);
  });

  test('every node restarted at a new address: the cluster agents heal it, with the data intact', async () => {
    const fill = await servers.python(['cluster-fill', '--port', String(nodes[0].port), '--count', '2000']);
    expect(JSON.parse(fill.stdout)).toEqual({ written: 2000 });

    // Stop every node as Kubernetes does (SIGTERM: each writes its snapshot), all at once.
    const stopping = nodes.map((n) => exited(n.server!, 30000));
    for (const n of nodes) n.server!.kill('SIGTERM');
    await Promise.all(stopping);
    await cluster.assignPorts();
    const started = Date.now();
    await cluster.startAll();

    // The sidecar of every pod, as in the StatefulSet (pod 0's also runs cluster-create.sh).
    for (const n of nodes) {
      servers.start(cluster.script('cluster-agent.sh'), {
        CLUSTER_NODES: cluster.addresses().join(' '),
        REPLICAS_PER_SHARD: String(config.replicasPerShard),
        POD_NAME: `redis-cache-${n.index}`,
        POD_IP: '127.0.0.1',
        REDIS_PORT: String(n.port),
        AGENT_INTERVAL_SECONDS: '1',
        HEARTBEAT_FILE: path.join(n.dir, 'agent-heartbeat'),
      }, path.join(n.dir, 'agent.log'));
    }
    await waitFor('every node ready again', () => cluster.allReady(), 120000, 250);
    timings.add('all nodes restarted at new addresses -> all ready (agents every 1 s)', seconds(Date.now() - started));

    const view = await cluster.view();
    expect(view.map((v) => v.port).sort()).toEqual(nodes.map((n) => n.port).sort());
    expect(view.filter((v) => v.flags.includes('slave'))).toHaveLength(config.shards * config.replicasPerShard);
    expect(await servers.cli(nodes[0].port, 'CLUSTER', 'INFO')).toContain('cluster_slots_ok:16384');
    const verify = await servers.python(['cluster-verify', '--port', String(nodes[0].port), '--count', '2000']);
    expect(JSON.parse(verify.stdout)).toEqual({ missing: 0, wrong: 0 });
    const agentLogs = nodes.map((n) => fs.readFileSync(path.join(n.dir, 'agent.log'), 'utf8')).join('');
    expect(agentLogs).not.toMatch(/creating the cluster/);
    expect(agentLogs).toMatch(/cluster-heal: meet 127\.0\.0\.1:\d+ at 127\.0\.0\.1:\d+: OK/);
    expect(agentLogs).not.toContain(servers.password);
    // The agents' liveness check sees their heartbeats.
    expect((await servers.script(cluster.script('agent-alive.sh'), ['10'], { HEARTBEAT_FILE: path.join(nodes[3].dir, 'agent-heartbeat') })).code).toBe(0);
  });

  // Runs after the previous test, with its cluster agents (every 1 s) still running.
  test('application password rotation without a restart (next-password, swap, drop previous): the agents apply each step to the superset user, clients on either password keep writing', async () => {
    const OLD = servers.password;
    const NEW = randomBytes(24).toString('hex');
    const app = (password: string, n: CacheNode, ...args: string[]) => servers.cliAs(REDIS_CACHE_APP_USER, password, n.port, ...args);
    const shards = await cluster.shardArgs();
    // A Superset pod started before the rotation keeps the old password (its env) until restarted.
    const oldTrigger = path.join(servers.root, 'rotation-old-done');
    const oldClient = servers.writes(['cluster-writes', '--port', String(nodes[0].port), ...shards, '--trigger', oldTrigger, '--settle', '2', '--max', '150']);
    // A failed step must not leave the client's result unhandled when the test ends early.
    oldClient.result.catch(() => undefined);
    await oldClient.ready;

    // 1. next-password: every server accepts both for the application's user.
    servers.setSecret({ password: OLD, next: NEW });
    await waitFor('every node to accept the next password', () => everyNode(async (n) => (await app(NEW, n, 'PING')) === 'PONG'), 30000, 200);

    // 2. swap: the new password is the current one, the old one still accepted.
    servers.setSecret({ password: NEW, previous: OLD });
    const newTrigger = path.join(servers.root, 'rotation-new-done');
    const newClient = servers.writes(['cluster-writes', '--port', String(nodes[0].port), ...shards, '--trigger', newTrigger, '--settle', '2', '--max', '150'], { REDIS_PASSWORD: NEW });
    newClient.result.catch(() => undefined);
    await newClient.ready;
    await sleep(2000);
    // The old client's pods are restarted now (they pick up the new password); until then it kept writing.
    fs.writeFileSync(oldTrigger, '');
    const old = await oldClient.result;

    // 3. the old password is dropped.
    servers.setSecret({ password: NEW });
    await waitFor('every node to refuse the old password', () => everyNode(async (n) => /NOAUTH|WRONGPASS/.test(await app(OLD, n, 'PING'))), 30000, 200);
    await sleep(2000);
    fs.writeFileSync(newTrigger, '');
    const fresh = await newClient.result;
    timings.add('application password rotation (3 steps, agents every 1 s): failed writes, old / new password', `${failedWrites(old)} / ${failedWrites(fresh)}`);

    expect(failedWrites(old)).toBe(0);
    expect(failedWrites(fresh)).toBe(0);
    await waitFor('every node ready', () => cluster.allReady(), 30000, 250);
    const logs = agentLogs();
    expect(logs).toMatch(/user superset now accepts 2 password\(s\)/);
    for (const secret of [OLD, NEW]) expect(logs.includes(secret)).toBe(false);
  });

  // Runs after the previous test, with its cluster agents still running.
  test('internal password rotation without a restart: agent and replication users follow each step, masterauth moves to the new one, replication and clients stay up; a Secret no server takes stops the heartbeats', async () => {
    const OLD = servers.internalPassword;
    const NEW = randomBytes(24).toString('hex');
    const alive = (n: CacheNode, maxAge: number) => servers.script(cluster.script('agent-alive.sh'), [String(maxAge)], { HEARTBEAT_FILE: path.join(n.dir, 'agent-heartbeat') });
    const asAgent = (internal: string, n: CacheNode, ...args: string[]) => servers.cliAs('agent', servers.derived('agent', internal), n.port, ...args);
    const masterauth = (n: CacheNode) => asAgent(NEW, n, 'CONFIG', 'GET', 'masterauth');
    const trigger = path.join(servers.root, 'internal-rotation-done');
    const client = servers.writes(['cluster-writes', '--port', String(nodes[0].port), ...await cluster.shardArgs(), '--trigger', trigger, '--settle', '2', '--max', '150'], { REDIS_PASSWORD: servers.password });
    client.result.catch(() => undefined);
    await client.ready;

    servers.setInternalSecret({ internal: OLD, next: NEW });
    await waitFor('every node to accept the next internal password', () => everyNode(async (n) => (await asAgent(NEW, n, 'PING')) === 'PONG'), 30000, 200);
    expect(await masterauth(nodes[0])).toBe(`masterauth\n${servers.derived('replication', OLD)}`);
    servers.setInternalSecret({ internal: NEW, previous: OLD });
    await waitFor('every node to replicate with the new password', () => everyNode(async (n) => (await masterauth(n)) === `masterauth\n${servers.derived('replication', NEW)}`), 30000, 200);
    servers.setInternalSecret({ internal: NEW });
    await waitFor('every node to refuse the old internal password', () => everyNode(async (n) => /NOAUTH|WRONGPASS/.test(await asAgent(OLD, n, 'PING'))), 30000, 200);
    await sleep(2000);
    fs.writeFileSync(trigger, '');
    const result = await client.result;
    timings.add('internal password rotation (3 steps): failed writes', String(failedWrites(result)));
    expect(failedWrites(result)).toBe(0);
    await waitFor('every node ready with the new password, replicas linked', () => cluster.allReady(), 30000, 250);
    for (const n of nodes) expect((await alive(n, 5)).code).toBe(0);
    const logs = agentLogs();
    expect(logs).toMatch(/user replication now accepts 2 password\(s\)/);
    expect(logs).toMatch(/replicates with the current password of replication/);
    for (const secret of [OLD, NEW, servers.derived('agent', NEW), servers.derived('replication', NEW)]) expect(logs.includes(secret)).toBe(false);

    // A Secret whose internal password no server takes: the agents say so and their heartbeats
    // stop, so the liveness probe restarts them (rather than idling with a fresh heartbeat).
    servers.setInternalSecret({ internal: randomBytes(24).toString('hex') });
    await waitFor('the agents\' heartbeats to go stale', () => everyNode(async (n) => (await alive(n, 3)).code !== 0), 30000, 250);
    expect(agentLogs()).toMatch(/does not accept any of the 1 password\(s\) of the agent user/);
    servers.setInternalSecret({ internal: NEW });
    await waitFor('the heartbeats to be fresh again', () => everyNode(async (n) => (await alive(n, 3)).code === 0), 30000, 250);
  });

  test('ACLs: the default user is off; the application user reaches only superset_* keys and no administrative or dangerous command; the exporter reads sizes, never values', async () => {
    const n = nodes[0];
    const app = (...args: string[]) => servers.cliAs(REDIS_CACHE_APP_USER, servers.password, n.port, '-c', ...args);
    // No password gets in as default (not even the application's).
    expect(await servers.cliWith(servers.password, n.port, 'PING')).toMatch(/NOAUTH|WRONGPASS/);
    expect(await servers.cliAs('default', servers.password, n.port, 'PING')).toMatch(/NOAUTH|WRONGPASS/);
    expect(await app('SET', 'superset_acl_probe', 'x')).toBe('OK');
    expect(await app('SET', 'other_prefix', 'x')).toMatch(/NOPERM/);
    for (const refused of [['FLUSHALL'], ['FLUSHDB'], ['CONFIG', 'SET', 'maxmemory', '1'], ['CONFIG', 'GET', 'masterauth'], ['KEYS', '*'], ['ACL', 'LIST'], ['SHUTDOWN'], ['CLUSTER', 'FORGET', 'x'], ['REPLICAOF', 'NO', 'ONE'], ['MONITOR'], ['PUBLISH', 'c', 'm']]) {
      expect([refused.join(' '), await app(...refused)]).toEqual([refused.join(' '), expect.stringMatching(/NOPERM/)]);
    }
    const exporter = (...args: string[]) => servers.cliAs('exporter', servers.exporterPassword, n.port, '-c', ...args);
    expect(await exporter('INFO', 'memory')).toContain('maxmemory:');
    expect(await exporter('STRLEN', 'superset_acl_probe')).toBe('1');
    for (const refused of [['GET', 'superset_acl_probe'], ['SET', 'superset_x', 'y'], ['CONFIG', 'GET', 'masterauth'], ['EVAL', 'return 1', '0'], ['CLIENT', 'KILL', 'ID', '1']]) {
      expect([refused.join(' '), await exporter(...refused)]).toEqual([refused.join(' '), expect.stringMatching(/NOPERM/)]);
    }
    // The replication user can do nothing but replicate.
    expect(await servers.cliAs('replication', servers.derived('replication'), n.port, 'GET', 'superset_acl_probe')).toMatch(/NOPERM/);
  });
});
