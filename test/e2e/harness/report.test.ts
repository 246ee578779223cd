import * as path from 'node:path';
import { loadManifests } from './manifests';
import { inspectPodSpec } from './report';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Unsupported input is never ignored: a pod-spec field the harness does not run either is listed
// as not emulated (it cannot change what a run proves) or is an error that fails the run, naming
// the object and the field.

const DIST = path.join(__dirname, '..', '..', '..', 'dist');

/** Every pod template of an environment's committed manifests, with where it comes from. */
function podSpecs(environment: string): Array<[string, any]> {
  return loadManifests(path.join(DIST, environment)).flatMap((o: any): Array<[string, any]> => {
    const where = `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;
    if (o.kind === 'CronJob') return [[where, o.spec.jobTemplate.spec.template.spec]];
    if (['Deployment', 'StatefulSet', 'Job'].includes(o.kind)) return [[where, o.spec.template.spec]];
    return [];
  });
}

const base = () => ({
  containers: [{ name: 'main', image: 'docker.io/library/debian:13', command: ['sleep', '1'], securityContext: { runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } }, resources: { limits: { memory: '64Mi' } } }],
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  enableServiceLinks: false,
  topologySpreadConstraints: [],
});

describe('inspectPodSpec', () => {
  test.each(['dev', 'prod'])('every pod spec of dist/%s runs: no errors, only fields listed as not emulated', (environment) => {
    const specs = podSpecs(environment);
    expect(specs.length).toBeGreaterThan(8);
    for (const [where, spec] of specs) expect([where, inspectPodSpec(spec, where).errors]).toEqual([where, []]);
  });

  test('fields that cannot change what a run proves are listed, not failed', () => {
    const r = inspectPodSpec(base(), 'Pod ns/p');
    expect(r.errors).toEqual([]);
    expect(r.notEmulated).toEqual(expect.arrayContaining([
      'Pod ns/p: spec.topologySpreadConstraints: topology spread is not enforced (all virtual nodes are one machine)',
      'Pod ns/p: spec.securityContext.seccompProfile: seccomp profiles are not applied',
      'Pod ns/p container main: resources: requests and limits are not enforced (no cgroups per container)',
      'Pod ns/p container main: securityContext.seccompProfile: seccomp profiles are not applied',
    ]));
  });

  const refused: Array<[string, (s: any) => void, string]> = [
    ['an unknown pod field', (s) => { s.hostNetwork = true; }, 'Pod ns/p: spec.hostNetwork is not supported by the harness'],
    ['another DNS policy', (s) => { s.dnsPolicy = 'Default'; }, 'Pod ns/p: spec.dnsPolicy Default is not supported (only ClusterFirst)'],
    ['node affinity', (s) => { s.affinity = { nodeAffinity: {} }; }, "Pod ns/p: spec.affinity.nodeAffinity is not supported by the harness's scheduler"],
    ['an unknown pod security field', (s) => { s.securityContext.sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]; }, 'Pod ns/p: spec.securityContext.sysctls is not supported by the harness'],
    ['an unknown container field', (s) => { s.containers[0].stdinOnce = true; }, 'Pod ns/p container main: field stdinOnce is not supported by the harness'],
    ['added capabilities', (s) => { s.containers[0].securityContext.capabilities = { add: ['NET_ADMIN'] }; }, 'Pod ns/p container main: securityContext.capabilities.add (NET_ADMIN) cannot be granted by the harness'],
    ['a privileged container', (s) => { s.containers[0].securityContext.privileged = true; }, 'Pod ns/p container main: privileged containers are not supported by the harness'],
    ['a postStart hook', (s) => { s.containers[0].lifecycle = { postStart: { exec: { command: ['true'] } } }; }, 'Pod ns/p container main: lifecycle.postStart is not supported by the harness'],
    ['a tcpSocket preStop', (s) => { s.containers[0].lifecycle = { preStop: { tcpSocket: { port: 80 } } }; }, 'Pod ns/p container main: lifecycle.preStop kind tcpSocket is not supported by the harness'],
    ['a native sidecar', (s) => { s.initContainers = [{ ...s.containers[0], name: 'proxy', restartPolicy: 'Always' }]; }, 'Pod ns/p init container proxy: restartable init containers (sidecars) are not supported by the harness'],
    ['a mount propagation', (s) => { s.containers[0].volumeMounts = [{ name: 'data', mountPath: '/data', mountPropagation: 'HostToContainer' }]; }, 'Pod ns/p container main: volumeMount data field mountPropagation is not supported by the harness'],
  ];
  test.each(refused)('an error naming the object and the field: %s', (_what, change, message) => {
    const spec = base();
    change(spec);
    expect(inspectPodSpec(spec, 'Pod ns/p').errors).toEqual([message]);
  });
});
