import { checkPolicies, KubeObject } from '../../lib/policy';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// How the policy rules treat the database tier's legitimate exceptions, precisely.
const valid = buildObjects({ superset: { image: { repository: 'ghcr.io/acme/superset' } } });

function withChange(kind: string, name: string, change: (o: any) => void): KubeObject[] {
  const copy: any[] = structuredClone(valid);
  const target = copy.find((o) => o.kind === kind && o.metadata.name === name);
  if (!target) throw new Error(`no ${kind} ${name}`);
  change(target);
  return copy;
}

function violationsOf(objects: KubeObject[], rule: string): string {
  return checkPolicies(objects).filter((v) => v.rule === rule).map((v) => `${v.object}: ${v.message}`).join('\n');
}

describe('policy rules and the database tier', () => {
  test('the Patroni StatefulSet, its Services and PgBouncer pass every rule', () => {
    expect(checkPolicies(valid)).toEqual([]);
  });

  test('stable-selectors: a Service may add Patroni\'s role label next to the stable labels', () => {
    expect(violationsOf(valid, 'stable-selectors')).toBe('');
  });

  test('stable-selectors: a workload selector may not use the role label', () => {
    const objects = withChange('StatefulSet', 'postgres', (o) => { o.spec.selector.matchLabels.role = 'primary'; });
    expect(violationsOf(objects, 'stable-selectors')).toMatch(/StatefulSet superset-test\/postgres: selector uses role/);
  });

  test('stable-selectors: a role the pods are never given is caught', () => {
    const objects = withChange('Service', 'postgres', (o) => { o.spec.selector.role = 'master'; });
    expect(violationsOf(objects, 'stable-selectors')).toMatch(/Service superset-test\/postgres: selector role=master is not a role the pods are given \(primary, replica\)/);
  });

  test('stable-selectors: the role label without the stable labels is caught', () => {
    const objects = withChange('Service', 'postgres', (o) => { delete o.spec.selector['app.kubernetes.io/component']; });
    expect(violationsOf(objects, 'stable-selectors')).toMatch(/selector uses the run-time label role without all of/);
  });

  test('service-account-token: an API token is allowed only for a ServiceAccount a RoleBinding grants something', () => {
    expect(violationsOf(valid, 'service-account-token')).toBe('');
    const unbound = valid.filter((o) => o.kind !== 'RoleBinding');
    expect(violationsOf(unbound, 'service-account-token')).toMatch(/StatefulSet superset-test\/postgres: mounts an API token but no RoleBinding grants ServiceAccount "postgres" anything/);
    const pgbouncerWithToken = withChange('Deployment', 'pgbouncer', (o) => { o.spec.template.spec.automountServiceAccountToken = true; });
    expect(violationsOf(pgbouncerWithToken, 'service-account-token')).toMatch(/Deployment superset-test\/pgbouncer: mounts an API token/);
  });

  test('no-secret-literals: password_encryption names a method, but a password literal is still caught', () => {
    expect(violationsOf(valid, 'no-secret-literals')).toBe('');
    const leaked = withChange('ConfigMap', 'pgbouncer', (o) => { o.data['pgbouncer.ini'] += 'password = "hunter22"\n'; });
    expect(violationsOf(leaked, 'no-secret-literals')).toMatch(/ConfigMap superset-test\/pgbouncer: data "pgbouncer.ini" line \d+ looks like a secret literal/);
    const yaml = withChange('ConfigMap', 'postgres-patroni', (o) => { o.data['patroni.yml'] += '    password: "s3cr3tpw"\n'; });
    expect(violationsOf(yaml, 'no-secret-literals')).toMatch(/patroni.yml/);
  });

  test('pdb-coverage and probes hold for the StatefulSet and both PgBouncer containers', () => {
    const noPdb = valid.filter((o) => !(o.kind === 'PodDisruptionBudget' && o.metadata.name === 'postgres'));
    expect(violationsOf(noPdb, 'pdb-coverage')).toMatch(/StatefulSet superset-test\/postgres: can run 3 pods but no PodDisruptionBudget selects them/);
    const noReadiness = withChange('Deployment', 'pgbouncer', (o) => { delete o.spec.template.spec.containers[1].readinessProbe; });
    expect(violationsOf(noReadiness, 'probes')).toMatch(/container "exporter": behind a Service but no readinessProbe/);
  });
});
