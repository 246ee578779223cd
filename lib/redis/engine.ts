import type { RedisConfig } from './schema';
import type { RunAs } from '../workload/pod-security';

/**
 * The uid/gid of the `valkey` and `redis` users of the official Debian-based images (both
 * created with useradd -u 999 -g 999). Every container of a Redis pod runs as it, and fsGroup
 * makes the volume and the mounted Secret readable by it.
 */
export const REDIS_RUN_AS: RunAs = { uid: 999, gid: 999 };

/** Binaries of each engine (Valkey ships valkey-*; the redis-* names are not guaranteed). */
export const ENGINE_BINARIES = {
  valkey: { server: 'valkey-server', cli: 'valkey-cli' },
  redis: { server: 'redis-server', cli: 'redis-cli' },
} as const;

function reference(image: RedisConfig['images']['valkey']): string {
  return `${image.repository}:${image.tag}${image.digest ? `@${image.digest}` : ''}`;
}

/** The server image of the configured engine. */
export function serverImage(redis: RedisConfig): string {
  return reference(redis.images[redis.engine]);
}

/** The version label of the Redis workloads: the server image tag. */
export function serverVersion(redis: RedisConfig): string {
  return redis.images[redis.engine].tag;
}

export function exporterImage(redis: RedisConfig): string {
  return reference(redis.images.exporter);
}
