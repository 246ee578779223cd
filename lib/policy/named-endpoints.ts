import type { KubeObject } from './rule';
import { containersOf, PodOf, podsOf } from './pods';

// What a pod's own configuration says it connects to, read from the rendered manifests (env
// values, command and args, the ConfigMap files it mounts) and never from the declared flows, so
// that a flow missing from flows.ts shows up as a named endpoint the NetworkPolicies deny.

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One host:port a container's configuration names. */
export interface NamedEndpoint {
  readonly pod: PodOf;
  /** `container "web"` or `init container "wait-for-migrations"`. */
  readonly container: string;
  readonly host: string;
  readonly port: number;
  /** Where it was found, e.g. `env DATABASE_HOST/DATABASE_PORT` or `ConfigMap superset-config, superset_config.py`. */
  readonly where: string;
}

interface HostPort { readonly host: string; readonly port: number }

const LABEL = '[a-z0-9](?:[a-z0-9-]*[a-z0-9])?';
const DNS_NAME = `${LABEL}(?:\\.${LABEL})*`;
/** `redis-cache:6379`, `@redis-queue:6379/`, `h1:26379,h2:26379`: a name followed by a port (not `${s:4:2}` or `${text:i:1}` in shell). */
const NOT_BEFORE_HOST = '(?<![A-Za-z0-9._:$(){}-])';
const HOST_PORT = new RegExp(`${NOT_BEFORE_HOST}(${DNS_NAME}):(\\d{1,5})(?![0-9A-Za-z.])`, 'g');
/** Python tuples such as `("redis-queue-0.redis-queue-headless", 26379)`. */
const TUPLE = new RegExp(`\\(\\s*["'](${DNS_NAME})["']\\s*,\\s*(\\d{1,5})\\s*\\)`, 'g');
/** `host=postgres` (ini), `"CACHE_REDIS_HOST": "redis-queue"` (Python): the port follows with the same prefix. */
const HOST_KEY = new RegExp(`\\b([A-Za-z_]*?)_?host["']?\\s*[:=]\\s*["']?(${DNS_NAME})["']?(?=[\\s,;})"']|$)`, 'gi');
/** How far after a host key its port key may be (same line, dict or ini entry). */
const PORT_KEY_WINDOW = 200;

const isIp = (host: string) => /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
const hasLetter = (host: string) => /[a-z]/.test(host);

/** Every host:port named in a text, in order of appearance (duplicates kept). */
export function hostPortsIn(text: string): HostPort[] {
  const out: HostPort[] = [];
  for (const m of text.matchAll(HOST_PORT)) out.push({ host: m[1], port: Number(m[2]) });
  for (const m of text.matchAll(TUPLE)) out.push({ host: m[1], port: Number(m[2]) });
  for (const m of text.matchAll(HOST_KEY)) {
    const prefix = m[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const after = text.slice(m.index + m[0].length, m.index + m[0].length + PORT_KEY_WINDOW);
    const port = new RegExp(`\\b${prefix}_?port["']?\\s*[:=]\\s*["']?(\\d{1,5})\\b`, 'i').exec(after);
    if (port) out.push({ host: m[2].toLowerCase(), port: Number(port[1]) });
  }
  return out.filter((e) => hasLetter(e.host) && e.port > 0 && e.port < 65536);
}

/** Env vars as name -> literal value (ConfigMap envFrom included; Secret values are never rendered). */
function envOf(container: any, configMaps: Map<string, Record<string, string>>): Map<string, string> {
  const env = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    for (const [k, v] of Object.entries(configMaps.get(from.configMapRef?.name) ?? {})) env.set(`${from.prefix ?? ''}${k}`, v);
  }
  for (const e of container.env ?? []) if (typeof e.value === 'string') env.set(e.name, e.value);
  return env;
}

