import type { KubeObject } from '../store';
import type { ServiceView } from '../network/service-endpoints';

// What the F5 NGINX Ingress Controller (OSS, nginx.org annotations) makes of the Ingress objects
// of its class: one server per host, one upstream per (Ingress, host, Service, port) holding the
// ready endpoints' pod addresses (not the ClusterIP), and the annotations' directives. Defaults and
// mappings follow the controller's ConfigParams and its nginx.ingress.tmpl template:
// lb-method default "random two least_conn", max_fails 1, fail_timeout 10s, proxy timeouts 60s,
// client_max_body_size 1m, server_tokens on, ssl-redirect on (301 to https://$host:443),
// HSTS max-age 2592000 with "preload" always appended, an upstream without endpoints pointing
// at 127.0.0.1:8181 (nothing listens: 502).

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The annotations this emulation turns into configuration. */
export const EMULATED_ANNOTATIONS = new Set([
  'nginx.org/lb-method', 'nginx.org/max-fails', 'nginx.org/fail-timeout', 'nginx.org/keepalive',
  'nginx.org/proxy-connect-timeout', 'nginx.org/proxy-read-timeout', 'nginx.org/proxy-send-timeout',
  'nginx.org/client-max-body-size', 'nginx.org/hsts', 'nginx.org/hsts-max-age', 'nginx.org/hsts-include-subdomains',
  'nginx.org/server-tokens', 'ingress.kubernetes.io/ssl-redirect', 'nginx.org/ssl-redirect',
]);

/** Annotations of other tools on the same object, not meant for the ingress controller. */
const FOREIGN_ANNOTATION = /^(argocd\.argoproj\.io|cert-manager\.io|kubectl\.kubernetes\.io|external-dns\.alpha\.kubernetes\.io)\//;

export interface UpstreamModel {
  readonly name: string;
  /** The load-balancing directive ("least_conn", "random two least_conn", ...; "" for round robin). */
  readonly lbMethod: string;
  /** "ip:port" of every ready endpoint, sorted; 127.0.0.1:8181 when there is none. */
  readonly servers: readonly string[];
  readonly maxFails: number;
  readonly failTimeout: string;
  readonly keepalive: number;
}

export interface LocationModel {
  /** nginx location argument: "/x" for Prefix/ImplementationSpecific, "= /x" for Exact. */
  readonly path: string;
  readonly upstream: string;
  readonly service: string;
  readonly proxyConnectTimeout: string;
  readonly proxyReadTimeout: string;
  readonly proxySendTimeout: string;
  readonly clientMaxBodySize: string;
  readonly keepalive: boolean;
}

export interface ServerModel {
  /** "namespace/name" of the Ingress. */
  readonly ingress: string;
  readonly host: string;
  /** "namespace/name" of the TLS Secret; undefined for a plain-HTTP server. */
  readonly tlsSecret?: string;
  /** The Secret is missing or has no tls.crt/tls.key: the controller rejects TLS handshakes. */
  readonly tlsRejectHandshake: boolean;
  readonly serverTokens: 'on' | 'off';
  readonly sslRedirect: boolean;
  readonly hsts?: { readonly maxAge: number; readonly includeSubdomains: boolean };
  readonly locations: readonly LocationModel[];
}

export interface EdgeModel {
  readonly servers: readonly ServerModel[];
  readonly upstreams: readonly UpstreamModel[];
  /** PEM (certificate chain then key) per TLS Secret, "namespace/name" -> text. */
  readonly certificates: ReadonlyMap<string, string>;
  /** "Ingress ns/name: annotation a=v is not emulated" lines, for the report. */
  readonly notEmulated: readonly string[];
  /** What the controller would log as warnings (no endpoints, missing TLS Secret). */
  readonly warnings: readonly string[];
}

const LB_METHODS = /^(round_robin|least_conn|ip_hash|random|random two|random two least_conn|hash \S+( consistent)?)$/;
const TIME = /^\d+(ms|s|m|h)?$/;

function bool(ingress: string, annotations: Record<string, string>, key: string): boolean | undefined {
  const value = annotations[key];
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new Error(`Ingress ${ingress}: annotation ${key}="${value}" must be "true" or "false"`);
  return value === 'true';
}

function int(ingress: string, annotations: Record<string, string>, key: string): number | undefined {
  const value = annotations[key];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`Ingress ${ingress}: annotation ${key}="${value}" must be a whole number`);
  return Number(value);
}

function time(ingress: string, annotations: Record<string, string>, key: string, fallback: string): string {
  const value = annotations[key];
  if (value === undefined) return fallback;
  if (!TIME.test(value)) throw new Error(`Ingress ${ingress}: annotation ${key}="${value}" must be an NGINX time such as 60s`);
  return value;
}

const decode = (secret: KubeObject, key: string): string | undefined => {
  if (secret.stringData?.[key] !== undefined) return String(secret.stringData[key]);
  const b64 = secret.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(String(b64), 'base64').toString('utf8');
};

