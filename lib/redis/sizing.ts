import { MIB, memoryToBytes } from '../config/quantity';

// Memory and disk sizing of the Redis servers, as pure functions.

/** maxmemory: `percent` of the container memory limit, rounded down to a whole MiB. */
export function redisMaxmemoryBytes(memoryLimit: string, percent: number): number {
  return Math.floor((memoryToBytes(memoryLimit) * percent) / 100 / MIB) * MIB;
}

/**
 * The smallest volume that holds what a server writes, in bytes:
 * - an RDB snapshot plus the temporary file written next to it before the rename: 2 x maxmemory;
 * - an append-only file: the base, the growth until the next rewrite (auto-aof-rewrite-percentage
 *   100 lets it double) and the new base being written: 3 x maxmemory;
 * - nothing but nodes.conf: 16 MiB.
 */
export function redisMinimumStorageBytes(maxmemoryBytes: number, persistence: 'snapshot-on-shutdown' | 'aof' | 'none'): number {
  if (persistence === 'none') return 16 * MIB;
  return (persistence === 'aof' ? 3 : 2) * maxmemoryBytes;
}

