// What the harness does not emulate. Every pod-spec field is either emulated, listed here as not
// emulated (it does not change what the harness can prove: seccomp, resource requests, spreading),
// or rejected: a field that would change behaviour and that the harness cannot reproduce fails the
// run with a message naming the object and the field.

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Fields that are read and emulated. */
const POD_FIELDS = new Set([
  'containers', 'initContainers', 'volumes', 'securityContext', 'serviceAccountName', 'automountServiceAccountToken',
  'restartPolicy', 'terminationGracePeriodSeconds', 'enableServiceLinks', 'hostname', 'subdomain', 'affinity', 'nodeSelector',
  'nodeName', 'dnsPolicy',
]);
/** Fields that are accepted but not emulated, with what that means. */
const POD_NOT_EMULATED: Record<string, string> = {
  topologySpreadConstraints: 'topology spread is not enforced (all virtual nodes are one machine)',
  tolerations: 'the virtual nodes have no taints',
  priorityClassName: 'no preemption',
  imagePullSecrets: 'images are stand-ins; nothing is pulled',
  schedulerName: 'the harness schedules every pod itself',
  activeDeadlineSeconds: 'pod-level deadline not enforced (Job deadlines are)',
};
const POD_SECURITY_FIELDS = new Set(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'fsGroupChangePolicy', 'supplementalGroups']);
const POD_SECURITY_NOT_EMULATED: Record<string, string> = { seccompProfile: 'seccomp profiles are not applied' };

const CONTAINER_FIELDS = new Set([
  'name', 'image', 'command', 'args', 'env', 'envFrom', 'ports', 'volumeMounts', 'livenessProbe', 'readinessProbe',
  'startupProbe', 'lifecycle', 'securityContext', 'terminationMessagePolicy', 'workingDir', 'restartPolicy',
]);
const CONTAINER_NOT_EMULATED: Record<string, string> = {
  imagePullPolicy: 'images are stand-ins; nothing is pulled',
  resources: 'requests and limits are not enforced (no cgroups per container)',
  terminationMessagePath: 'the termination message is taken from the log',
  stdin: 'no stdin', tty: 'no tty',
};
const CONTAINER_SECURITY_FIELDS = new Set(['runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'capabilities', 'privileged']);
const CONTAINER_SECURITY_NOT_EMULATED: Record<string, string> = { seccompProfile: 'seccomp profiles are not applied' };
const AFFINITY_EMULATED = new Set(['podAntiAffinity']);

/** Fields of one pod spec: what is not emulated (listed) and what cannot be run (errors). */
export interface SpecFindings {
  readonly notEmulated: string[];
  readonly errors: string[];
}

export function inspectPodSpec(spec: any, where: string): SpecFindings {
  const notEmulated: string[] = [];
  const errors: string[] = [];
  for (const key of Object.keys(spec)) {
    if (POD_FIELDS.has(key)) continue;
    if (key in POD_NOT_EMULATED) notEmulated.push(`${where}: spec.${key}: ${POD_NOT_EMULATED[key]}`);
    else errors.push(`${where}: spec.${key} is not supported by the harness`);
  }
  for (const key of Object.keys(spec.securityContext ?? {})) {
    if (POD_SECURITY_FIELDS.has(key)) continue;
    if (key in POD_SECURITY_NOT_EMULATED) notEmulated.push(`${where}: spec.securityContext.${key}: ${POD_SECURITY_NOT_EMULATED[key]}`);
    else errors.push(`${where}: spec.securityContext.${key} is not supported by the harness`);
  }
  if (spec.enableServiceLinks !== false) notEmulated.push(`${where}: spec.enableServiceLinks is not false: the Service environment variables are not injected`);
  if (spec.dnsPolicy && spec.dnsPolicy !== 'ClusterFirst') errors.push(`${where}: spec.dnsPolicy ${spec.dnsPolicy} is not supported (only ClusterFirst)`);
  for (const key of Object.keys(spec.affinity ?? {})) {
    if (!AFFINITY_EMULATED.has(key)) errors.push(`${where}: spec.affinity.${key} is not supported by the harness's scheduler`);
  }
  if (spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution) {
    notEmulated.push(`${where}: preferred pod anti-affinity is best effort (the scheduler spreads pods over the virtual nodes it has)`);
  }
  for (const [kind, list] of [['initContainers', spec.initContainers ?? []], ['containers', spec.containers ?? []]] as const) {
    for (const c of list as any[]) {
      const at = `${where} ${kind === 'initContainers' ? 'init container' : 'container'} ${c.name}`;
      for (const key of Object.keys(c)) {
        if (CONTAINER_FIELDS.has(key)) continue;
        if (key in CONTAINER_NOT_EMULATED) notEmulated.push(`${at}: ${key}: ${CONTAINER_NOT_EMULATED[key]}`);
        else errors.push(`${at}: field ${key} is not supported by the harness`);
      }
      for (const key of Object.keys(c.securityContext ?? {})) {
        if (CONTAINER_SECURITY_FIELDS.has(key)) continue;
        if (key in CONTAINER_SECURITY_NOT_EMULATED) notEmulated.push(`${at}: securityContext.${key}: ${CONTAINER_SECURITY_NOT_EMULATED[key]}`);
        else errors.push(`${at}: securityContext.${key} is not supported by the harness`);
      }
      const caps = c.securityContext?.capabilities;
      if (caps?.add?.length) errors.push(`${at}: securityContext.capabilities.add (${caps.add.join(', ')}) cannot be granted by the harness`);
      if (c.securityContext?.privileged) errors.push(`${at}: privileged containers are not supported by the harness`);
      if (c.lifecycle?.postStart) errors.push(`${at}: lifecycle.postStart is not supported by the harness`);
      if (c.lifecycle?.preStop && !c.lifecycle.preStop.exec && !c.lifecycle.preStop.httpGet && !c.lifecycle.preStop.sleep) {
        errors.push(`${at}: lifecycle.preStop kind ${Object.keys(c.lifecycle.preStop).join(', ')} is not supported by the harness`);
      }
      if (kind === 'initContainers' && c.restartPolicy === 'Always') errors.push(`${at}: restartable init containers (sidecars) are not supported by the harness`);
      for (const m of c.volumeMounts ?? []) {
        for (const key of Object.keys(m)) {
          if (!['name', 'mountPath', 'readOnly', 'subPath'].includes(key)) errors.push(`${at}: volumeMount ${m.name} field ${key} is not supported by the harness`);
        }
      }
    }
  }
  return { notEmulated, errors };
}

/** The run's report: fields not emulated (deduplicated) and figures. */
export class Report {
  private readonly notEmulated = new Set<string>();
  readonly figures: Array<{ readonly what: string; readonly value: string }> = [];

  addNotEmulated(lines: readonly string[]): void {
    for (const l of lines) this.notEmulated.add(l);
  }

  figure(what: string, value: string): void {
    this.figures.push({ what, value });
  }

  /** Not-emulated lines, grouped by field so a long list stays readable. */
  notEmulatedSummary(): string[] {
    const byField = new Map<string, string[]>();
    for (const line of this.notEmulated) {
      const at = line.indexOf(': ');
      const where = line.slice(0, at);
      const what = line.slice(at + 2);
      byField.set(what, [...(byField.get(what) ?? []), where]);
    }
    return [...byField.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([what, wheres]) => `${what} (${wheres.length} place${wheres.length === 1 ? '' : 's'}, e.g. ${wheres[0]})`);
  }
}
