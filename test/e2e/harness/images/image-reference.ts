/** An image reference split the way a registry client splits it. */
export interface ImageReference {
  /** Registry host and path without tag or digest, e.g. "docker.io/valkey/valkey". */
  readonly repository: string;
  /** The tag ("latest" when the reference has neither tag nor digest). */
  readonly tag: string;
  readonly digest?: string;
}

/**
 * Splits "host/path:tag@sha256:..." into repository, tag and digest. A reference without a
 * registry host ("prom/statsd-exporter", "postgres") is a Docker Hub one, as a container runtime
 * reads it: it becomes "docker.io/prom/statsd-exporter" or "docker.io/library/postgres".
 */
export function parseImageReference(image: string): ImageReference {
  const trimmed = image.trim();
  if (trimmed === '' || /\s/.test(trimmed)) {
    throw new Error(`image reference "${image}" is empty or has white space: write it as registry/path:tag`);
  }
  let rest = trimmed;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  // A ':' after the last '/' starts the tag; one before it belongs to a registry port.
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  let tag = 'latest';
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (rest === '' || tag === '') {
    throw new Error(`image reference "${image}" has an empty repository or tag`);
  }
  return { repository: withRegistry(rest.toLowerCase()), tag, ...(digest ? { digest } : {}) };
}

function withRegistry(path: string): string {
  const first = path.split('/')[0];
  const hasHost = path.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasHost) return path;
  return path.includes('/') ? `docker.io/${path}` : `docker.io/library/${path}`;
}
