import { cpuToMillis, memoryToBytes, MIB } from '../config/quantity';

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
