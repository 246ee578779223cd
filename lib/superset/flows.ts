import { SUPERSET_FLOWER, SUPERSET_WEB, SUPERSET_WEBSOCKET } from './endpoints';
import { webClientQueues } from './rules';
import { externalDatabase, PGBOUNCER, POSTGRES_PRIMARY, toExternalDatabase } from '../postgres/endpoints';
import { externalRedisQueue, REDIS_QUEUE, redisClientFlows, redisQueueClientFlows, toExternalRedis } from '../redis/endpoints';
import type { Environment } from '../config/load';
import { STATSD_METRICS_PORT } from '../workload/statsd-exporter';
import { Component, component, dataComponent, egressEndpointFlows, Flow, Peer, podEgressFlows, tcp } from '../workload/flow';

function supersetComponent(env: Environment, name: string): Component {
  return {
    name: `superset-${name}`,
    selector: { 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/instance': env.config.instance, 'app.kubernetes.io/component': name },
  };
}

/**
 * The connections Superset's pods need: from the ingress controller, to the data tier, to the
 * data sources, and Prometheus scraping the statsd_exporter sidecars. Each tier lists its own
 * (postgres/, redis/, ops/ flows.ts); NetworkPolicies allow exactly these (plus DNS for every
 * pod) on top of a default deny. test/edge/network-policies.test.ts re-derives the allowed graph
 * from the generated policies and compares it with a hand-written expectation.
 */
export function supersetFlows(env: Environment): Flow[] {
  const net = env.config.network;
  const web = supersetComponent(env, 'web');
  // Web (synchronous SQL Lab) and workers run queries against data sources; beat only schedules.
  const queryRunners = [web, ...Object.keys(env.config.superset.workers).map((q) => supersetComponent(env, `worker-${q}`))];
  const longRunning = [...queryRunners, supersetComponent(env, 'beat')];
  const migrate = supersetComponent(env, 'migrate');
  const pgbouncer = dataComponent(env.config.instance, 'pgbouncer');
  const postgres = dataComponent(env.config.instance, 'postgres');

  const flows: Flow[] = [
    tcp({ kind: 'namespace', name: 'ingress-controller', ...net.ingressController }, component(web), [SUPERSET_WEB.port], 'users reach the web tier through the ingress controller'),
  ];
  const external = externalDatabase(env.config);
  if (external) flows.push(...toExternalDatabase(external, component(migrate), 'migrations go straight to the managed server'));
  else flows.push(tcp(component(migrate), component(postgres), [POSTGRES_PRIMARY.port], 'migrations go straight to the primary'));
  for (const c of longRunning) {
    if (env.config.pgbouncer.enabled) flows.push(tcp(component(c), component(pgbouncer), [PGBOUNCER.port], 'metadata database through PgBouncer'));
    else if (external) flows.push(...toExternalDatabase(external, component(c), 'metadata database straight to the managed server (it pools; PgBouncer is off)'));
  }
  // The migration Job loads the same superset_config.py as web (so `db upgrade` and `init` see the
  // same settings; a second config would drift), and that file connects to redis-cache at import
  // (RedisClusterCache connects in its constructor) and names the redis-queue Sentinels. A managed
  // Redis (redis.*.mode "external") replaces our pods by its address ranges.
  for (const c of [...longRunning, migrate]) {
    flows.push(...redisClientFlows(env.config, c, {
      cache: 'Flask caches and SQL Lab results (connected when superset_config.py is imported)',
      queue: 'Celery broker, coordination, async queries, rate limits (through Sentinel in sentinel mode)',
    }));
  }
  if (env.config.monitoring.enabled) {
    const prometheus: Peer = { kind: 'namespace', name: 'monitoring', ...net.monitoring };
    for (const c of queryRunners) flows.push(tcp(prometheus, component(c), [STATSD_METRICS_PORT], 'Prometheus scrapes the statsd_exporter sidecar'));
  }
  // Endpoints outside the cluster declared once in network.egress, for the components they name.
  flows.push(...egressEndpointFlows(net.egress, ['web'], web), ...egressEndpointFlows(net.egress, ['beat'], supersetComponent(env, 'beat')), ...egressEndpointFlows(net.egress, ['migrate'], migrate));
  for (const q of Object.keys(env.config.superset.workers)) flows.push(...egressEndpointFlows(net.egress, ['workers', `worker-${q}`], supersetComponent(env, `worker-${q}`)));
  for (const c of queryRunners) {
    for (const [i, ds] of net.dataSources.entries()) {
      flows.push(tcp(component(c), { kind: 'cidr', name: `data-source-${i + 1}`, cidr: ds.cidr }, ds.ports, 'chart and SQL Lab queries to the analytics databases'));
    }
  }
  for (const [i, cidr] of env.config.edge.service.allowFrom.entries()) {
    flows.push(tcp({ kind: 'cidr', name: `web-clients-${i + 1}`, cidr }, component(web), [SUPERSET_WEB.port], 'clients (or an internal load balancer) reach the web Service directly (edge.service)'));
  }
  const s = env.config.superset;
  if (s.flower.enabled) {
    const flower = supersetComponent(env, 'flower');
    flows.push(
      tcp({ kind: 'namespace', name: 'ingress-controller', ...net.ingressController }, component(flower), [SUPERSET_FLOWER.port], 'operators reach Celery Flower through the ingress (with its login)'),
      // Its own Celery app has only the broker settings: redis-queue, nothing else.
      ...redisQueueClientFlows(env.config, flower, 'Celery Flower watches the queues and the workers\' events'),
    );
  }
  if (s.asyncQueries.enabled && s.asyncQueries.transport === 'ws') {
    const websocket = supersetComponent(env, 'websocket');
    const queue = externalRedisQueue(env.config);
    flows.push(
      tcp({ kind: 'namespace', name: 'ingress-controller', ...net.ingressController }, component(websocket), [SUPERSET_WEBSOCKET.port], 'browsers keep the websocket of async queries open through the ingress'),
      // It only reads the event streams, from any server: no Sentinel (lib/superset/websocket.ts).
      ...(queue
        ? toExternalRedis('redis-queue', queue, component(websocket), 'the websocket server reads the async-event streams (the managed Redis of redis.queue.external)')
        : [tcp(component(websocket), component(dataComponent(env.config.instance, 'redis-queue')), [REDIS_QUEUE.port], 'the websocket server reads the async-event streams')]),
    );
  }
  for (const q of webClientQueues(s)) {
    flows.push(tcp(component(supersetComponent(env, `worker-${q}`)), component(web), [SUPERSET_WEB.port], 'reports fetch chart data and render screenshots from WEBDRIVER_BASEURL (the web Service)'));
  }
  flows.push(
    ...podEgressFlows(web, s.web.pod.egress),
    ...Object.entries(s.workers).flatMap(([q, w]) => podEgressFlows(supersetComponent(env, `worker-${q}`), w.pod.egress)),
    ...podEgressFlows(supersetComponent(env, 'beat'), s.beat.pod.egress),
    ...podEgressFlows(migrate, s.migrations.pod.egress),
  );
  return flows;
}
