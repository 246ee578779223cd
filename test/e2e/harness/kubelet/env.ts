import type { KubeObject } from '../store';
import { ADDRESSES } from '../contracts';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A container cannot be started from its spec (the kubelet's CreateContainerConfigError). */
export class ContainerConfigError extends Error {}

/** Looks a key up in a Secret or ConfigMap of the pod's namespace; undefined when either is missing. */
export type KeyLookup = (kind: 'Secret' | 'ConfigMap', name: string, key: string) => { found: 'object-missing' | 'key-missing' } | { value: string };

/**
 * Expands `$(VAR)` references as the kubelet does: a reference to a variable defined earlier
 * (or in `base`) is replaced, `$$` is an escaped `$`, and anything else is left as written.
 */
export function expandReferences(text: string, vars: Readonly<Record<string, string>>): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== '$' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '(') {
      const close = text.indexOf(')', i + 2);
      if (close === -1) {
        out += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, close);
      out += Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : text.slice(i, close + 1);
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

/** The value of a `fieldRef` for this pod. */
function fieldValue(pod: KubeObject, fieldPath: string, where: string): string {
  const labelOrAnnotation = fieldPath.match(/^metadata\.(labels|annotations)\['([^']+)'\]$/);
  if (labelOrAnnotation) return (pod.metadata[labelOrAnnotation[1]] as Record<string, string> | undefined)?.[labelOrAnnotation[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace ?? 'default';
    case 'metadata.uid': return pod.metadata.uid ?? '';
    case 'spec.nodeName': return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs': return pod.status?.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs': return ADDRESSES.nodeIp;
    default: throw new ContainerConfigError(`${where}: fieldRef ${fieldPath} is not supported by the harness`);
  }
}

/** The environment the kubelet always adds: the `kubernetes` Service of namespace default. */
export function masterServiceEnv(): Record<string, string> {
  const ip = ADDRESSES.apiServiceIp;
  return {
    KUBERNETES_SERVICE_HOST: ip,
    KUBERNETES_SERVICE_PORT: '443',
    KUBERNETES_SERVICE_PORT_HTTPS: '443',
    KUBERNETES_PORT: `tcp://${ip}:443`,
    KUBERNETES_PORT_443_TCP: `tcp://${ip}:443`,
    KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
    KUBERNETES_PORT_443_TCP_PORT: '443',
    KUBERNETES_PORT_443_TCP_ADDR: ip,
  };
}

/**
 * A container's environment as the kubelet and the runtime build it: the image's ENV, HOSTNAME,
 * the master Service variables, then `envFrom` and `env` in order, each `$(VAR)` expanded against
 * what came before. A missing Secret/ConfigMap or key that is not optional is a
 * ContainerConfigError naming the container, the variable and the reference.
 */
export interface ContainerEnvironment {
  /** What the process gets. */
  readonly env: Record<string, string>;
  /** What `$(VAR)` in command and args may refer to (the kubelet's variables, not the image's). */
  readonly expansion: Record<string, string>;
}

export function containerEnv(
  pod: KubeObject,
  container: any,
  imageEnv: Readonly<Record<string, string>>,
  lookup: KeyLookup,
): ContainerEnvironment {
  const where = `Pod ${pod.metadata.namespace}/${pod.metadata.name} container ${container.name}`;
  // The kubelet's variables (the master Service, then the spec's own): $(VAR) refers to these.
  const declared: Record<string, string> = { ...masterServiceEnv() };

  for (const source of container.envFrom ?? []) {
    const kind = source.secretRef ? 'Secret' : source.configMapRef ? 'ConfigMap' : undefined;
    const ref = source.secretRef ?? source.configMapRef;
    if (!kind) throw new ContainerConfigError(`${where}: envFrom entry without secretRef or configMapRef`);
    const all = lookup(kind, ref.name, '*');
    if ('found' in all) {
      if (ref.optional) continue;
      throw new ContainerConfigError(`${where}: envFrom ${kind} "${ref.name}" not found`);
    }
    for (const [k, v] of Object.entries(JSON.parse(all.value) as Record<string, string>)) {
      declared[`${source.prefix ?? ''}${k}`] = v;
    }
  }

  for (const e of container.env ?? []) {
    let value: string | undefined;
    if (e.valueFrom === undefined) {
      value = expandReferences(e.value ?? '', { ...declared });
    } else if (e.valueFrom.secretKeyRef || e.valueFrom.configMapKeyRef) {
      const kind = e.valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap';
      const ref = e.valueFrom.secretKeyRef ?? e.valueFrom.configMapKeyRef;
      const got = lookup(kind, ref.name, ref.key);
      if ('found' in got) {
        if (ref.optional) continue;
        throw new ContainerConfigError(
          got.found === 'object-missing'
            ? `${where}: env ${e.name} refers to ${kind} "${ref.name}", which does not exist`
            : `${where}: env ${e.name} refers to key "${ref.key}" of ${kind} "${ref.name}", which has no such key`,
        );
      }
      value = got.value;
    } else if (e.valueFrom.fieldRef) {
      value = fieldValue(pod, e.valueFrom.fieldRef.fieldPath, `${where} env ${e.name}`);
    } else if (e.valueFrom.resourceFieldRef) {
      value = resourceFieldValue(pod, container, e.valueFrom.resourceFieldRef, `${where} env ${e.name}`);
    } else {
      throw new ContainerConfigError(`${where}: env ${e.name} has a valueFrom the harness does not support: ${Object.keys(e.valueFrom).join(', ')}`);
    }
    declared[e.name] = value;
  }
  return { env: { ...imageEnv, HOSTNAME: pod.spec.hostname ?? pod.metadata.name, ...declared }, expansion: declared };
}

const BINARY_UNITS: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL_UNITS: Record<string, number> = { k: 1e3, M: 1e6, G: 1e9, T: 1e12 };

/** A Kubernetes quantity in base units (cores for CPU, bytes for memory). */
export function quantity(text: string): number {
  const m = String(text).match(/^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) throw new Error(`cannot parse quantity "${text}"`);
  const n = Number(m[1]);
  const unit = m[2];
  if (!unit) return n;
  if (unit === 'm') return n / 1000;
  return n * (BINARY_UNITS[unit] ?? DECIMAL_UNITS[unit]);
}

function resourceFieldValue(pod: KubeObject, container: any, ref: any, where: string): string {
  const target = ref.containerName ? (pod.spec.containers ?? []).find((c: any) => c.name === ref.containerName) : container;
  const [section, name] = String(ref.resource).split('.');
  const raw = target?.resources?.[section]?.[name];
  if (raw === undefined) throw new ContainerConfigError(`${where}: resourceFieldRef ${ref.resource} is not set on the container`);
  const divisor = quantity(ref.divisor ?? '1');
  return String(Math.ceil(quantity(raw) / divisor));
}

/**
 * The command line of a container, as the runtime builds it from the spec and the image:
 * `command` replaces the ENTRYPOINT (and drops CMD), `args` replaces CMD; `$(VAR)` references
 * are expanded with the container's environment.
 */
export function containerArgv(container: any, entrypoint: readonly string[], cmd: readonly string[], env: Readonly<Record<string, string>>, where: string): string[] {
  const command: string[] = container.command ?? [...entrypoint];
  const args: string[] = container.args ?? (container.command ? [] : [...cmd]);
  const argv = [...command, ...args].map((a) => expandReferences(String(a), env));
  if (argv.length === 0) throw new ContainerConfigError(`${where}: no command (none in the spec and the image has no ENTRYPOINT or CMD)`);
  return argv;
}