/** Builds the controller's view; throws naming the Ingress when a backend Service or port does not exist. */
export function edgeModel(ingresses: readonly KubeObject[], services: readonly ServiceView[], secrets: readonly KubeObject[], ingressClass: string): EdgeModel {
  const servers: ServerModel[] = [];
  const upstreams = new Map<string, UpstreamModel>();
  const certificates = new Map<string, string>();
  const notEmulated: string[] = [];
  const warnings: string[] = [];
  const hosts = new Map<string, string>();
  const mine = ingresses.filter((i) => i.spec?.ingressClassName === ingressClass)
    .sort((a, b) => String(a.metadata.creationTimestamp).localeCompare(String(b.metadata.creationTimestamp)));
  for (const ing of mine) {
    const namespace = ing.metadata.namespace ?? 'default';
    const id = `${namespace}/${ing.metadata.name}`;
    const annotations: Record<string, string> = ing.metadata.annotations ?? {};
    for (const [k, v] of Object.entries(annotations)) {
      if (!EMULATED_ANNOTATIONS.has(k) && !FOREIGN_ANNOTATION.test(k)) notEmulated.push(`Ingress ${id}: annotation ${k}="${v}" is not emulated`);
    }
    if (ing.spec?.defaultBackend) notEmulated.push(`Ingress ${id}: spec.defaultBackend is not emulated`);
    const lbMethod = annotations['nginx.org/lb-method'] ?? 'random two least_conn';
    if (!LB_METHODS.test(lbMethod)) throw new Error(`Ingress ${id}: annotation nginx.org/lb-method="${lbMethod}" is not a method NGINX OSS supports (round_robin, least_conn, ip_hash, random [two [least_conn]], hash <key> [consistent])`);
    const keepalive = int(id, annotations, 'nginx.org/keepalive') ?? 0;
    const maxFails = int(id, annotations, 'nginx.org/max-fails') ?? 1;
    const failTimeout = time(id, annotations, 'nginx.org/fail-timeout', '10s');
    const hstsOn = bool(id, annotations, 'nginx.org/hsts') ?? false;
    const sslRedirect = bool(id, annotations, 'nginx.org/ssl-redirect') ?? bool(id, annotations, 'ingress.kubernetes.io/ssl-redirect') ?? true;
    const location = (path: any, upstream: string, service: string): LocationModel => ({
      path: path.pathType === 'Exact' ? `= ${path.path ?? '/'}` : path.path ?? '/',
      upstream, service,
      proxyConnectTimeout: time(id, annotations, 'nginx.org/proxy-connect-timeout', '60s'),
      proxyReadTimeout: time(id, annotations, 'nginx.org/proxy-read-timeout', '60s'),
      proxySendTimeout: time(id, annotations, 'nginx.org/proxy-send-timeout', '60s'),
      clientMaxBodySize: annotations['nginx.org/client-max-body-size'] ?? '1m',
      keepalive: keepalive > 0,
    });
    const tlsByHost = new Map<string, string>();
    for (const t of ing.spec?.tls ?? []) for (const h of t.hosts ?? []) tlsByHost.set(h, t.secretName);
    for (const rule of ing.spec?.rules ?? []) {
      const host: string = rule.host ?? '';
      if (hosts.has(host)) throw new Error(`Ingress ${id}: host "${host}" is already served by Ingress ${hosts.get(host)}; the controller rejects the second one unless they are mergeable Ingresses (not emulated)`);
      hosts.set(host, id);
      const locations: LocationModel[] = [];
      for (const path of rule.http?.paths ?? []) {
        const backend = path.backend?.service;
        if (!backend) throw new Error(`Ingress ${id}: path ${path.path} has no service backend (resource backends are not emulated)`);
        const svc = services.find((s) => s.namespace === namespace && s.name === backend.name);
        const portRef = backend.port?.name ?? backend.port?.number;
        const port = svc?.ports.find((p) => (backend.port?.name ? p.name === backend.port.name : p.port === Number(backend.port?.number)));
        if (!svc || !port) {
          throw new Error(`Ingress ${id}: backend Service ${namespace}/${backend.name} port ${portRef} does not exist${svc ? ` (its ports: ${svc.ports.map((p) => p.name ?? p.port).join(', ')})` : ''}; fix spec.rules[].http.paths[].backend or create the Service`);
        }
        const name = `${namespace}-${ing.metadata.name}-${host || '_'}-${backend.name}-${portRef}`;
        if (!upstreams.has(name)) {
          const servers = [...new Set(port.backends.map((b) => `${b.ip}:${b.port}`))].sort();
          if (servers.length === 0) warnings.push(`Ingress ${id}: no endpoints found for Service ${backend.name}`);
          upstreams.set(name, { name, lbMethod: lbMethod === 'round_robin' ? '' : lbMethod, servers: servers.length > 0 ? servers : ['127.0.0.1:8181'], maxFails, failTimeout, keepalive });
        }
        locations.push(location(path, name, backend.name));
      }
      const secretName = tlsByHost.get(host);
      let tlsSecret: string | undefined;
      let tlsRejectHandshake = false;
      if (secretName) {
        tlsSecret = `${namespace}/${secretName}`;
        const secret = secrets.find((s) => (s.metadata.namespace ?? 'default') === namespace && s.metadata.name === secretName);
        const crt = secret && decode(secret, 'tls.crt');
        const key = secret && decode(secret, 'tls.key');
        if (!crt || !key) {
          tlsRejectHandshake = true;
          warnings.push(`Ingress ${id}: TLS Secret ${tlsSecret} is missing or has no tls.crt/tls.key: TLS handshakes for ${host} are rejected`);
        } else certificates.set(tlsSecret, `${crt.trim()}\n${key.trim()}\n`);
      }
      const hstsMaxAge = int(id, annotations, 'nginx.org/hsts-max-age') ?? 2592000;
      servers.push({
        ingress: id, host, tlsSecret, tlsRejectHandshake,
        serverTokens: bool(id, annotations, 'nginx.org/server-tokens') === false ? 'off' : 'on',
        sslRedirect,
        hsts: hstsOn ? { maxAge: hstsMaxAge, includeSubdomains: bool(id, annotations, 'nginx.org/hsts-include-subdomains') ?? false } : undefined,
        locations,
      });
    }
  }
  return { servers, upstreams: [...upstreams.values()], certificates, notEmulated, warnings };
}
