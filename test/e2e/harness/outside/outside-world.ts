import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { S3Action, S3Key, S3StandIn } from '../../../integration/ops/s3-stand-in';
import { makeServingCertificate } from '../api/certificates';
import type { KubeObject } from '../store';
import type { OutsideWorld } from '../platform';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** One line of the mail relay's mailbox (smtp-server.py). */
export type MailRelayEvent =
  | { event: 'message'; peer: string; tls: boolean; tls_version: string | null; auth_user: string | null; mail_from: string; rcpt_tos: string[]; subject: string; from: string; to: string; content_type: string; bytes: number }
  | { event: 'auth-refused'; peer: string; login: string; mechanism: string };

/** Gives a stand-in of the outside world an address outside the cluster and DNS names for it. */
export type OutsideAddresses = (name: string, hostnames: readonly string[]) => Promise<string>;

export interface OutsideOptions {
  readonly runDir: string;
  readonly log: (line: string) => void;
  readonly addresses: OutsideAddresses;
  /** The platform's manifests: the stand-ins answer the hosts, buckets and repositories they name. */
  readonly objects: readonly KubeObject[];
}

/** Every value of env var `name` in the pod templates of `objects`. */
function envValues(objects: readonly KubeObject[], name: string): string[] {
  const out = new Set<string>();
  const visit = (spec: any) => {
    for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) for (const e of c.env ?? []) if (e.name === name && e.value) out.add(e.value);
  };
  for (const o of objects) {
    if (o.kind === 'CronJob') visit(o.spec.jobTemplate.spec.template.spec);
    else if (o.spec?.template) visit(o.spec.template.spec);
  }
  return [...out];
}

/** The pod templates of the workloads in `objects`, with the kind of their owner. */
function podTemplates(objects: readonly KubeObject[]): Array<{ kind: string; labels: Record<string, string>; spec: any }> {
  const out: Array<{ kind: string; labels: Record<string, string>; spec: any }> = [];
  for (const o of objects) {
    if (o.kind === 'CronJob') out.push({ kind: o.kind, labels: o.spec.jobTemplate.spec.template.metadata?.labels ?? {}, spec: o.spec.jobTemplate.spec.template.spec });
    else if (o.spec?.template) out.push({ kind: o.kind, labels: o.spec.template.metadata?.labels ?? {}, spec: o.spec.template.spec });
  }
  return out;
}

/**
 * The bucket policy of docs/operations.md ("Bucket policy"), per access-key Secret, from what
 * the containers reading it are: the Patroni members list/get/put WAL-G's prefix, walg-retention
 * lists/gets/deletes it, pg-restore-check lists/gets the dumps, pg-backup and dashboard-export
 * may do all four on the dumps and the exports. A Secret several of them read gets the union.
 */
export function bucketPolicies(objects: readonly KubeObject[]): Map<string, S3Key['allow']> {
  const policies = new Map<string, Partial<Record<S3Action, string[]>>>();
  const grant = (secret: string, actions: S3Action[], prefixes: string[]) => {
    const p = policies.get(secret) ?? {};
    for (const a of actions) p[a] = [...new Set([...(p[a] ?? []), ...prefixes])];
    policies.set(secret, p);
  };
  for (const pod of podTemplates(objects)) {
    for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
      const env = (name: string) => (c.env ?? []).find((e: any) => e.name === name);
      const secret = env('AWS_ACCESS_KEY_ID')?.valueFrom?.secretKeyRef?.name;
      if (!secret) continue;
      const walg = env('WALG_S3_PREFIX')?.value;
      const ops = env('S3_PREFIX')?.value;
      if (walg) {
        const prefix = `${new URL(walg).pathname.replace(/^\/+|\/+$/g, '')}/`;
        grant(secret, pod.kind === 'CronJob' ? ['list', 'get', 'delete'] : ['list', 'get', 'put'], [prefix]);
      } else if (ops) {
        if (pod.labels['app.kubernetes.io/component'] === 'pg-restore-check') grant(secret, ['list', 'get'], [`${ops}/pg-dump/`]);
        else grant(secret, ['list', 'get', 'put', 'delete'], [`${ops}/pg-dump/`, `${ops}/dashboards/`]);
      }
    }
  }
  return policies;
}

/**
 * What the platform reaches outside the cluster, stood in for on this machine: S3-compatible
 * object storage (HTTPS, SigV4) at the endpoint the manifests name, a Git server over SSH (a real
 * sshd with a bare repository) at the host of the export repository, and a PostgreSQL "warehouse"
 * for chart queries. Each gets an address outside the cluster, so only ipBlock rules of the
 * NetworkPolicies can let a pod reach it. Their certificate authority is what the images trust.
 */
