import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../../environments';
import { buildObjects, find } from '../../helpers';
import { CacheCluster } from './cache-cluster';
import { seconds, Servers, sleep, Timings, waitFor } from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Opt-in measurement behind the cluster-node-timeout table of docs/redis.md (not part of CI):
//   REDIS_TIMEOUT_SWEEP=2000,3000,5000,15000 npm run test:integration -- timeouts
// For each timeout: the write outage after a hard kill of a primary (detection speed), and
// whether a primary frozen (SIGSTOP) for a while is failed over although it was only slow
// (false failovers). Unlike the other tests it changes one more line of redis.conf: the timeout.

const SWEEP = (process.env.REDIS_TIMEOUT_SWEEP ?? '').split(',').filter(Boolean).map(Number);
const data: Record<string, string> = find(buildObjects(ENVIRONMENTS.prod, 'prod'), 'ConfigMap', 'redis-cache-config').data;
const STALLS = [0.7, 1.3, 2];

(SWEEP.length ? describe : describe.skip)('cluster-node-timeout sweep', () => {
  const timings = new Timings();
  let servers: Servers;

  beforeAll(() => {
    servers = new Servers();
  });

  afterAll(async () => {
    await servers?.stopAll();
    timings.print('cluster-node-timeout: outage after kill -9, and failover of a primary frozen for a while');
  });

  test.each(SWEEP.length ? SWEEP : [0])('cluster-node-timeout %d ms', async (timeout) => {
    const cluster = new CacheCluster(servers, data, 6, `t${timeout}`, { 'cluster-node-timeout': String(timeout) });
    await cluster.assignPorts();
    await cluster.startAll();
    expect((await cluster.create(1)).code).toBe(0);
    await waitFor('cluster ready', () => cluster.allReady(), 60000, 250);

    // Detection speed: hard kill of the primary of shard 1.
    const victim = cluster.nodes[1];
    const trigger = path.join(servers.root, `t${timeout}-trigger`);
    const load = servers.writes(['cluster-writes', '--port', String(cluster.nodes[0].port), ...await cluster.shardArgs(), '--trigger', trigger, '--settle', '3', '--max', '120']);
    await load.ready;
    await sleep(1000);
    victim.server!.kill('SIGKILL');
    fs.writeFileSync(trigger, '');
    const result = await load.result;
    const shard = result.shards[String(victim.port)];
    timings.add(`${timeout} ms: kill -9 -> writes resume on that shard`, seconds(shard.max_gap * 1000));
    await cluster.startNode(victim);
    await waitFor('cluster ready', () => cluster.allReady(), 120000, 250);

    // False failovers: freeze a primary (as a stalled process or a paused VM would be).
    const outcomes: string[] = [];
    for (const factor of STALLS) {
      const primary = (await cluster.primaries())[0];
      const pid = cluster.node(primary.port).server!.pid!;
      process.kill(pid, 'SIGSTOP');
      await sleep(factor * timeout);
      process.kill(pid, 'SIGCONT');
      await sleep(2 * timeout + 3000);
      const failedOver = (await cluster.role(primary.port)) !== 'master';
      outcomes.push(`${(factor * timeout / 1000).toFixed(1)} s frozen: ${failedOver ? 'failover' : 'no failover'}`);
      await waitFor('cluster ready', () => cluster.allReady(), 120000, 250);
    }
    timings.add(`${timeout} ms: primary frozen`, outcomes.join('; '));
    for (const n of cluster.nodes) n.server!.kill('SIGKILL');
  });
});
