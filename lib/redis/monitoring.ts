import { Construct } from 'constructs';
import { PodMonitor, PrometheusRule } from '../../imports/monitoring.coreos.com';
import type { Environment } from '../config/load';
import { recommendedLabels } from '../workload/labels';
import { serverVersion } from './engine';
import { alert } from '../monitoring/alert-rule';

export interface RedisMonitoringProps {
  readonly env: Environment;
}

/**
 * The redis_exporter sidecars of redis-cache and redis-queue, and the alerts platform teams ask
 * for: memory over 80 %, the cache hit rate (aim 80 %, alarm 50 %), Celery queue depth, a failed
 * cluster, a queue without a primary.
 */
export class RedisMonitoring extends Construct {
  constructor(scope: Construct, id: string, props: RedisMonitoringProps) {
    super(scope, id);
    const { env } = props;
    const m = env.config.monitoring;
    const ns = env.namespace;
    const labels = recommendedLabels({ name: 'redis', instance: env.config.instance, component: 'monitoring', version: serverVersion(env.config.redis) });
    // Only our own servers: a managed Redis is watched by its provider's metrics.
    const ours = { cache: env.config.redis.cache.mode !== 'external', queue: env.config.redis.queue.mode !== 'external' };
    for (const name of [...(ours.cache ? ['redis-cache'] : []), ...(ours.queue ? ['redis-queue'] : [])]) {
      new PodMonitor(this, name, {
        metadata: { name, namespace: ns, labels },
        spec: {
          jobLabel: 'app.kubernetes.io/name',
          selector: { matchLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': env.config.instance } },
          podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: m.scrapeInterval }],
        },
      });
    }
    const cache = `namespace="${ns}",pod=~"redis-cache-.*"`;
    const queue = `namespace="${ns}",pod=~"redis-queue-.*"`;
    new PrometheusRule(this, 'Rules', {
      metadata: { name: 'redis', namespace: ns, labels: { ...labels, ...m.ruleLabels } },
      spec: {
        groups: [{
          name: 'redis',
          rules: [
            alert(m, 'RedisDown', `min by (pod) (redis_up{namespace="${ns}"}) == 0`, '2m', 'critical', 'A Redis server does not answer its exporter.'),
            alert(m, 'RedisMemoryHigh',
              `max by (pod) (redis_memory_used_bytes{namespace="${ns}"} / (redis_memory_max_bytes{namespace="${ns}"} > 0)) > 0.8 or max by (pod) (container_memory_working_set_bytes{namespace="${ns}",container="redis"} / on (namespace, pod, container) kube_pod_container_resource_limits{namespace="${ns}",container="redis",resource="memory"}) > 0.8`,
              '10m', 'warning', 'A Redis server uses over 80 % of its memory.'),
            ...(ours.cache ? [alert(m, 'RedisCacheHitRateLow',
              `sum(rate(redis_keyspace_hits_total{${cache}}[30m])) / clamp_min(sum(rate(redis_keyspace_hits_total{${cache}}[30m])) + sum(rate(redis_keyspace_misses_total{${cache}}[30m])), 1e-9) < 0.5`,
              '30m', 'warning', 'Fewer than half of the cache lookups hit (aim: 80 %): charts query the databases again and again.')] : []),
            ...(ours.queue ? [alert(m, 'CeleryQueueBacklog',
              `max by (key) (redis_key_size{${queue},db="db0"}) > 100`,
              '10m', 'warning', 'More than 100 tasks wait in a Celery queue: add workers (superset.workers.<queue>.maxReplicas).')] : []),
            ...(ours.cache ? [alert(m, 'RedisCacheClusterFailed', `min(redis_cluster_state{${cache}}) < 1`, '2m', 'critical', 'The redis-cache cluster reports cluster_state:fail.')] : []),
            ...(env.config.redis.queue.mode === 'sentinel'
              ? [alert(m, 'RedisQueueNoPrimary', `count(redis_instance_info{${queue},role="master"}) < 1 or absent(redis_instance_info{${queue},role="master"})`, '1m', 'critical', 'redis-queue has no primary: Celery and async queries stop.')]
              : []),
          ],
        }],
      },
    });
  }
}