function fromEnv(env: Map<string, string>): Array<HostPort & { where: string }> {
  const out: Array<HostPort & { where: string }> = [];
  for (const [name, value] of env) {
    for (const hp of hostPortsIn(value)) out.push({ ...hp, where: `env ${name}` });
    const prefix = /^(.*)HOST$/.exec(name)?.[1];
    const port = prefix !== undefined ? env.get(`${prefix}PORT`) : undefined;
    if (port !== undefined && /^\d{1,5}$/.test(port) && new RegExp(`^${DNS_NAME}$`).test(value) && hasLetter(value)) {
      out.push({ host: value, port: Number(port), where: `env ${name}/${prefix}PORT` });
    }
  }
  return out;
}

/** The files of the ConfigMaps a container mounts, honouring `items` and `subPath`. */
function mountedFiles(pod: PodOf, container: any, configMaps: Map<string, Record<string, string>>): Array<{ where: string; text: string }> {
  const out: Array<{ where: string; text: string }> = [];
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.spec.volumes ?? []).find((v: any) => v.name === mount.name);
    const sources = [volume?.configMap, ...(volume?.projected?.sources ?? []).map((s: any) => s.configMap)].filter(Boolean);
    for (const source of sources) {
      const data = configMaps.get(source.name) ?? {};
      const keys: string[] = source.items ? source.items.map((i: any) => i.key) : Object.keys(data);
      for (const key of keys) {
        const path = source.items?.find((i: any) => i.key === key)?.path ?? key;
        if (mount.subPath !== undefined && mount.subPath !== path) continue;
        if (data[key] !== undefined) out.push({ where: `ConfigMap ${source.name}, ${key}`, text: data[key] });
      }
    }
  }
  return out;
}

