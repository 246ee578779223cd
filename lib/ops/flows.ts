import { externalDatabase, PGBOUNCER, POSTGRES_PRIMARY, toExternalDatabase } from '../postgres/endpoints';
import { redisClientFlows } from '../redis/endpoints';
import type { Environment } from '../config/load';
import { Component, component, dataComponent, egressEndpointFlows, Flow, podEgressFlows, tcp } from '../workload/flow';

function opsComponent(env: Environment, name: string): Component {
  return {
    name,
    selector: { 'app.kubernetes.io/name': 'superset-ops', 'app.kubernetes.io/instance': env.config.instance, 'app.kubernetes.io/component': name },
  };
}

/** The connections the ops CronJobs need, for the NetworkPolicies (default deny). */
export function opsFlows(env: Environment): Flow[] {
  const ops = env.config.ops;
  // With a web identity, every job that reaches the bucket first gets its credentials from the token service.
  const sts = ops.objectStorage.credentials === 'webIdentity' ? ops.objectStorage.webIdentity?.egress ?? [] : [];
  const storage = (from: Component, why: string): Flow[] => [
    ...env.config.network.objectStorage.map((s, i) =>
      tcp(component(from), { kind: 'cidr', name: `object-storage-${i + 1}`, cidr: s.cidr }, s.ports, why)),
    ...sts.map((s, i) =>
      tcp(component(from), { kind: 'cidr', name: `token-service-${i + 1}`, cidr: s.cidr }, s.ports, 'temporary object storage credentials for the projected ServiceAccount token (AssumeRoleWithWebIdentity)')),
  ];
  const flows: Flow[] = [];
  const external = externalDatabase(env.config);

  // Endpoints outside the cluster declared once in network.egress (e.g. a webhook a job reports to).
  const declared = (c: Component): Flow[] => egressEndpointFlows(env.config.network.egress, [c.name], c);

  if (ops.backup.enabled) {
    const backup = opsComponent(env, 'pg-backup');
    flows.push(
      ...declared(backup),
      ...(external
        ? toExternalDatabase(external, component(backup), 'pg_dump from the managed server (never through PgBouncer)')
        : [tcp(component(backup), component(dataComponent(env.config.instance, 'postgres')), [POSTGRES_PRIMARY.port], 'pg_dump from the Patroni primary (never through PgBouncer)')]),
      ...storage(backup, 'backups go off-site to object storage'),
    );
  }
  if (ops.restoreCheck.enabled) {
    const check = opsComponent(env, 'pg-restore-check');
    flows.push(...storage(check, 'the restore check downloads the newest backup'), ...declared(check));
  }
  if (ops.dashboardExport.enabled) {
    const exporter = opsComponent(env, 'dashboard-export');
    flows.push(
      ...declared(exporter),
      ...(env.config.pgbouncer.enabled
        ? [tcp(component(exporter), component(dataComponent(env.config.instance, 'pgbouncer')), [PGBOUNCER.port], 'superset export-dashboards reads the metadata database')]
        : toExternalDatabase(external!, component(exporter), 'superset export-dashboards reads the managed metadata database (PgBouncer is off)')),
      ...redisClientFlows(env.config, exporter, { cache: 'the Superset app connects its caches at start-up', queue: 'the Superset app connects Celery and rate limits at start-up' }),
    );
    if (ops.dashboardExport.target === 'git') {
      flows.push(...ops.dashboardExport.git.sshEgress.map((g, i) =>
        tcp(component(exporter), { kind: 'cidr', name: `git-server-${i + 1}`, cidr: g.cidr }, g.ports, 'the export is pushed to Git over SSH')));
    } else {
      flows.push(...storage(exporter, 'the export is uploaded to object storage'));
    }
  }
  flows.push(
    ...(ops.backup.enabled ? podEgressFlows(opsComponent(env, 'pg-backup'), ops.backup.pod.egress) : []),
    ...(ops.restoreCheck.enabled ? podEgressFlows(opsComponent(env, 'pg-restore-check'), ops.restoreCheck.pod.egress) : []),
    ...(ops.dashboardExport.enabled ? podEgressFlows(opsComponent(env, 'dashboard-export'), ops.dashboardExport.pod.egress) : []),
  );
  return flows;
}
