import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveEnvironment } from '../../../lib/config/load';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { renderSupersetConfig } from '../../../lib/superset/config-py';

// Report mail with the generated SMTP settings, sent the way Superset 6.1 sends it (smtplib,
// send_report_mail.py) to a real SMTP server on 127.0.0.1 (Debian's python3-aiosmtpd) that
// requires STARTTLS and a login: the relay's certificate is checked against a CA bundle given as
// SSL_CERT_FILE (what pods.caBundle sets in the pods), the password comes from the Secret file.

const STUBS = path.join(__dirname, '..', '..', 'fixtures', 'python-stubs');
const PASSWORD = 'smtp-test-password-not-real';
const ENV = {
  DATABASE_USER: 'superset', DATABASE_PASSWORD: 'x', DATABASE_HOST: 'pgbouncer', DATABASE_PORT: '6432', DATABASE_NAME: 'superset',
  SUPERSET_SECRET_KEY: 'not-a-real-key-padded-to-more-than-32-bytes', REDIS_CACHE_PASSWORD: 'x', REDIS_QUEUE_PASSWORD: 'x', SMTP_PASSWORD: PASSWORD,
};

let dir: string;
let server: ChildProcess;
let port: number;
let caFile: string;
const inbox = () => (fs.existsSync(path.join(dir, 'inbox')) ? fs.readFileSync(path.join(dir, 'inbox'), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'superset-smtp-'));
  // A throwaway CA and a certificate for 127.0.0.1 signed by it.
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-ca');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'smtp.key', '-out', 'smtp.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl('x509', '-req', '-in', 'smtp.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'smtp.crt', '-days', '1', '-extfile', 'san.ext');
  caFile = path.join(dir, 'ca.crt');
  // A free port (aiosmtpd's controller checks itself on the port it is given, so not 0).
  const free = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  server = spawn('/usr/bin/python3', [path.join(__dirname, 'smtp_server.py'), path.join(dir, 'smtp.crt'), path.join(dir, 'smtp.key'), 'reports@acme.io', PASSWORD, path.join(dir, 'inbox'), String(free)], { stdio: ['ignore', 'pipe', 'inherit'] });
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    server.on('exit', (code) => reject(new Error(`the SMTP server exited (${code})`)));
  });
}, 60_000);

afterAll(() => {
  server?.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });
});

function send(smtp: object, env: Record<string, string> = {}): string {
  const overrides = { superset: { reports: { smtp: { enabled: true, host: '127.0.0.1', port, user: 'reports@acme.io', mailFrom: 'superset@acme.io', ...smtp } } }, network: { egress: [{ name: 'mail', purpose: 'smtp', cidr: '127.0.0.1/32', ports: [port], from: ['worker-reports'] }] } };
  const file = path.join(dir, 'superset_config.py');
  fs.writeFileSync(file, renderSupersetConfig('prod', resolveEnvironment('prod', overrides as EnvironmentOverrides).config));
  return execFileSync('/usr/bin/python3', ['-B', path.join(__dirname, 'send_report_mail.py'), file, 'analysts@acme.io'], {
    env: { PATH: process.env.PATH, PYTHONPATH: STUBS, ...ENV, SSL_CERT_FILE: caFile, ...env }, encoding: 'utf8',
  }).trim();
}

describe('report mail through a real SMTP relay with the generated settings', () => {
  test('STARTTLS with the relay\'s certificate checked, login with the Secret\'s password (the relay accepts mail only after that login): delivered', () => {
    expect(send({})).toBe('sent');
    const [mail] = inbox();
    expect(mail).toMatchObject({ from: 'superset@acme.io', to: ['analysts@acme.io'], login: 'reports@acme.io', tls: true });
    expect(mail.data).toContain('the weekly report');
  });

  test('a relay whose certificate the trust bundle does not vouch for is refused (verifyCertificate on)', () => {
    const before = inbox().length;
    expect(send({}, { SSL_CERT_FILE: '/nonexistent/ca.crt' })).toMatch(/^SSLCertVerificationError: .*certificate verify failed/);
    expect(inbox()).toHaveLength(before);
  });
});