/** Every host:port each container of each pod template names, once per pod, container and endpoint. */
export function namedEndpoints(objects: readonly KubeObject[]): NamedEndpoint[] {
  const configMaps = new Map<string, Record<string, string>>();
  for (const o of objects) if (o.kind === 'ConfigMap') configMaps.set(o.metadata.name, (o as any).data ?? {});
  const out: NamedEndpoint[] = [];
  for (const pod of podsOf(objects)) {
    const seen = new Set<string>();
    for (const c of containersOf(pod)) {
      const found = [
        ...fromEnv(envOf(c.container, configMaps)),
        ...hostPortsIn([...(c.container.command ?? []), ...(c.container.args ?? [])].join(' ')).map((hp) => ({ ...hp, where: 'command and args' })),
        ...mountedFiles(pod, c.container, configMaps).flatMap((f) => hostPortsIn(f.text).map((hp) => ({ ...hp, where: f.where }))),
      ];
      for (const f of found) {
        const key = `${c.label} ${f.host}:${f.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ pod, container: c.label, host: f.host, port: f.port, where: f.where });
      }
    }
  }
  return out;
}

/** Where a named endpoint leads inside the cluster. */
export type Resolution =
  | { readonly kind: 'outside' }
  | { readonly kind: 'unresolved'; readonly why: string }
  | { readonly kind: 'pods'; readonly target: string; readonly pods: readonly PodOf[]; readonly port: number };

const matches = (selector: Record<string, string>, labels: Record<string, string>, keys: Set<string>) =>
  Object.entries(selector).every(([k, v]) => !keys.has(k) || labels[k] === v);

function containerPorts(pod: PodOf): Array<{ name?: string; containerPort: number }> {
  return containersOf(pod).flatMap((c) => c.container.ports ?? []);
}

const describe = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

/**
 * Resolves a host the way cluster DNS does for a pod of `namespace`: `svc`, `svc.ns`,
 * `pod.headless`, `pod.headless.ns`, each optionally followed by `.svc` or `.svc.cluster.local`.
 * Names that are none of these (and IP addresses) are outside the cluster. Selector labels no pod
 * template carries are written at run time (Patroni's `role`) and are not matched.
 */
export function resolveEndpoint(objects: readonly KubeObject[], namespace: string, host: string, port: number): Resolution {
  if (host === 'localhost' || isIp(host)) return { kind: 'outside' };
  const inCluster = /\.svc(\.cluster\.local)?$/.test(host) || !host.includes('.');
  const parts = host.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  const namespaces = new Set(objects.map((o) => (o.kind === 'Namespace' ? o.metadata.name : o.metadata.namespace)).filter(Boolean));
  const services = objects.filter((o) => o.kind === 'Service') as any[];
  const service = (name: string, ns: string) => services.find((s) => s.metadata.name === name && s.metadata.namespace === ns);
  const pods = podsOf(objects);
  const runtimeKeys = new Set(pods.flatMap((p) => Object.keys(p.labels)));

  const headlessPod = (podName: string, headless: string, ns: string): Resolution | undefined => {
    const svc = service(headless, ns);
    if (!svc || svc.spec.clusterIP !== 'None') return undefined;
    const m = /^(.+)-(\d+)$/.exec(podName);
    const sts = m && (objects.find((o) => o.kind === 'StatefulSet' && o.metadata.namespace === ns && o.metadata.name === m[1]) as any);
    if (!sts || sts.spec.serviceName !== headless || Number(m![2]) >= (sts.spec.replicas ?? 1)) {
      return { kind: 'unresolved', why: `no pod "${podName}" of a StatefulSet behind the headless Service ${ns}/${headless}` };
    }
    const pod = pods.find((p) => p.owner === sts)!;
    if (!containerPorts(pod).some((p) => p.containerPort === port)) return { kind: 'unresolved', why: `no container of ${describe(sts)} declares port ${port}` };
    return { kind: 'pods', target: `${describe(sts)} (pod ${podName})`, pods: [pod], port };
  };

  const viaService = (name: string, ns: string): Resolution | undefined => {
    const svc = service(name, ns);
    if (!svc) return undefined;
    const selected = pods.filter((p) => p.owner.metadata.namespace === ns && matches(svc.spec.selector ?? {}, p.labels, runtimeKeys));
    if (!svc.spec.selector || selected.length === 0) return { kind: 'unresolved', why: `Service ${ns}/${name} selects no pod of these manifests` };
    const sp = (svc.spec.ports ?? []).find((p: any) => p.port === port);
    if (!sp) return { kind: 'unresolved', why: `Service ${ns}/${name} has no port ${port} (it has ${(svc.spec.ports ?? []).map((p: any) => p.port).join(', ')})` };
    const target = sp.targetPort ?? sp.port;
    for (const pod of selected) {
      const declared = containerPorts(pod).find((p) => (typeof target === 'number' ? p.containerPort === target : p.name === target));
      if (!declared) return { kind: 'unresolved', why: `Service ${ns}/${name} port ${port} targets ${JSON.stringify(target)}, which no container of ${describe(pod.owner)} declares` };
    }
    const resolvedPort = typeof target === 'number' ? target : containerPorts(selected[0]).find((p) => p.name === target)!.containerPort;
    return { kind: 'pods', target: `Service ${ns}/${name} (${selected.map((p) => describe(p.owner)).join(', ')})`, pods: selected, port: resolvedPort };
  };

  let resolved: Resolution | undefined;
  if (parts.length === 1) resolved = viaService(parts[0], namespace);
  else if (parts.length === 2) resolved = headlessPod(parts[0], parts[1], namespace) ?? (namespaces.has(parts[1]) ? viaService(parts[0], parts[1]) : undefined);
  else if (parts.length === 3 && namespaces.has(parts[2])) resolved = headlessPod(parts[0], parts[1], parts[2]);
  if (resolved) return resolved;
  if (inCluster || (parts.length >= 2 && namespaces.has(parts[parts.length - 1]))) {
    return { kind: 'unresolved', why: `"${host}" is a cluster name, but no Service or StatefulSet pod of these manifests has it` };
  }
  return { kind: 'outside' };
}
