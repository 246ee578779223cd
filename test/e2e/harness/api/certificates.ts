// A throwaway CA and the API server's serving certificate, made with the openssl CLI. The keys are
// read into memory and their files removed at once: nothing is left on disk, and nothing is ever
// committed. ECDSA P-256 keys (instant to generate); the extensions are those strict X.509
// verification asks for (Python 3.13's ssl sets VERIFY_X509_STRICT): CA basicConstraints and
// keyUsage critical, subject and authority key identifiers, serverAuth on the leaf.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  readonly caCertPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertificateRequest {
  /** DNS names and IP addresses the certificate must be valid for. */
  readonly subjectAltNames: readonly string[];
  /** Where openssl works (a fresh directory inside it, removed before this returns). */
  readonly workDir?: string;
  /** Prefix of that directory. */
  readonly dirPrefix?: string;
  readonly validDays?: number;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed while making the API server's certificate: ${(err.stderr || err.message).trim()} (is the openssl CLI installed?)`);
  }
}

function sanList(names: readonly string[]): string {
  return names.map((n) => (isIP(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
}

export async function makeServingCertificate(request: CertificateRequest): Promise<ServingCertificate> {
  if (request.subjectAltNames.length === 0) throw new Error('makeServingCertificate: subjectAltNames is empty; give the names and IPs clients connect to');
  const dir = await mkdtemp(join(request.workDir ?? tmpdir(), request.dirPrefix ?? 'kube-api-certs-'));
  const days = String(request.validDays ?? 7);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    await openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', days, '-subj', '/CN=e2e-harness-kubernetes-ca',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash'], dir);
    await openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver'], dir);
    await writeFile(join(dir, 'server.ext'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectKeyIdentifier=hash',
      'authorityKeyIdentifier=keyid,issuer',
      `subjectAltName=${sanList(request.subjectAltNames)}`,
      '',
    ].join('\n'));
    await openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt',
      '-days', days, '-extfile', 'server.ext'], dir);
    const [caCertPem, certPem, keyPem] = await Promise.all(['ca.crt', 'server.crt', 'server.key'].map((f) => readFile(join(dir, f), 'utf8')));
    return { caCertPem, certPem, keyPem };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
