import type { KubeObject } from '../harness/store';
import { isReady, isTerminating } from '../harness/controllers/pods';
import { statefulSetComplete } from '../harness/controllers/statefulset';
import type { PlatformRun } from '../harness/platform';
import { check, Scenario } from './scenario';
import { eventually, json, podOf, python, REDIS_AGENT_CLI_SH, SUPERSET } from './util';
import { Load } from './load';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Sets and reads keys across every slot of the Redis Cluster for `seconds` (redis-py's
 * RedisCluster, the client Superset's caches use, seeded from the redis-cache Service with the
 * web pod's password), and prints, per key, its slot and the times it failed.
 */
const CACHE_CLIENT = `
import json, os, sys, time
from redis.cluster import RedisCluster
from redis.crc import key_slot
seconds = float(sys.argv[1])
keys = [f"superset_e2e:{i}" for i in range(64)]
client = RedisCluster(host="redis-cache", port=6379, username="superset", password=open("/run/secrets/superset/REDIS_CACHE_PASSWORD").read().strip(), socket_connect_timeout=2, socket_timeout=2)
failures = {k: [] for k in keys}
start = time.monotonic(); end = start + seconds
while time.monotonic() < end:
    for k in keys:
        try:
            client.set(k, "v", ex=600)
            assert client.get(k) == b"v"
        except Exception as e:
            failures[k].append(round(time.monotonic() - start, 2))
    time.sleep(0.1)
print(json.dumps({"seconds": seconds, "keys": {k: {"slot": key_slot(k.encode()), "failed_at": failures[k]} for k in keys}}))
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CACHE = { 'app.kubernetes.io/name': 'redis-cache' };
const QUEUE = { 'app.kubernetes.io/name': 'redis-queue' };

/** `valkey-cli` in a Redis pod as its agent user (the password derived from the mounted Secret, never on a command line). */
async function cli(run: PlatformRun, pod: KubeObject, ...args: string[]): Promise<string> {
  const r = await run.cluster.exec(run.namespace, pod.metadata.name, 'redis', ['sh', '-c', REDIS_AGENT_CLI_SH, 'cli', ...args], 15_000);
  return r.output;
}

/** The primaries of the cluster and their slot ranges, from CLUSTER NODES. */
async function primaries(run: PlatformRun): Promise<Array<{ ip: string; slots: Array<[number, number]> }>> {
  const pod = run.cluster.pods(run.namespace, CACHE).find((p) => isReady(p) && !isTerminating(p))!;
  const nodes = await cli(run, pod, 'CLUSTER', 'NODES');
  return nodes.trim().split('\n').map((l) => l.split(' ')).filter((f) => f[2]?.includes('master') && !f[2].includes('fail') && f.length > 8).map((f) => ({
    ip: f[1].split(':')[0],
    slots: f.slice(8).filter((s) => /^\d/.test(s)).map((s) => (s.includes('-') ? (s.split('-').map(Number) as [number, number]) : ([Number(s), Number(s)] as [number, number]))),
  }));
}

/**
 * A redis-cache primary is killed (pod deleted at once) under cache load: only keys of its own
 * shard fail, and only until its replica has taken over; then every key works again. A
 * redis-queue primary (Sentinel) is killed under Celery load: no publish fails.
 */
export const redisFailover: Scenario = {
  name: 'redis-failover',
  description: 'redis-cache primary killed: caches recover and other shards see no errors; redis-queue primary killed: no Celery publish fails',
  environments: ['prod', 'staging', 'scale-10k'],
  async run({ run, host, figure }) {
    const ns = run.namespace;
    const web = podOf(run, SUPERSET('web'));
    const shards = await primaries(run);
    check(shards.length >= 3, `the Redis Cluster has ${shards.length} healthy primaries`);
    const victim = shards[0];
    const victimPod = run.cluster.pods(ns, CACHE).find((p) => p.status?.podIP === victim.ip)!;
    const load = python(run, web, 'web', CACHE_CLIENT, ['60'], 200_000);
    await sleep(10_000);
    // Its node is gone: the pod cannot come back for a minute, so its replica must take the slots.
    run.cluster.hold((p) => p.metadata.namespace === ns && p.metadata.name === victimPod.metadata.name, 60_000);
    run.cluster.deleteObject('Pod', ns, victimPod.metadata.name, 0);
    const r = await load;
    let summary: any;
    try {
      summary = JSON.parse(r.output.trim().split('\n').pop() ?? '');
    } catch {
      throw new Error(`the cache client did not finish: ${r.output.slice(-400)}`);
    }
    const inVictim = (slot: number) => victim.slots.some(([a, b]) => slot >= a && slot <= b);
    const entries = Object.entries<any>(summary.keys);
    const elsewhere = entries.filter(([, k]) => !inVictim(k.slot) && k.failed_at.length > 0);
    check(elsewhere.length === 0, `keys of healthy shards failed while ${victimPod.metadata.name} was down: ${elsewhere.map(([name, k]) => `${name} (slot ${k.slot}) at ${k.failed_at.slice(0, 3).join(', ')} s`).join('; ')}`);
    const lastFailure = Math.max(0, ...entries.flatMap(([, k]) => k.failed_at));
    check(lastFailure < summary.seconds - 5, `the killed shard still failed ${summary.seconds - lastFailure} s before the end of the load: the caches did not recover`);
    figure('redis-cache primary killed: its shard failed until', `${entries.some(([, k]) => k.failed_at.length) ? `${(lastFailure - 10).toFixed(1)} s after the kill` : 'no failure seen'}; other shards: 0 errors`);
    await eventually('redis-cache back to full strength', 300_000, () => {
      const s = run.cluster.store.get('StatefulSet', ns, 'redis-cache');
      return s && statefulSetComplete(s) ? true : undefined;
    });

    const queueMaster = await eventually('the redis-queue primary', 60_000, async () => {
      for (const p of run.cluster.pods(ns, QUEUE).filter((x) => isReady(x) && !isTerminating(x))) {
        if ((await cli(run, p, 'ROLE')).split('\n')[0].trim() === 'master') return p;
      }
      return undefined;
    });
    let timeouts = 0;
    let longestPublish = 0;
    let longestAnswer = 0;
    const celery = new Load(async () => {
      // The endpoint answers within 30 s unless the publish itself takes longer (a result not back
      // by then is a 504). A publish retries through the failover (task_publish_retry_policy: 36
      // retries at most 1 s apart, each attempt bounded by the 2 s connect and 5 s socket
      // timeouts), so a request sent at the kill is answered once a new primary exists plus its
      // result wait: a slow election (a failed first vote waits Sentinel's failover-timeout) can
      // take that past 60 s. No answer within 120 s is a client stuck on the dead primary's
      // address: a failure (the queue client timeouts of superset_config.py exist to prevent it;
      // the rate limiter's client had none, and a request waited for minutes).
      const t0 = Date.now();
      const r = await json(run, host, '/e2e/celery', { queue: 'interactive', timeout: 30 }, 120_000);
      longestAnswer = Math.max(longestAnswer, (Date.now() - t0) / 1000);
      if (typeof r.body?.publish_seconds === 'number') longestPublish = Math.max(longestPublish, r.body.publish_seconds);
      if (r.status === 504) {
        timeouts++;
        return;
      }
      if (r.status !== 200) throw new Error(`HTTP ${r.status}: ${JSON.stringify(r.body).slice(0, 200)}`);
    }, 2, 4);
    celery.start();
    await sleep(5_000);
    run.cluster.hold((p) => p.metadata.namespace === ns && p.metadata.name === queueMaster.metadata.name, 60_000);
    const killedAt = Date.now();
    run.cluster.deleteObject('Pod', ns, queueMaster.metadata.name, 0);
    // When a replica took over (a figure, and the context of any failure).
    const promoted = eventually('a new redis-queue primary', 120_000, async () => {
      for (const p of run.cluster.pods(ns, QUEUE).filter((x) => x.metadata.name !== queueMaster.metadata.name && !isTerminating(x))) {
        if ((await cli(run, p, 'ROLE').catch(() => '')).split('\n')[0].trim() === 'master') return (Date.now() - killedAt) / 1000;
      }
      return undefined;
    }).catch(() => undefined);
    await sleep(40_000);
    const text = await celery.stop();
    const promotedAfter = await promoted;
    const election = promotedAfter === undefined ? 'no new primary within 120 s' : `a new primary ${promotedAfter.toFixed(1)} s after the kill`;
    figure('Celery publishes while the redis-queue primary was killed', `${text}; ${election}; longest publish ${longestPublish.toFixed(1)} s, longest answer ${longestAnswer.toFixed(1)} s; ${timeouts} result(s) not back within 30 s`);
    // Where a stuck request hung: the stand-in prints its stack once it outlives its timeout.
    const stuck = celery.failed === 0 ? '' : run.cluster.pods(ns, SUPERSET('web')).map((p) => {
      const log = run.cluster.logs(ns, p.metadata.name, 'web', 400);
      const at = log.lastIndexOf('e2e: /e2e/celery');
      return at < 0 ? '' : ` ${p.metadata.name}: ${log.slice(at, at + 12000)}`;
    }).join('');
    // Commands the ACLs refused meanwhile (ACL LOG of every redis-queue server and Sentinel), the context of a failure.
    const refused = celery.failed === 0 ? '' : (await Promise.all(run.cluster.pods(ns, QUEUE).filter((p) => isReady(p)).map(async (p) => {
      const server = await cli(run, p, 'ACL', 'LOG', '5').catch(() => '');
      const sentinel = await cli(run, p, '-p', '26379', 'ACL', 'LOG', '5').catch(() => '');
      return ` ${p.metadata.name} ACL LOG: ${server.replace(/\s+/g, ' ').slice(0, 1500)} | Sentinel ACL LOG: ${sentinel.replace(/\s+/g, ' ').slice(0, 1500)}`;
    }))).join('');
    check(celery.failed === 0, `Celery publishes failed when the redis-queue primary was killed (${text}; ${election}): ${celery.failures.join('; ')}${refused}${stuck}`);
    await eventually('redis-queue back to full strength', 300_000, () => {
      const s = run.cluster.store.get('StatefulSet', ns, 'redis-queue');
      return s && statefulSetComplete(s) ? true : undefined;
    });
  },
};
