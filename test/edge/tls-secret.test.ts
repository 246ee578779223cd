import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import { allSecretRefs, generateSecrets, manualSecretInstructions } from '../../lib/config/platform-secrets';
import { EDGE_DEFAULTS } from '../../lib/edge/defaults';
import { buildObjects, find } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The Ingress terminates TLS with the Secret edge.tls.secretName. Without a cert-manager issuer
// nothing creates it, and F5 NGINX then fails the TLS handshake for the host (and the HTTP ->
// HTTPS redirect sends everyone there): it is part of the Secrets contract, created by hand.

const tlsKeys = (overrides: object) => allSecretRefs(resolveEnvironment('prod', overrides).config).filter((r) => r.secretName === 'superset-tls').map((r) => r.key);

describe('the TLS Secret of the Ingress', () => {
  test('is in the Secrets contract when no cert-manager issuer is set, with the keys of a kubernetes.io/tls Secret', () => {
    expect(tlsKeys({})).toEqual(['tls.crt', 'tls.key']);
    const refs = allSecretRefs(resolveEnvironment('prod', {}).config).filter((r) => r.secretName === 'superset-tls');
    for (const r of refs) expect(r).toMatchObject({ secretType: 'kubernetes.io/tls', configField: 'edge.tls.secretName', envVar: '' });
    const ingress = find(buildObjects({}, 'prod'), 'Ingress', 'superset');
    expect(ingress.spec.tls[0].secretName).toBe('superset-tls');
  });

  test('is not in the contract when cert-manager issues it, or with the Gateway API (TLS ends on the shared Gateway)', () => {
    expect(tlsKeys({ edge: { tls: { certManagerClusterIssuer: 'letsencrypt' } } })).toEqual([]);
    expect(tlsKeys({ edge: { mode: 'gateway' } })).toEqual([]);
  });

  test('follows edge.tls.secretName', () => {
    const refs = allSecretRefs(resolveEnvironment('prod', { edge: { tls: { secretName: 'bi-acme-io-tls' } } }).config);
    expect(refs.filter((r) => r.secretType).map((r) => `${r.secretName}/${r.key}`)).toEqual(['bi-acme-io-tls/tls.crt', 'bi-acme-io-tls/tls.key']);
  });

  test('npm run secrets never generates a key for it, and says how to create it with kubectl create secret tls', () => {
    const config = resolveEnvironment('prod', {}).config;
    const { manifests, manual } = generateSecrets(config, 'superset-prod', (n) => Buffer.alloc(n, 1));
    expect(manifests.map((m: any) => m.metadata.name)).not.toContain('superset-tls');
    expect(manual.filter((r) => r.secretName === 'superset-tls').map((r) => r.key)).toEqual(['tls.crt', 'tls.key']);
    const lines = manualSecretInstructions(manual, 'superset-prod');
    expect(lines.filter((l) => l.includes('superset-tls'))).toEqual([
      'create by hand: kubectl -n superset-prod create secret tls superset-tls --cert=<certificate chain of superset.example.com, PEM> --key=<its private key, PEM> (or set edge.tls.certManagerClusterIssuer and let cert-manager issue it)',
    ]);
    expect(lines).toContain('add by hand: Secret backup-object-storage key access-key-id (writing access key of the "superset-backups" bucket (pg-backup; dashboard-export when its target is objectStorage): list, get, put and delete under the dump and dashboard prefixes only (docs/operations.md, "Bucket policy"))');
    expect(lines).toContain('add by hand: Secret backup-object-storage-read key access-key-id (read-only access key of the "superset-backups" bucket for pg-restore-check: list and get under the dump prefix only, no put, no delete (docs/operations.md, "Bucket policy"))');
  });

  test('with ExternalSecrets, its ExternalSecret creates a kubernetes.io/tls Secret', () => {
    const objects = buildObjects({ secrets: { externalSecrets: { enabled: true } } }, 'prod');
    const es = find(objects, 'ExternalSecret', 'superset-tls');
    expect(es.spec.target.template).toEqual({ type: 'kubernetes.io/tls' });
    expect(es.spec.data.map((d: any) => d.secretKey)).toEqual(['tls.crt', 'tls.key']);
    expect(find(objects, 'ExternalSecret', 'superset-app').spec.target.template).toBeUndefined();
  });
});

describe('the ingress class prerequisite', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

  test('the README says which Helm value of the F5 chart sets our class name, with our default', () => {
    expect(readme).toContain(`--set controller.ingressClass.name=${EDGE_DEFAULTS.ingressClassName}`);
    expect(readme).toMatch(/The F5 Helm chart names its class `nginx` unless told otherwise/);
  });
});
