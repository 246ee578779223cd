import { REDIS_CACHE, REDIS_CACHE_BUS_PORT, REDIS_METRICS_PORT, redisQueueClientPorts } from './endpoints';
import type { Environment } from '../config/load';
import { component, dataComponent, Flow, Peer, tcp, podEgressFlows } from '../workload/flow';

/** The connections the Redis tier needs among its own pods, and the scraping of its exporters. */
export function redisFlows(env: Environment): Flow[] {
  const cache = component(dataComponent(env.config.instance, 'redis-cache'));
  const queue = component(dataComponent(env.config.instance, 'redis-queue'));
  // A managed Redis (mode "external") has no pods here: none of its flows, nor its exporters'.
  const ours = { cache: env.config.redis.cache.mode !== 'external', queue: env.config.redis.queue.mode !== 'external' };
  const flows: Flow[] = [];
  if (ours.cache) flows.push(tcp(cache, cache, [REDIS_CACHE.port, REDIS_CACHE_BUS_PORT], 'replication, the cluster bus, and the agent that creates and heals the cluster'));
  if (env.config.redis.queue.mode === 'sentinel') {
    flows.push(tcp(queue, queue, redisQueueClientPorts(env.config.redis.queue.mode), 'replication, and the Sentinels watching the servers and each other'));
  }
  if (env.config.monitoring.enabled) {
    const prometheus: Peer = { kind: 'namespace', name: 'monitoring', ...env.config.network.monitoring };
    if (ours.cache) flows.push(tcp(prometheus, cache, [REDIS_METRICS_PORT], 'Prometheus scrapes the redis-cache exporters'));
    if (ours.queue) flows.push(tcp(prometheus, queue, [REDIS_METRICS_PORT], 'Prometheus scrapes the redis-queue exporters'));
  }
  if (ours.cache) flows.push(...podEgressFlows(dataComponent(env.config.instance, 'redis-cache'), env.config.redis.cache.pod.egress));
  if (ours.queue) flows.push(...podEgressFlows(dataComponent(env.config.instance, 'redis-queue'), env.config.redis.queue.pod.egress));
  return flows;
}
