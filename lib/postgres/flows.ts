import { PATRONI_API_PORT, PGBOUNCER_METRICS_PORT } from './database-pod';
import { externalDatabase, POSTGRES_PRIMARY, toExternalDatabase } from './endpoints';
import type { ExternalPostgresConfig } from './schema';
import type { Environment } from '../config/load';
import { component, dataComponent, Flow, Peer, tcp, podEgressFlows } from '../workload/flow';
import { walArchiving } from './rules';

/** The connections the database tier needs, for the NetworkPolicies (default deny). */
export function databaseFlows(env: Environment): Flow[] {
  const external = externalDatabase(env.config);
  if (external) return externalDatabaseFlows(env, external);
  const net = env.config.network;
  const postgres = component(dataComponent(env.config.instance, 'postgres'));
  const pgbouncer = component(dataComponent(env.config.instance, 'pgbouncer'));
  const flows: Flow[] = [
    tcp(pgbouncer, postgres, [POSTGRES_PRIMARY.port], 'PgBouncer pools connections to the primary'),
    tcp(postgres, postgres, [POSTGRES_PRIMARY.port, PATRONI_API_PORT], 'streaming replication, and members checking each other\'s Patroni API during a failover'),
    ...net.kubernetesApi.map((api, i) => tcp(postgres, { kind: 'cidr', name: `kubernetes-api-${i + 1}`, cidr: api.cidr }, api.ports, 'Patroni keeps the leader lock in ConfigMaps (Kubernetes DCS)')),
  ];
  if (walArchiving(env.config)) {
    flows.push(...net.objectStorage.map((s, i) => tcp(postgres, { kind: 'cidr', name: `object-storage-${i + 1}`, cidr: s.cidr }, s.ports, 'WAL-G archives WAL to object storage')));
    const retention = component(dataComponent(env.config.instance, 'walg-retention'));
    flows.push(...net.objectStorage.map((s, i) => tcp(retention, { kind: 'cidr', name: `object-storage-${i + 1}`, cidr: s.cidr }, s.ports, 'walg-retention prunes old base backups and WAL (the only WAL-G key that may delete)')));
  }
  if (env.config.monitoring.enabled) {
    const prometheus: Peer = { kind: 'namespace', name: 'monitoring', ...net.monitoring };
    flows.push(
      tcp(prometheus, pgbouncer, [PGBOUNCER_METRICS_PORT], 'Prometheus scrapes the PgBouncer exporter'),
      tcp(prometheus, postgres, [PATRONI_API_PORT], 'Prometheus scrapes Patroni\'s /metrics'),
    );
  }
  flows.push(
    ...podEgressFlows(dataComponent(env.config.instance, 'postgres'), env.config.postgres.pod.egress),
    ...podEgressFlows(dataComponent(env.config.instance, 'pgbouncer'), env.config.pgbouncer.pod.egress),
  );
  return flows;
}

/** The managed server outside the cluster, as the peer of a flow (its port, each of its address ranges). */
export function externalDatabaseFlows(env: Environment, external: ExternalPostgresConfig): Flow[] {
  if (!env.config.pgbouncer.enabled) return [];
  const pgbouncer = dataComponent(env.config.instance, 'pgbouncer');
  const flows: Flow[] = [...toExternalDatabase(external, component(pgbouncer), 'PgBouncer pools connections to the managed server')];
  if (env.config.monitoring.enabled) {
    const prometheus: Peer = { kind: 'namespace', name: 'monitoring', ...env.config.network.monitoring };
    flows.push(tcp(prometheus, component(pgbouncer), [PGBOUNCER_METRICS_PORT], 'Prometheus scrapes the PgBouncer exporter'));
  }
  flows.push(...podEgressFlows(pgbouncer, env.config.pgbouncer.pod.egress));
  return flows;
}