export class Outside implements OutsideWorld {
  s3?: S3StandIn;
  /** PEM of the authority that signed the outside services' certificates (trusted by the images). */
  caPem = '';
  /** The bare repository the dashboard export pushes to. */
  gitRepository?: string;
  readonly warehouse = { host: 'warehouse.example.com', port: 5432, database: 'dwh', user: 'analyst', password: randomBytes(12).toString('hex'), address: '' };
  /**
   * The mail relay: STARTTLS on the submission port with a certificate for `host` from the
   * authority the images trust, AUTH required (this user and password) before any message.
   */
  readonly mailRelay = { host: 'smtp.example.com', port: 587, user: 'superset-reports@example.com', password: randomBytes(12).toString('hex'), address: '' };
  /** One access key per Secret that holds one, each with its bucket policy (bucketPolicies). */
  private readonly accessKeys = new Map<string, S3Key>();
  private readonly dir: string;
  private sshd?: ChildProcess;
  private postgres?: ChildProcess;
  private smtp?: ChildProcess;
  private gitKeys?: { privateKey: string; knownHosts: string };

  constructor(private readonly o: OutsideOptions) {
    this.dir = path.join(o.runDir, 'outside');
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.dir, { recursive: true });
    await this.startObjectStorage();
    await this.startGitServer();
    await this.startWarehouse();
    await this.startMailRelay();
  }

  private async startObjectStorage(): Promise<void> {
    const endpoints = [...envValues(this.o.objects, 'S3_ENDPOINT'), ...envValues(this.o.objects, 'AWS_ENDPOINT')];
    const hosts = [...new Set(endpoints.map((e) => new URL(e).hostname))];
    const buckets = [...new Set([...envValues(this.o.objects, 'S3_BUCKET'), ...envValues(this.o.objects, 'WALG_S3_PREFIX').map((p) => new URL(p).host)])];
    for (const [secret, allow] of bucketPolicies(this.o.objects)) {
      this.accessKeys.set(secret, { accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(24).toString('base64'), allow });
    }
    if (hosts.length === 0) return;
    if (buckets.length !== 1) throw new Error(`the object storage stand-in serves one bucket; the manifests name ${buckets.join(', ') || 'none'}`);
    const cert = await makeServingCertificate({ subjectAltNames: hosts, workDir: this.dir });
    this.caPem = cert.caCertPem;
    const address = await this.o.addresses('object-storage', hosts);
    const region = envValues(this.o.objects, 'S3_REGION')[0] ?? envValues(this.o.objects, 'AWS_REGION')[0] ?? 'us-east-1';
    this.s3 = new S3StandIn({ keys: [...this.accessKeys.values()], region, bucket: buckets[0], listen: { host: address, port: 443 }, tls: { cert: cert.certPem, key: cert.keyPem } });
    await this.s3.start();
    this.o.log(`outside: object storage ${hosts.join(', ')} (bucket ${buckets[0]}) at ${address}:443`);
  }

  private async startGitServer(): Promise<void> {
    const repos = envValues(this.o.objects, 'GIT_REPOSITORY');
    if (repos.length === 0) return;
    const m = repos[0].match(/^(?:ssh:\/\/)?([^@/]+)@([^:/]+):(.+)$/);
    if (!m) throw new Error(`the Git server stand-in needs a git@host:path repository, not ${repos[0]}`);
    const [, user, host, repoPath] = m;
    const address = await this.o.addresses('git-server', [host]);
    const home = path.join(this.dir, 'git-home');
    const ssh = path.join(this.dir, 'ssh');
    for (const d of [home, ssh]) fs.mkdirSync(d, { recursive: true });
    this.gitRepository = path.join(home, repoPath);
    execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', this.gitRepository]);
    for (const name of ['host', 'client']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `e2e-${name}`, '-f', path.join(ssh, name)]);
    fs.copyFileSync(path.join(ssh, 'client.pub'), path.join(ssh, 'authorized_keys'));
    // The server runs on this machine's root filesystem with a passwd that knows the repository's
    // user (uid 2999, only inside its sandbox): the machine's own accounts are not touched.
    const uid = 2999;
    fs.writeFileSync(path.join(ssh, 'passwd'), `${fs.readFileSync('/etc/passwd', 'utf8')}${user}:x:${uid}:${uid}::${home}:/bin/sh\n`);
    fs.writeFileSync(path.join(ssh, 'group'), `${fs.readFileSync('/etc/group', 'utf8')}${user}:x:${uid}:\n`);
    execFileSync('chown', ['-R', `${uid}:${uid}`, home]);
    fs.writeFileSync(path.join(ssh, 'sshd_config'), [
      `ListenAddress ${address}`, 'Port 22', `HostKey ${path.join(ssh, 'host')}`, `PidFile ${path.join(ssh, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(ssh, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
      'UsePAM no', 'StrictModes no', `AllowUsers ${user}`, '',
    ].join('\n'));
    fs.mkdirSync('/run/sshd', { recursive: true });
    this.sshd = spawn('/usr/bin/bwrap', [
      '--bind', '/', '/', '--dev', '/dev', '--proc', '/proc',
      '--ro-bind', path.join(ssh, 'passwd'), '/etc/passwd', '--ro-bind', path.join(ssh, 'group'), '/etc/group',
      '--die-with-parent', '--', '/usr/sbin/sshd', '-D', '-e', '-f', path.join(ssh, 'sshd_config'),
    ], { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'sshd.log'), 'a')] });
    const hostKey = fs.readFileSync(path.join(ssh, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    this.gitKeys = { privateKey: fs.readFileSync(path.join(ssh, 'client'), 'utf8'), knownHosts: `${host} ${hostKey}\n` };
    this.o.log(`outside: Git server ${user}@${host} at ${address}:22 (repository ${repoPath})`);
  }

  private async startWarehouse(): Promise<void> {
    const bin = fs.readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`).find((d) => fs.existsSync(`${d}/postgres`));
    if (!bin) throw new Error('the warehouse stand-in needs PostgreSQL on this machine (test/e2e/packages.txt)');
    const address = await this.o.addresses('warehouse', [this.warehouse.host]);
    this.warehouse.address = address;
    const data = path.join(this.dir, 'warehouse');
    fs.mkdirSync(data, { recursive: true });
    execFileSync('chown', ['postgres:postgres', data]);
    const pwfile = path.join(this.dir, 'warehouse.pw');
    fs.writeFileSync(pwfile, this.warehouse.password, { mode: 0o600 });
    execFileSync('chown', ['postgres', pwfile]);
    const asPostgres = (cmd: string, args: string[], input?: string) => execFileSync('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', cmd, ...args], { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    asPostgres(`${bin}/initdb`, ['-D', data, '-U', this.warehouse.user, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8']);
    fs.rmSync(pwfile);
    fs.appendFileSync(path.join(data, 'pg_hba.conf'), 'host all all 0.0.0.0/0 scram-sha-256\n');
    this.postgres = spawn('setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', `${bin}/postgres`, '-D', data, '-c', `listen_addresses=${address}`, '-c', 'port=5432', '-c', `unix_socket_directories=${data}`], {
      stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, 'warehouse.log'), 'a')],
    });
    for (let i = 0; i < 100; i++) {
      try {
        execFileSync(`${bin}/pg_isready`, ['-q', '-h', address, '-p', '5432']);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    execFileSync(`${bin}/psql`, ['-q', '-h', address, '-U', this.warehouse.user, '-d', 'postgres', '-c', `CREATE DATABASE ${this.warehouse.database}`], { env: { ...process.env, PGPASSWORD: this.warehouse.password } });
    execFileSync(`${bin}/psql`, ['-q', '-h', address, '-U', this.warehouse.user, '-d', this.warehouse.database, '-c',
      'CREATE TABLE orders (id serial PRIMARY KEY, region text NOT NULL, amount numeric NOT NULL); INSERT INTO orders (region, amount) SELECT (ARRAY[\'north\',\'south\',\'east\'])[1 + i % 3], i FROM generate_series(1, 300) AS i;'],
      { env: { ...process.env, PGPASSWORD: this.warehouse.password } });
    this.o.log(`outside: warehouse postgresql://${this.warehouse.user}@${this.warehouse.host}/${this.warehouse.database} at ${address}:5432`);
  }

  /** A real SMTP server (aiosmtpd: smtp-server.py) that records what it accepts in a mailbox file. */
  private async startMailRelay(): Promise<void> {
    const m = this.mailRelay;
    const script = path.join(__dirname, 'smtp-server.py');
    const address = await this.o.addresses('mail-relay', [m.host]);
    m.address = address;
    const cert = await makeServingCertificate({ subjectAltNames: [m.host], workDir: this.dir });
    // Trusted by the images next to the object storage's authority (each certificate has its own).
    this.caPem = [this.caPem, cert.caCertPem].filter(Boolean).join('\n');
    const dir = path.join(this.dir, 'mail-relay');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const files = { cert: path.join(dir, 'tls.crt'), key: path.join(dir, 'tls.key'), password: path.join(dir, 'password') };
    fs.writeFileSync(files.cert, cert.certPem);
    fs.writeFileSync(files.key, cert.keyPem, { mode: 0o600 });
    fs.writeFileSync(files.password, m.password, { mode: 0o600 });
    fs.writeFileSync(this.mailbox, '');
    // Debian's python3 (python3-aiosmtpd in test/e2e/packages.txt), not whatever python3 is first on PATH.
    const proc = spawn('/usr/bin/python3', [script, address, String(m.port), m.host, files.cert, files.key, m.user, files.password, this.mailbox], {
      stdio: ['ignore', 'pipe', fs.openSync(path.join(this.dir, 'smtp.log'), 'a')],
    });
    this.smtp = proc;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`the mail relay stand-in did not listen on ${address}:${m.port} within 20 s (log: ${path.join(this.dir, 'smtp.log')})`)), 20_000);
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the mail relay stand-in exited ${code} before it listened: ${fs.readFileSync(path.join(this.dir, 'smtp.log'), 'utf8').trim().split('\n').slice(-5).join(' | ')}`));
      });
    });
    this.o.log(`outside: mail relay smtp://${m.host}:${m.port} (STARTTLS, AUTH as ${m.user}) at ${address}:${m.port}`);
  }

  private get mailbox(): string {
    return path.join(this.dir, 'mail-relay', 'mailbox.jsonl');
  }

  /** What the mail relay recorded: accepted messages and refused logins, oldest first (no passwords). */
  mailRelayEvents(): MailRelayEvent[] {
    if (!fs.existsSync(this.mailbox)) return [];
    return fs.readFileSync(this.mailbox, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as MailRelayEvent);
  }

  /**
   * The SQLAlchemy URI of the warehouse (with its password: only ever handed to Superset, never
   * logged), with a connect timeout so a dropped connection fails in seconds, not minutes.
   */
  warehouseUri(): string {
    return `postgresql+psycopg2://${this.warehouse.user}:${this.warehouse.password}@${this.warehouse.host}:${this.warehouse.port}/${this.warehouse.database}?connect_timeout=5`;
  }

  /**
   * The Secrets `npm run secrets` cannot generate ("add by hand"), made as the contract says:
   * object-storage keys from the object store, the deploy key and the server's host key.
   */
  secrets(namespace: string): KubeObject[] {
    const out: KubeObject[] = [];
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    for (const name of this.secretNames('AWS_ACCESS_KEY_ID')) {
      const key = this.accessKeys.get(name);
      if (!key) continue;
      out.push({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace }, data: { 'access-key-id': b64(key.accessKeyId), 'secret-access-key': b64(key.secretAccessKey) } });
    }
    if (this.gitKeys) {
      for (const name of this.secretNames('GIT_SSH_PRIVATE_KEY')) {
        out.push({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, namespace }, data: { 'ssh-privatekey': b64(this.gitKeys.privateKey), known_hosts: b64(this.gitKeys.knownHosts) } });
      }
    }
    return out;
  }

  /** Names of the Secrets the manifests read env var `name` from. */
  private secretNames(name: string): string[] {
    const out = new Set<string>();
    const visit = (spec: any) => {
      for (const c of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])]) {
        for (const e of c.env ?? []) if (e.name === name && e.valueFrom?.secretKeyRef) out.add(e.valueFrom.secretKeyRef.name);
      }
    };
    for (const o of this.o.objects) {
      if (o.kind === 'CronJob') visit(o.spec.jobTemplate.spec.template.spec);
      else if (o.spec?.template) visit(o.spec.template.spec);
    }
    return [...out];
  }

  /** Commits on a branch of the export repository (for the dashboard-export scenario). */
  gitLog(branch: string): string[] {
    if (!this.gitRepository) return [];
    try {
      // safe.directory: the repository belongs to the Git server's user, the harness runs as root.
      return execFileSync('git', ['-c', `safe.directory=${this.gitRepository}`, '-C', this.gitRepository, 'log', '--format=%H %s', branch], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().split('\n').filter(Boolean);
    } catch (e) {
      const stderr = String((e as { stderr?: string }).stderr ?? '');
      if (/unknown revision|does not have any commits|bad revision/.test(stderr)) return []; // no such branch yet
      throw new Error(`git log ${branch} of the Git stand-in failed: ${stderr.trim()}`);
    }
  }

  async stop(): Promise<void> {
    await this.s3?.stop();
    for (const p of [this.sshd, this.postgres, this.smtp]) {
      if (p && p.exitCode === null) {
        const gone = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (p.exitCode === null) p.kill('SIGKILL');
      }
    }
  }
}
