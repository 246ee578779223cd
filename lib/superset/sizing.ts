import { cpuToMillis, memoryToBytes, MIB } from '../config/quantity';
import type { SupersetConfig } from './schema';

/** Resident memory one Superset gunicorn worker needs at steady state (measured upstream: 300-500 MiB). */
export const MEMORY_PER_GUNICORN_WORKER_BYTES = 400 * MIB;

/**
 * Gunicorn workers for a CPU request: the classic 2 x CPU + 1, on whole cores, at least 2 so a
 * recycled or stuck worker never leaves the pod without one. Threads (gthread) carry the I/O wait.
 */
export function gunicornWorkersForCpu(cpuRequest: string): number {
  const cores = cpuToMillis(cpuRequest) / 1000;
  return Math.max(2, Math.floor(2 * cores) + 1);
}

/** Workers that fit the memory request, so sizing from CPU can be checked against memory. */
export function gunicornWorkersForMemory(memoryRequest: string): number {
  return Math.floor(memoryToBytes(memoryRequest) / MEMORY_PER_GUNICORN_WORKER_BYTES);
}

export interface GunicornSizing {
  readonly workers: number;
  readonly threads: number;
  /** Requests one pod serves concurrently. */
  readonly concurrentRequests: number;
}

export function gunicornSizing(cpuRequest: string, threads: number, workers?: number): GunicornSizing {
  const resolvedWorkers = workers ?? gunicornWorkersForCpu(cpuRequest);
  return { workers: resolvedWorkers, threads, concurrentRequests: resolvedWorkers * threads };
}

/** The Celery task of async SQL Lab queries. */
export const SQL_LAB_TASK = 'sql_lab.get_sql_results';
/** Superset gives that task its own hard limit: SQLLAB_ASYNC_TIME_LIMIT_SEC plus 60 s (superset/sql_lab.py). */
export const SQL_LAB_HARD_LIMIT_MARGIN_SECONDS = 60;

/** The queue whose workers run SQL Lab queries: the one routing the task, else the default queue. */
export function sqlLabQueue(s: Pick<SupersetConfig, 'workers' | 'defaultQueue'>): string {
  return Object.entries(s.workers).find(([, q]) => q.routes.includes(SQL_LAB_TASK))?.[0] ?? s.defaultQueue;
}

/**
 * Longest task a queue's workers may be running, seconds: its --time-limit, or for the SQL Lab
 * queue the limit Superset puts on that task itself (it overrides --time-limit), whichever is
 * longer. The pod's grace period is derived from it, so a rollout or scale-in lets it finish.
 */
export function longestTaskSeconds(s: Pick<SupersetConfig, 'workers' | 'defaultQueue' | 'sqlLabAsyncTimeLimitSeconds'>, queue: string): number {
  const limit = s.workers[queue].taskTimeLimitSeconds;
  return queue === sqlLabQueue(s) ? Math.max(limit, s.sqlLabAsyncTimeLimitSeconds + SQL_LAB_HARD_LIMIT_MARGIN_SECONDS) : limit;
}
