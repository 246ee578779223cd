import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { certificateRequests, certificateSecrets } from './database-certificates';
import type { KubeObject } from './store';

describe('database certificates the harness creates (postgres.tls)', () => {
  test('prod (TLS on, no issuer): the two Secrets of the contract, with the names it gives; dev (TLS off): none', () => {
    const prod = certificateRequests([], 'prod', 'superset-prod');
    expect(prod.map((r) => r.secretName)).toEqual(['postgres-tls', 'pgbouncer-tls']);
    expect(prod[0].dnsNames).toEqual(expect.arrayContaining(['postgres', 'postgres.superset-prod.svc.cluster.local', '*.postgres-members.superset-prod.svc']));
    expect(prod[1].dnsNames[0]).toBe('pgbouncer');
    expect(certificateRequests([], 'dev', 'superset-dev')).toEqual([]);
  });

  test('a cert-manager Certificate among the objects is issued as cert-manager would', () => {
    const cert = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'db', namespace: 'ns' }, spec: { secretName: 'db-cert', dnsNames: ['db', 'db.ns.svc'] } } as KubeObject;
    expect(certificateRequests([cert], 'dev', 'ns')).toEqual([{ secretName: 'db-cert', dnsNames: ['db', 'db.ns.svc'] }]);
  });

  test('the Secrets hold tls.crt, tls.key and ca.crt; each certificate verifies against the CA and carries its names; the CA key is gone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'db-certs-'));
    try {
      const secrets = certificateSecrets([{ secretName: 'postgres-tls', dnsNames: ['postgres', '*.postgres-members.ns.svc'] }, { secretName: 'pgbouncer-tls', dnsNames: ['pgbouncer'] }], 'ns', dir);
      expect(secrets.map((s) => [s.type, s.metadata.name, Object.keys(s.data)])).toEqual([
        ['kubernetes.io/tls', 'postgres-tls', ['tls.crt', 'tls.key', 'ca.crt']],
        ['kubernetes.io/tls', 'pgbouncer-tls', ['tls.crt', 'tls.key', 'ca.crt']],
      ]);
      const file = (name: string, b64: string) => { const f = path.join(dir, name); fs.writeFileSync(f, Buffer.from(b64, 'base64')); return f; };
      const ca = file('check-ca.crt', secrets[0].data['ca.crt']);
      const crt = file('check.crt', secrets[0].data['tls.crt']);
      expect(execFileSync('openssl', ['verify', '-CAfile', ca, crt], { encoding: 'utf8' })).toMatch(/: OK/);
      expect(execFileSync('openssl', ['x509', '-in', crt, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' })).toMatch(/DNS:postgres, DNS:\*\.postgres-members\.ns\.svc/);
      expect(secrets[1].data['ca.crt']).toBe(secrets[0].data['ca.crt']);
      expect(fs.existsSync(path.join(dir, 'database-certificates', 'ca.key'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
