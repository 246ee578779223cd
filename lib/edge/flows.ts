import { PGBOUNCER, POSTGRES_PRIMARY, REDIS_CACHE, SUPERSET_WEB } from '../config/endpoints';
import { redisQueueClientPorts } from '../redis/flows';
import type { Environment } from '../config/load';
import { STATSD_METRICS_PORT } from '../ops/monitoring/statsd-exporter';

/** A workload of the namespace, by the labels its pods carry. */
export interface Component {
  readonly name: string;
  readonly selector: Readonly<Record<string, string>>;
}

/** One end of a flow: a component, pods of another namespace, or an address range. */
export type Peer =
  | { readonly kind: 'component'; readonly component: Component }
  | { readonly kind: 'namespace'; readonly name: string; readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> }
  | { readonly kind: 'cidr'; readonly name: string; readonly cidr: string };

/** A connection the platform needs: from, to, on which ports, and why. */
export interface Flow {
  readonly from: Peer;
  readonly to: Peer;
  readonly ports: readonly number[];
  readonly protocol: 'TCP' | 'UDP';
  readonly why: string;
}

export const component = (c: Component): Peer => ({ kind: 'component', component: c });

function supersetComponent(env: Environment, name: string): Component {
  return {
    name: `superset-${name}`,
    selector: { 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/instance': env.config.instance, 'app.kubernetes.io/component': name },
  };
}

/** Components of the data tier, by the labels their manifests give their pods. */
export function dataComponent(env: Environment, name: string): Component {
  return { name, selector: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': env.config.instance } };
}

/**
 * Every flow the platform needs; NetworkPolicies allow exactly these (plus DNS for every pod) on
 * top of a default deny. The test in test/edge/network-policies.test.ts re-derives the allowed
 * graph from the generated policies and compares it with a hand-written expectation.
 */
export function platformFlows(env: Environment): Flow[] {
  const net = env.config.network;
  const web = supersetComponent(env, 'web');
  // Web (synchronous SQL Lab) and workers run queries against data sources; beat only schedules.
  const queryRunners = [web, ...Object.keys(env.config.superset.workers).map((q) => supersetComponent(env, `worker-${q}`))];
  const longRunning = [...queryRunners, supersetComponent(env, 'beat')];
  const migrate = supersetComponent(env, 'migrate');
  const pgbouncer = dataComponent(env, 'pgbouncer');
  const postgres = dataComponent(env, 'postgres');
  const redisCache = dataComponent(env, 'redis-cache');
  const redisQueue = dataComponent(env, 'redis-queue');
  const tcp = (from: Peer, to: Peer, ports: readonly number[], why: string): Flow => ({ from, to, ports, protocol: 'TCP', why });

  const flows: Flow[] = [
    tcp({ kind: 'namespace', name: 'ingress-controller', ...net.ingressController }, component(web), [SUPERSET_WEB.port], 'users reach the web tier through the ingress controller'),
    tcp(component(migrate), component(postgres), [POSTGRES_PRIMARY.port], 'migrations go straight to the primary'),
  ];
  for (const c of longRunning) {
    flows.push(
      tcp(component(c), component(pgbouncer), [PGBOUNCER.port], 'metadata database through PgBouncer'),
      tcp(component(c), component(redisCache), [REDIS_CACHE.port], 'Flask caches and SQL Lab results'),
      tcp(component(c), component(redisQueue), redisQueueClientPorts(env), 'Celery broker, coordination, async queries, rate limits (through Sentinel in sentinel mode)'),
    );
  }
  if (env.config.monitoring.enabled) {
    const prometheus: Peer = { kind: 'namespace', name: 'monitoring', ...net.monitoring };
    for (const c of queryRunners) flows.push(tcp(prometheus, component(c), [STATSD_METRICS_PORT], 'Prometheus scrapes the statsd_exporter sidecar'));
  }
  for (const c of queryRunners) {
    for (const [i, ds] of net.dataSources.entries()) {
      flows.push(tcp(component(c), { kind: 'cidr', name: `data-source-${i + 1}`, cidr: ds.cidr }, ds.ports, 'chart and SQL Lab queries to the analytics databases'));
    }
  }
  return flows;
}
