import { memoryToBytes, MIB } from '../config/quantity';

// Postgres memory settings derived from the container's memory request, so a bigger pod gets a
// bigger cache without anyone re-doing the arithmetic. Every value can be overridden per
// environment (postgres.parameters), and the overrides win.

/** Pod memory one allowed backend is budgeted: its private memory plus one work_mem allocation. */
export const MEMORY_PER_CONNECTION_MIB = 20;
export const MIN_MAX_CONNECTIONS = 50;
export const MAX_MAX_CONNECTIONS = 500;

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

export interface DerivedMemoryParameters {
  readonly shared_buffers: string;
  readonly effective_cache_size: string;
  readonly work_mem: string;
  readonly maintenance_work_mem: string;
  readonly max_connections: number;
}

/**
 * - shared_buffers: 25 % of the request (the usual starting point; the OS page cache does the rest);
 * - effective_cache_size: 75 % (a planner hint, allocates nothing);
 * - max_connections: one per 20 MiB, in steps of 10, between 50 and 500: PgBouncer keeps the
 *   real number of backends far lower, this is the ceiling the connection budget is checked against;
 * - work_mem: a quarter of the request shared by all backends, 4-64 MB;
 * - maintenance_work_mem: 1/16 of the request, 64 MB-2 GB (vacuum, index builds).
 */
export function deriveMemoryParameters(memoryRequest: string): DerivedMemoryParameters {
  const mib = memoryToBytes(memoryRequest) / MIB;
  const maxConnections = clamp(Math.floor(mib / MEMORY_PER_CONNECTION_MIB / 10) * 10, MIN_MAX_CONNECTIONS, MAX_MAX_CONNECTIONS);
  return {
    shared_buffers: `${Math.floor(mib * 0.25)}MB`,
    effective_cache_size: `${Math.floor(mib * 0.75)}MB`,
    work_mem: `${clamp(Math.floor((mib * 0.25) / maxConnections), 4, 64)}MB`,
    maintenance_work_mem: `${clamp(Math.floor(mib / 16), 64, 2048)}MB`,
    max_connections: maxConnections,
  };
}

/** The effective max_connections: an override in postgres.parameters wins over the derived one. */
export function effectiveMaxConnections(memoryRequest: string, overrides: Readonly<Record<string, string | number>>): number {
  const override = overrides.max_connections;
  if (override === undefined) return deriveMemoryParameters(memoryRequest).max_connections;
  const n = Number(override);
  if (!Number.isInteger(n) || n < 1) throw new Error(`postgres.parameters.max_connections must be a whole number, got ${JSON.stringify(override)}`);
  return n;
}

/** Postgres size strings ("512MB", "4GB", "64kB") in bytes, for sanity checks of overrides. */
export function postgresSizeToBytes(value: string | number): number | undefined {
  if (typeof value === 'number') return undefined; // unit-less: depends on the parameter's unit
  const match = /^(\d+)\s*(kB|MB|GB|TB)$/.exec(value.trim());
  if (!match) return undefined;
  const unit = { kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[match[2] as 'kB' | 'MB' | 'GB' | 'TB'];
  return Number(match[1]) * unit;
}
