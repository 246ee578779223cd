import type { PgbouncerConfig, PostgresConfig } from '../postgres/schema';
import { effectiveMaxConnections } from '../postgres/sizing';
import type { SupersetConfig } from '../superset/schema';
import { gunicornSizing } from '../superset/sizing';

// The connection budget: the one piece of math that spans components (Superset's processes and
// pools, PgBouncer's pools, Postgres' max_connections), so it lives here rather than in any one
// of them. Checked at every autoscaler's maximum (and during a rolling update):
//   1. the client connections Superset can open fit what the PgBouncer pods accept, even with one
//      PgBouncer pod down (a drain or a crash must not refuse clients);
//   2. the server connections every PgBouncer pod may hold, including the extra pod of a rolling
//      update, fit Postgres max_connections minus the slots reserved for everything else.
// Pure functions of the config, so they are unit-tested without synthesis.

/** The settings the budget reads. */
export interface BudgetSettings {
  readonly superset: SupersetConfig;
  readonly pgbouncer: PgbouncerConfig;
  readonly postgres: PostgresConfig;
}

/** Connections one Celery task may hold at once: its session plus one more (SQL Lab's query session). */
export const CONNECTIONS_PER_CELERY_TASK = 2;
/** Celery beat only schedules; it holds at most one metadata connection. */
export const CONNECTIONS_PER_BEAT = 1;
/** Patroni on the primary: its HA-loop connection, the REST API's, and a replica's pg_rewind check. */
export const PATRONI_CONNECTIONS = 3;
/** Deployments roll with maxSurge 25 % (ScaledDeployment): that many extra pods may run at once. */
export const SUPERSET_SURGE_FRACTION = 0.25;
/** PgBouncer rolls one extra pod at a time (maxSurge 1, maxUnavailable 0). */
export const PGBOUNCER_SURGE = 1;

/** One kind of PgBouncer client at its peak. */
export interface ClientLine {
  readonly source: string;
  /** Pods at the HPA maximum plus the rolling-update surge. */
  readonly pods: number;
  readonly processesPerPod: number;
  readonly connectionsPerProcess: number;
  /** Why connectionsPerProcess has that value. */
  readonly basis: string;
  readonly total: number;
}

/** One consumer of Postgres connections besides PgBouncer. */
export interface ReservedLine {
  readonly source: string;
  readonly connections: number;
}

export interface ConnectionBudget {
  readonly clients: readonly ClientLine[];
  readonly clientTotal: number;
  /** PgBouncer pods that must accept every client: all but one when there are two or more. */
  readonly pgbouncerPodsForClients: number;
  readonly maxClientConn: number;
  readonly clientCapacity: number;
  /** max_db_connections of one PgBouncer: default_pool_size + reserve_pool_size. */
  readonly serverPerPgbouncer: number;
  /** PgBouncer pods that may hold server connections at once: replicas + the rolling-update surge. */
  readonly pgbouncerPodsAtPeak: number;
  readonly serverTotal: number;
  readonly maxConnections: number;
  readonly reserved: readonly ReservedLine[];
  readonly reservedTotal: number;
  readonly serverCapacity: number;
  /** Client connections at rest (every HPA at its minimum), for comparison. */
  readonly clientsAtRest: number;
  /** False when PgBouncer is off: every client connection is a server connection of the managed server. */
  readonly pooled: boolean;
  /** Where maxConnections comes from: Postgres max_connections, or postgres.external.connectionLimit. */
  readonly limitSource: 'max_connections' | 'connectionLimit';
}

function pool(config: BudgetSettings): number {
  return config.superset.database.poolSize + config.superset.database.maxOverflow;
}

/** A Deployment at its HPA maximum, rolling with maxSurge 25 % (rounded up). */
function podsAtPeak(maxReplicas: number): number {
  return maxReplicas + Math.ceil(maxReplicas * SUPERSET_SURGE_FRACTION);
}

/** Client connections PgBouncer may receive, per Superset workload, with the given pod counts. */
function clientLines(config: BudgetSettings, podsOf: (min: number, max: number) => number): ClientLine[] {
  const s = config.superset;
  const limit = pool(config);
  const web = gunicornSizing(s.web.resources.cpuRequest, s.web.gunicorn.threads, s.web.gunicorn.workers);
  const webPerProcess = Math.min(limit, web.threads);
  const lines: ClientLine[] = [];
  const webPods = podsOf(s.web.minReplicas, s.web.maxReplicas);
  lines.push({
    source: 'superset-web',
    pods: webPods,
    processesPerPod: web.workers,
    connectionsPerProcess: webPerProcess,
    basis: `min(threads ${web.threads}, pool ${limit})`,
    total: webPods * web.workers * webPerProcess,
  });
  for (const [queue, q] of Object.entries(s.workers)) {
    const pods = podsOf(q.minReplicas, q.maxReplicas);
    const perProcess = Math.min(limit, CONNECTIONS_PER_CELERY_TASK);
    lines.push({
      source: `superset-worker-${queue}`,
      pods,
      processesPerPod: q.concurrency,
      connectionsPerProcess: perProcess,
      basis: `min(${CONNECTIONS_PER_CELERY_TASK} per task, pool ${limit})`,
      total: pods * q.concurrency * perProcess,
    });
  }
  const beat = Math.min(limit, CONNECTIONS_PER_BEAT);
  lines.push({ source: 'superset-beat', pods: 1, processesPerPod: 1, connectionsPerProcess: beat, basis: 'one scheduler (Recreate: never two)', total: beat });
  return lines;
}

