import { checkPolicies, KubeObject, POLICY_RULES, PolicyError } from '../../lib/policy';
import { imageTag } from '../../lib/policy/rules/pinned-images';
import { buildObjects, IDP_NETWORK } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const valid = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' } } });

/** A deep copy of the valid platform with one object changed (name '' = the first of its kind). */
function withChange(kind: string, name: string, change: (o: any) => void): KubeObject[] {
  const copy: any[] = structuredClone(valid);
  const target = copy.find((o) => o.kind === kind && (name === '' || o.metadata.name === name));
  if (!target) throw new Error(`no ${kind} ${name}`);
  change(target);
  return copy;
}

const web = (o: any) => o.spec.template.spec;
const webContainer = (o: any) => o.spec.template.spec.containers[0];

function violationsOf(objects: KubeObject[], rule: string): string[] {
  return checkPolicies(objects).filter((v) => v.rule === rule).map((v) => `${v.object}: ${v.message}`);
}

describe('policy rules', () => {
  test('the valid platform passes every rule', () => {
    expect(checkPolicies(valid)).toEqual([]);
  });

  test('every rule has an id, a statement and a fix', () => {
    for (const r of POLICY_RULES) {
      expect(r.id).toMatch(/^[a-z-]+$/);
      expect(r.statement.length).toBeGreaterThan(20);
      expect(r.fix.length).toBeGreaterThan(10);
    }
    expect(new Set(POLICY_RULES.map((r) => r.id)).size).toBe(POLICY_RULES.length);
  });

  // [rule, kind, name, change, expected message]
  const cases: Array<[string, string, string, (o: any) => void, RegExp]> = [
    ['restricted-pod-security', 'Deployment', 'superset-web', (o) => { webContainer(o).securityContext.allowPrivilegeEscalation = true; }, /container "web": allowPrivilegeEscalation is not false/],
    ['restricted-pod-security', 'Deployment', 'superset-web', (o) => { webContainer(o).securityContext.capabilities = { add: ['NET_ADMIN'] }; }, /capabilities.drop does not include ALL[\s\S]*adds capabilities NET_ADMIN/],
    ['restricted-pod-security', 'Deployment', 'superset-beat', (o) => { delete web(o).securityContext.runAsUser; delete webContainer(o).securityContext.runAsUser; }, /container "beat": runAsUser must be a non-zero uid/],
    ['restricted-pod-security', 'Deployment', 'superset-web', (o) => { web(o).initContainers[0].securityContext.seccompProfile = { type: 'Unconfined' }; web(o).securityContext.seccompProfile = undefined; }, /init container "wait-for-migrations": seccompProfile is not RuntimeDefault/],
    ['restricted-pod-security', 'Job', '', (o) => { o.spec.template.spec.hostNetwork = true; }, /pod sets hostNetwork/],
    ['read-only-root-filesystem', 'Deployment', 'superset-worker-reports', (o) => { webContainer(o).securityContext.readOnlyRootFilesystem = false; }, /Deployment superset-test\/superset-worker-reports: container "worker": readOnlyRootFilesystem is not true/],
    ['service-account-token', 'Deployment', 'superset-web', (o) => { delete web(o).automountServiceAccountToken; }, /automountServiceAccountToken is not set explicitly/],
    ['service-account-token', 'Deployment', 'superset-web', (o) => { delete web(o).serviceAccountName; }, /runs under the default ServiceAccount/],
    ['service-account-token', 'Deployment', 'superset-web', (o) => { web(o).volumes.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }); }, /mounts an API token but no RoleBinding grants ServiceAccount "superset"/],
    ['resources-set', 'Deployment', 'superset-web', (o) => { delete web(o).initContainers[0].resources.limits.memory; }, /init container "wait-for-migrations": no memory limit/],
    ['probes', 'Deployment', 'superset-worker-interactive', (o) => { delete webContainer(o).livenessProbe; }, /container "worker": no livenessProbe/],
    ['probes', 'Deployment', 'superset-web', (o) => { delete webContainer(o).readinessProbe; }, /behind a Service but no readinessProbe/],
    ['probes', 'StatefulSet', 'redis-cache', (o) => { delete web(o).containers.find((c: any) => c.name === 'metrics').readinessProbe; }, /StatefulSet superset-test\/redis-cache: container "metrics": behind a Service but no readinessProbe/],
    ['probes', 'Service', 'redis-cache', (o) => { o.spec.ports[0].targetPort = 7000; }, /StatefulSet superset-test\/redis-cache: container "cluster-agent": behind a Service but no readinessProbe/],
    ['probes', 'StatefulSet', 'redis-queue', (o) => { delete web(o).containers.find((c: any) => c.name === 'sentinel').livenessProbe; }, /container "sentinel": no livenessProbe/],
    ['pinned-images', 'Deployment', 'superset-beat', (o) => { webContainer(o).image = 'apache/superset:latest'; }, /image "apache\/superset:latest" is not pinned/],
    ['pinned-images', 'Deployment', 'superset-beat', (o) => { webContainer(o).image = 'registry:5000/superset'; }, /image "registry:5000\/superset" is not pinned/],
    ['pinned-images', 'Deployment', 'superset-beat', (o) => { delete webContainer(o).imagePullPolicy; }, /imagePullPolicy is not set/],
    ['no-secret-literals', 'Deployment', 'superset-web', (o) => { webContainer(o).env.push({ name: 'REDIS_PASSWORD', value: 'hunter2' }); }, /env REDIS_PASSWORD has a literal value/],
    ['no-secret-literals', 'ConfigMap', 'superset-config', (o) => { o.data['superset_config.py'] += '\nSECRET_KEY = "thisisnotsecret"\n'; }, /looks like a secret literal: SECRET_KEY = "thisisnotsecret"/],
    // A *_FILE name passes only with a path as its value.
    ['no-secret-literals', 'Deployment', 'superset-web', (o) => { webContainer(o).env.push({ name: 'API_TOKEN_FILE', value: 'eyJhbGciOi.not-a-path' }); }, /env API_TOKEN_FILE has a literal value/],
    ['no-secret-literals', 'ConfigMap', 'superset-config', (o) => { o.data['superset_config.py'] += '\nBROKER = "redis://:s3cret@redis-queue:6379/0"\n'; }, /looks like a secret literal: BROKER/],
    ['pdb-coverage', 'PodDisruptionBudget', 'superset-web', (o) => { o.spec.selector.matchLabels['app.kubernetes.io/component'] = 'other'; }, /Deployment superset-test\/superset-web: can run 4 pods but no PodDisruptionBudget selects them/],
    ['pdb-coverage', 'PodDisruptionBudget', 'superset-web', (o) => { o.spec.selector.matchLabels['app.kubernetes.io/component'] = 'beat'; }, /superset-beat: runs a single pod but a PodDisruptionBudget selects it/],
    ['recommended-labels', 'Service', 'superset-web', (o) => { delete o.metadata.labels['app.kubernetes.io/version']; }, /Service superset-test\/superset-web: missing labels app.kubernetes.io\/version/],
    ['recommended-labels', 'Deployment', 'superset-beat', (o) => { delete o.spec.template.metadata.labels['app.kubernetes.io/part-of']; }, /pod template missing labels app.kubernetes.io\/part-of/],
    ['stable-selectors', 'Deployment', 'superset-web', (o) => { o.spec.selector.matchLabels['app.kubernetes.io/version'] = '6.1.0'; }, /selector uses app.kubernetes.io\/version/],
  ];
  test.each(cases)('%s catches: %s %s changed', (rule, kind, name, change, expected) => {
    expect(violationsOf(withChange(kind, name, change), rule).join('\n')).toMatch(expected);
  });

  test('service-account-token: a projected token for the API is one (no audience, or the API server\'s); one for a cloud token service is not', () => {
    const project = (audience?: string) => withChange('Deployment', 'superset-web', (o) => {
      web(o).volumes.push({ name: 'token', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600, ...(audience ? { audience } : {}) } }] } });
    });
    expect(violationsOf(project(), 'service-account-token')).toHaveLength(1);
    expect(violationsOf(project('https://kubernetes.default.svc'), 'service-account-token')).toHaveLength(1);
    expect(violationsOf(project('sts.amazonaws.com'), 'service-account-token')).toEqual([]);
  });

  test('no-secret-literals: a variable that names where a secret is (an absolute path) is not a secret', () => {
    const objects = withChange('Deployment', 'superset-web', (o) => { webContainer(o).env.push({ name: 'AWS_WEB_IDENTITY_TOKEN_FILE', value: '/var/run/secrets/token' }); });
    expect(violationsOf(objects, 'no-secret-literals')).toEqual([]);
  });

  test('network-policy-coverage catches a missing default deny and a pod no policy names', () => {
    expect(violationsOf(valid.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny')), 'network-policy-coverage'))
      .toEqual(['Namespace superset-test: no default-deny NetworkPolicy for ingress and egress']);
    expect(violationsOf(valid.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'superset-beat')), 'network-policy-coverage'))
      .toEqual(['Deployment superset-test/superset-beat: its pods are selected by no component NetworkPolicy (all their traffic is denied)']);
  });

  test('readiness is required of the containers a Service sends traffic to, not of sidecars that serve nothing', () => {
    const agent = (objects: KubeObject[]) => (objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'redis-cache') as any).spec.template.spec.containers.find((c: any) => c.name === 'cluster-agent');
    expect(agent(valid).readinessProbe).toBeUndefined();
    expect(violationsOf(valid, 'probes')).toEqual([]);
    // Give the agent a port the headless Service targets: now it serves, and must say when it is ready.
    const served = withChange('Service', 'redis-cache-headless', (o) => { o.spec.ports.push({ name: 'agent', port: 7001, targetPort: 'agent' }); });
    agent(served).ports = [{ name: 'agent', containerPort: 7001 }];
    expect(violationsOf(served, 'probes')).toEqual(['StatefulSet superset-test/redis-cache: container "cluster-agent": behind a Service but no readinessProbe']);
  });

  test('an OAuth environment passes every rule (its token_key names a field, not a secret)', () => {
    const oauth = { type: 'oauth' as const, oauth: { providers: [{ name: 'okta', serverMetadataUrl: 'https://login.acme.io/.well-known/openid-configuration', scope: 'openid', icon: 'fa-key' }] } };
    expect(checkPolicies(buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' }, auth: oauth }, network: IDP_NETWORK }))).toEqual([]);
    expect(violationsOf(withChange('ConfigMap', 'superset-config', (o) => { o.data['superset_config.py'] += '\nX = {"token_key": "s3cr3t-value"}\n'; }), 'no-secret-literals')).toHaveLength(1);
  });

  test('a rendered Secret with values is caught', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'n' }, stringData: { password: 'x' } };
    expect(violationsOf([...valid, secret], 'no-secret-literals')).toEqual(['Secret n/s: a Secret with values is rendered']);
  });

  test('the synth error names the rule, the object and the fix', () => {
    const objects = withChange('Deployment', 'superset-web', (o) => { webContainer(o).securityContext.readOnlyRootFilesystem = false; });
    const error = new PolicyError('prod', checkPolicies(objects));
    expect(error.message).toMatch(/Environment "prod" breaks 1 policy rule\(s\):\n {2}- \[read-only-root-filesystem\] Deployment superset-test\/superset-web: container "web": readOnlyRootFilesystem is not true\n {6}fix: set securityContext.readOnlyRootFilesystem: true/);
  });

  test.each([['nginx:1.27', '1.27'], ['host:5000/a/b:2', '2'], ['host:5000/a/b', undefined], ['a@sha256:ff', undefined], ['a:1@sha256:ff', '1']])('imageTag(%s) = %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });
});
