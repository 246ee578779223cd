import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENVIRONMENTS } from '../../../environments';
import { resolveEnvironment } from '../../../lib/config/load';
import { databaseCertificates } from '../../../lib/postgres/endpoints';
import { overridesFor } from '../../../lib/synthesize';
import type { KubeObject } from './store';

// The certificates of the database tier (postgres.tls), which an operator creates from the
// Secrets contract or cert-manager issues from Certificate objects: the harness does either with
// a CA of its own, made for the run (its key is deleted once the certificates are signed).

/** A certificate the platform needs: the Secret it goes to and the names it must carry. */
export interface CertificateRequest {
  readonly secretName: string;
  readonly dnsNames: readonly string[];
}

/**
 * What to issue: every cert-manager Certificate among `objects` (the harness acts for
 * cert-manager), and, for the Secrets the contract of `environment` says you create by hand
 * (postgres.tls without certManagerIssuer), those Secrets with the names the contract gives.
 */
export function certificateRequests(objects: readonly KubeObject[], environment: string, namespace: string): CertificateRequest[] {
  const out = new Map<string, CertificateRequest>();
  for (const o of objects) {
    if (o.kind === 'Certificate' && String(o.apiVersion).startsWith('cert-manager.io/')) {
      out.set(o.spec.secretName, { secretName: o.spec.secretName, dnsNames: o.spec.dnsNames ?? [o.spec.commonName] });
    }
  }
  if (Object.prototype.hasOwnProperty.call(ENVIRONMENTS, environment)) {
    const config = resolveEnvironment(environment, overridesFor(environment, ENVIRONMENTS)).config;
    if (!config.postgres.tls.certManagerIssuer) {
      for (const c of databaseCertificates(config, namespace)) if (!out.has(c.secretName)) out.set(c.secretName, { secretName: c.secretName, dnsNames: c.dnsNames });
    }
  }
  return [...out.values()];
}

/**
 * kubernetes.io/tls Secrets with tls.crt, tls.key and ca.crt (as cert-manager's CA issuer writes
 * them) for `requests`, signed by one throwaway CA: ECDSA P-256, valid two days, files under `dir`.
 */
export function certificateSecrets(requests: readonly CertificateRequest[], namespace: string, dir: string): KubeObject[] {
  if (requests.length === 0) return [];
  const work = path.join(dir, 'database-certificates');
  fs.mkdirSync(work, { recursive: true, mode: 0o700 });
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const ca = path.join(work, 'ca.crt');
  const caKey = path.join(work, 'ca.key');
  openssl(['req', '-x509', ...ec, '-days', '2', '-subj', '/CN=e2e database CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', caKey, '-out', ca]);
  const read = (f: string) => fs.readFileSync(f).toString('base64');
  const secrets = requests.map((r) => {
    const base = path.join(work, r.secretName);
    fs.writeFileSync(`${base}.ext`, `subjectAltName=${r.dnsNames.map((n) => `DNS:${n}`).join(',')}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
    openssl(['req', ...ec, '-subj', `/CN=${r.dnsNames[0]}`, '-keyout', `${base}.key`, '-out', `${base}.csr`]);
    openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-extfile', `${base}.ext`, '-out', `${base}.crt`]);
    return {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: r.secretName, namespace },
      data: { 'tls.crt': read(`${base}.crt`), 'tls.key': read(`${base}.key`), 'ca.crt': read(ca) },
    } as KubeObject;
  });
  fs.rmSync(caKey);
  return secrets;
}