/** The budget of an environment at its peak. */
export function connectionBudget(config: BudgetSettings): ConnectionBudget {
  const b = config.pgbouncer;
  const clients = clientLines(config, (_min, max) => podsAtPeak(max));
  const clientTotal = clients.reduce((sum, l) => sum + l.total, 0);
  const clientsAtRest = clientLines(config, (min) => min).reduce((sum, l) => sum + l.total, 0);
  const pgbouncerPodsForClients = b.replicas >= 2 ? b.replicas - 1 : 1;
  const serverPerPgbouncer = b.defaultPoolSize + b.reservePoolSize;
  const pgbouncerPodsAtPeak = b.replicas + PGBOUNCER_SURGE;
  // A managed server: the provider's limit for the role, and no Patroni or superuser slots of ours.
  const external = config.postgres.mode === 'external' ? config.postgres.external : undefined;
  const maxConnections = external ? external.connectionLimit : effectiveMaxConnections(config.postgres.resources.memoryRequest, config.postgres.parameters);
  const reserved: ReservedLine[] = [
    ...(external ? [] : [
      { source: 'superuser_reserved_connections', connections: config.postgres.superuserReservedConnections },
      { source: 'Patroni', connections: PATRONI_CONNECTIONS },
    ]),
    { source: 'superset-migrate Job (direct, pool + overflow)', connections: pool(config) },
    { source: 'other direct clients (backups, exporters, psql)', connections: config.postgres.otherDirectConnections },
  ];
  const pooled = b.enabled || !external;
  const reservedTotal = reserved.reduce((sum, l) => sum + l.connections, 0);
  return {
    clients,
    clientTotal,
    pgbouncerPodsForClients,
    maxClientConn: b.maxClientConn,
    clientCapacity: b.maxClientConn * pgbouncerPodsForClients,
    serverPerPgbouncer,
    pgbouncerPodsAtPeak,
    serverTotal: pooled ? serverPerPgbouncer * pgbouncerPodsAtPeak : clientTotal,
    maxConnections,
    reserved,
    reservedTotal,
    serverCapacity: maxConnections - reservedTotal,
    clientsAtRest,
    pooled,
    limitSource: external ? 'connectionLimit' : 'max_connections',
  };
}

/** A budget violation, in the shape of a config problem (field, value, rule, fix). */
export interface BudgetProblem {
  readonly field: string;
  readonly value: unknown;
  readonly rule: string;
  readonly fix: string;
}

export function budgetProblems(budget: ConnectionBudget): BudgetProblem[] {
  const problems: BudgetProblem[] = [];
  if (!budget.pooled) return unpooledProblems(budget);
  if (budget.clientTotal > budget.clientCapacity) {
    const detail = budget.clients.map((l) => `${l.source} ${l.pods} pods x ${l.processesPerPod} x ${l.connectionsPerProcess} = ${l.total}`).join(', ');
    const needed = Math.ceil(budget.clientTotal / budget.pgbouncerPodsForClients);
    problems.push({
      field: 'pgbouncer.maxClientConn',
      value: budget.maxClientConn,
      rule: `Superset can open ${budget.clientTotal} client connections at peak (${detail}) but ${budget.pgbouncerPodsForClients} PgBouncer pod(s) ` +
        `(all but one, so a drain never refuses clients) x max_client_conn ${budget.maxClientConn} accept only ${budget.clientCapacity}`,
      fix: `raise pgbouncer.maxClientConn to ${needed} or more, or add PgBouncer replicas, or lower the Superset maxReplicas or superset.database.poolSize/maxOverflow`,
    });
  }
  if (budget.serverTotal > budget.serverCapacity) {
    if (budget.limitSource === 'connectionLimit') {
      const perPod = Math.floor(Math.max(0, budget.serverCapacity) / budget.pgbouncerPodsAtPeak);
      problems.push({
        field: 'pgbouncer.defaultPoolSize',
        value: budget.serverPerPgbouncer,
        rule: `${budget.pgbouncerPodsAtPeak} PgBouncer pods (replicas + 1 during a rollout) x ${budget.serverPerPgbouncer} server connections ` +
          `(default_pool_size + reserve_pool_size) = ${budget.serverTotal} exceed postgres.external.connectionLimit ${budget.maxConnections} ` +
          `minus ${budget.reservedTotal} reserved (${reservedText(budget)}) = ${budget.serverCapacity}`,
        fix: `lower pgbouncer.defaultPoolSize + pgbouncer.reservePoolSize to ${perPod} or less, or run fewer PgBouncer replicas, ` +
          `or raise the provider's limit and postgres.external.connectionLimit to ${budget.maxConnections + budget.serverTotal - budget.serverCapacity} or more`,
      });
      return problems;
    }
    const reserved = budget.reserved.map((l) => `${l.source} ${l.connections}`).join(', ');
    const perPod = Math.floor(Math.max(0, budget.serverCapacity) / budget.pgbouncerPodsAtPeak);
    problems.push({
      field: 'pgbouncer.defaultPoolSize',
      value: budget.serverPerPgbouncer,
      rule: `${budget.pgbouncerPodsAtPeak} PgBouncer pods (replicas + 1 during a rollout) x ${budget.serverPerPgbouncer} server connections ` +
        `(default_pool_size + reserve_pool_size) = ${budget.serverTotal} exceed Postgres max_connections ${budget.maxConnections} ` +
        `minus ${budget.reservedTotal} reserved (${reserved}) = ${budget.serverCapacity}`,
      fix: `lower pgbouncer.defaultPoolSize + pgbouncer.reservePoolSize to ${perPod} or less, or run fewer PgBouncer replicas, ` +
        `or raise postgres.parameters.max_connections to ${budget.maxConnections + budget.serverTotal - budget.serverCapacity} or more (or the Postgres memory request it is derived from)`,
    });
  }
  return problems;
}

function reservedText(budget: ConnectionBudget): string {
  return budget.reserved.map((l) => `${l.source} ${l.connections}`).join(', ');
}

/** PgBouncer off (the managed server pools): every Superset connection lands on the server. */
function unpooledProblems(budget: ConnectionBudget): BudgetProblem[] {
  if (budget.clientTotal <= budget.serverCapacity) return [];
  const detail = budget.clients.map((l) => `${l.source} ${l.pods} pods x ${l.processesPerPod} x ${l.connectionsPerProcess} = ${l.total}`).join(', ');
  return [{
    field: 'postgres.external.connectionLimit',
    value: budget.maxConnections,
    rule: `with pgbouncer.enabled false Superset connects straight to the managed server and can open ${budget.clientTotal} connections at peak (${detail}), ` +
      `more than postgres.external.connectionLimit ${budget.maxConnections} minus ${budget.reservedTotal} reserved (${reservedText(budget)}) = ${budget.serverCapacity}`,
    fix: `raise the provider's limit and postgres.external.connectionLimit to ${budget.clientTotal + budget.reservedTotal} or more, turn PgBouncer on (pgbouncer.enabled true), ` +
      'or lower the Superset maxReplicas or superset.database.poolSize/maxOverflow',
  }];
}

/** The budget as a Markdown table (docs/database.md, `npm run capacity`). */
export function budgetTable(budget: ConnectionBudget): string {
  const rows: string[] = ['| | pods at peak | processes/pod | connections/process | total |', '|---|---|---|---|---|'];
  for (const l of budget.clients) rows.push(`| ${l.source} | ${l.pods} | ${l.processesPerPod} | ${l.connectionsPerProcess} (${l.basis}) | ${l.total} |`);
  const ok = (fits: boolean) => (fits ? 'fits' : '**does not fit**');
  rows.push(`| **clients at peak** (at rest: ${budget.clientsAtRest}) | | | | **${budget.clientTotal}** |`);
  if (budget.pooled) rows.push(`| PgBouncer accepts: ${budget.pgbouncerPodsForClients} pod(s) x max_client_conn ${budget.maxClientConn} | | | | ${budget.clientCapacity} (${ok(budget.clientTotal <= budget.clientCapacity)}) |`);
  rows.push(budget.pooled
    ? `| **server connections**: ${budget.pgbouncerPodsAtPeak} PgBouncer pods x (pool + reserve) ${budget.serverPerPgbouncer} | | | | **${budget.serverTotal}** |`
    : `| **server connections**: PgBouncer is off, every client connection | | | | **${budget.serverTotal}** |`);
  for (const l of budget.reserved) rows.push(`| reserved: ${l.source} | | | | ${l.connections} |`);
  const limit = budget.limitSource === 'connectionLimit' ? 'postgres.external.connectionLimit' : 'Postgres max_connections';
  rows.push(`| ${limit} ${budget.maxConnections} - reserved ${budget.reservedTotal} | | | | ${budget.serverCapacity} (${ok(budget.serverTotal <= budget.serverCapacity)}) |`);
  return rows.join('\n');
}
