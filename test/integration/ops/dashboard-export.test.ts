import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { baseEnv, chownToRunner, EXPORT_ROOT, FIXTURES, freePort, installScripts, run, runnerName, RunResult, runOk, startDaemon, stopDaemon, tempDir, waitForPort } from './harness';
import { S3StandIn } from './s3-stand-in';

// dashboard-export.sh, both phases, run for real as the CronJob's containers run them: the export
// phase in the superset stand-in's root as uid 1000, where a stand-in `superset` (first on PATH)
// writes the ZIP Superset writes; the publish phase in the superset-ops root as uid 999, pushing
// to a bare Git repository through a real sshd on 127.0.0.1 (on the host, as the host user, with
// throwaway host and deploy keys and strict host key checking), or uploading to the S3 stand-in.

let dir: string;
let scripts: string;
let content: string;
let remote: string;
let sshd: ChildProcess | undefined;
let sshPort: number;
const keys = { client: '', knownHosts: '', otherHostKnownHosts: '', unauthorizedClient: '' };

const BRANCH = 'superset/test';
const GIT_PATH = 'envs/test';

function file(relative: string, text: string): void {
  const full = path.join(content, relative);
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, text);
  chownToRunner(content);
}

const dashboard = (title: string, charts: string[]) => [
  `dashboard_title: ${title}`, 'description: null', 'css: ""', 'slug: null', 'certified_by: ""', 'published: true',
  `uuid: 6a7e1d2c-1e55-4d0e-9b3a-${randomBytes(6).toString('hex')}`, 'position:',
  ...charts.map((c) => `  CHART-${c}:\n    type: CHART\n    meta:\n      chartId: ${c.length}\n      width: 4\n      height: 50`),
  'metadata:', '  color_scheme: supersetColors', 'version: 1.0.0', '',
].join('\n');

/** The emptyDir both containers mount: world-writable, as the kubelet creates it. */
function exportVolume(): string {
  const exportDir = fs.mkdtempSync(path.join(dir, 'export-'));
  fs.chmodSync(exportDir, 0o777);
  return exportDir;
}

async function exportPhase(env: Record<string, string> = {}): Promise<{ exportDir: string; r: RunResult }> {
  const exportDir = exportVolume();
  const r = await run('/bin/bash', [path.join(scripts, 'dashboard-export.sh'), 'export'], {
    runner: EXPORT_ROOT,
    env: { ...baseEnv(path.join(dir, 'export-home'), [path.join(dir, 'fake-superset')]), EXPORT_DIR: exportDir, EXPORT_USER: 'admin', FAKE_SUPERSET_CONTENT: content, ...env },
  });
  return { exportDir, r };
}

function gitEnv(): Record<string, string> {
  return {
    EXPORT_TARGET: 'git',
    EXPORT_ENVIRONMENT: 'test',
    GIT_REPOSITORY: `ssh://${runnerName()}@127.0.0.1:${sshPort}${remote}`,
    GIT_BRANCH: BRANCH,
    GIT_PATH,
    GIT_AUTHOR_NAME: 'superset-k8s dashboard export',
    GIT_AUTHOR_EMAIL: 'export@example.com',
    GIT_SSH_PRIVATE_KEY: keys.client,
    GIT_SSH_KNOWN_HOSTS: keys.knownHosts,
  };
}

function publish(exportDir: string, env: Record<string, string>): Promise<RunResult> {
  return run('/bin/bash', [path.join(scripts, 'dashboard-export.sh'), 'publish'], {
    env: { ...baseEnv(path.join(dir, 'home')), EXPORT_DIR: exportDir, ...env },
  });
}

/** Export then publish to Git, as the CronJob's two containers do. */
async function exportToGit(env: Record<string, string> = {}): Promise<RunResult> {
  const { exportDir, r } = await exportPhase();
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/wrote .*dashboards\.zip/) });
  return publish(exportDir, { ...gitEnv(), ...env });
}

/** The Git server's side (the host, as the sshd's user). */
const hostEnv = () => ({ PATH: '/usr/bin:/bin', HOME: path.join(dir, 'host-home'), LANG: 'C.UTF-8' });

/** git in the bare repository, on the host as the sshd's user. */
async function git(...args: string[]): Promise<string> {
  return (await runOk('git', ['-C', remote, ...args], { env: hostEnv(), runner: 'host' })).stdout.trim();
}

beforeAll(async () => {
  dir = tempDir('ops-export-it');
  for (const d of ['home', 'export-home', 'host-home', 'ssh', 'content', 'remote.git', 'fake-superset']) fs.mkdirSync(path.join(dir, d));
  chownToRunner(dir);
  chownToRunner(path.join(dir, 'export-home'), EXPORT_ROOT);
  for (const d of ['host-home', 'ssh', 'remote.git']) chownToRunner(path.join(dir, d), 'host');
  // The stand-in superset, where the export container can see it (the roots see only /tmp).
  fs.copyFileSync(path.join(FIXTURES, 'fake-superset', 'superset'), path.join(dir, 'fake-superset', 'superset'));
  fs.chmodSync(path.join(dir, 'fake-superset', 'superset'), 0o755);
  scripts = installScripts(dir);
  content = path.join(dir, 'content');
  remote = path.join(dir, 'remote.git');
  const env = hostEnv();
  await runOk('git', ['init', '--quiet', '--bare', remote], { env, runner: 'host' });

  // Throwaway keys: the server's host key, an authorized deploy key, and two that must be refused.
  const ssh = path.join(dir, 'ssh');
  for (const name of ['host', 'client', 'other-host', 'unauthorized']) {
    await runOk('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `it-${name}`, '-f', path.join(ssh, name)], { env, runner: 'host' });
  }
  fs.copyFileSync(path.join(ssh, 'client.pub'), path.join(ssh, 'authorized_keys'));
  sshPort = await freePort();
  fs.writeFileSync(path.join(ssh, 'sshd_config'), [
    'ListenAddress 127.0.0.1', `Port ${sshPort}`, `HostKey ${path.join(ssh, 'host')}`, `PidFile ${path.join(ssh, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(ssh, 'authorized_keys')}`, 'PasswordAuthentication no', 'KbdInteractiveAuthentication no',
    'UsePAM no', 'StrictModes no', `AllowUsers ${runnerName()}`, '',
  ].join('\n'));
  chownToRunner(ssh, 'host');
  const publicKey = (name: string) => fs.readFileSync(path.join(ssh, `${name}.pub`), 'utf8').split(' ').slice(0, 2).join(' ');
  keys.client = fs.readFileSync(path.join(ssh, 'client'), 'utf8');
  keys.unauthorizedClient = fs.readFileSync(path.join(ssh, 'unauthorized'), 'utf8');
  keys.knownHosts = `[127.0.0.1]:${sshPort} ${publicKey('host')}\n`;
  keys.otherHostKnownHosts = `[127.0.0.1]:${sshPort} ${publicKey('other-host')}\n`;
  sshd = startDaemon('/usr/sbin/sshd', ['-D', '-e', '-f', path.join(ssh, 'sshd_config')], env);
  await waitForPort(sshPort);

  file('dashboards/Sales_Overview_1.yaml', dashboard('Sales Overview', ['10', '11']));
  file('charts/Revenue_by_Region_10.yaml', 'slice_name: Revenue by Region\nviz_type: bar\nparams:\n  metrics: [sum__revenue]\nversion: 1.0.0\n');
  file('charts/Orders_11.yaml', 'slice_name: Orders\nviz_type: table\nparams:\n  row_limit: 1000\nversion: 1.0.0\n');
  file('datasets/warehouse/fact_orders.yaml', 'table_name: fact_orders\nschema: public\ncolumns:\n- column_name: order_id\n  type: INTEGER\nversion: 1.0.0\n');
  file('databases/warehouse.yaml', 'database_name: warehouse\nsqlalchemy_uri: postgresql://analyst:XXXXXXXXXX@warehouse:5432/dwh\nversion: 1.0.0\n');
});

afterAll(async () => {
  await stopDaemon(sshd);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dashboard-export.sh to Git over SSH', () => {
  test('first run: creates the branch and commits a stable tree (no timestamped folder, no export timestamp)', async () => {
    const r = await exportToGit();
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/branch superset\/test does not exist yet: creating it[\s\S]*pushed [0-9a-f]+ to superset\/test:envs\/test/) });
    expect((await git('ls-tree', '-r', '--name-only', BRANCH)).split('\n')).toEqual([
      'envs/test/charts/Orders_11.yaml',
      'envs/test/charts/Revenue_by_Region_10.yaml',
      'envs/test/dashboards/Sales_Overview_1.yaml',
      'envs/test/databases/warehouse.yaml',
      'envs/test/datasets/warehouse/fact_orders.yaml',
      'envs/test/metadata.yaml',
    ]);
    expect(await git('show', `${BRANCH}:envs/test/metadata.yaml`)).toBe('version: 1.0.0\ntype: Dashboard');
    expect(await git('show', `${BRANCH}:envs/test/charts/Orders_11.yaml`)).toBe(fs.readFileSync(path.join(content, 'charts/Orders_11.yaml'), 'utf8').trim());
    expect(await git('log', '-1', '--format=%an <%ae>|%cn|%s', BRANCH)).toBe('superset-k8s dashboard export <export@example.com>|superset-k8s dashboard export|Dashboard export of test: 1 dashboards');
  });

  test('an unchanged Superset (a new export timestamp) makes no commit', async () => {
    const head = await git('rev-parse', BRANCH);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a different timestamp in the ZIP
    const r = await exportToGit();
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/no change since the last export: nothing to commit/) });
    expect(await git('rev-parse', BRANCH)).toBe(head);
  });

  test('a changed dashboard and a deleted chart: one commit with exactly those changes; the rest of the branch untouched', async () => {
    // Someone else's commit on the branch, outside the export's folder, must survive.
    const env = { ...hostEnv(), GIT_AUTHOR_NAME: 'someone', GIT_AUTHOR_EMAIL: 's@example.com', GIT_COMMITTER_NAME: 'someone', GIT_COMMITTER_EMAIL: 's@example.com' };
    await runOk('git', ['clone', '--quiet', '--branch', BRANCH, remote, path.join(dir, 'host-home', 'other-clone')], { env, runner: 'host' });
    const work = path.join(dir, 'host-home', 'other-clone');
    fs.writeFileSync(path.join(work, 'README.md'), '# dashboards\n');
    chownToRunner(work, 'host');
    await runOk('git', ['-C', work, 'add', 'README.md'], { env, runner: 'host' });
    await runOk('git', ['-C', work, 'commit', '--quiet', '-m', 'README'], { env, runner: 'host' });
    await runOk('git', ['-C', work, 'push', '--quiet', 'origin', BRANCH], { env, runner: 'host' });

    file('dashboards/Sales_Overview_1.yaml', dashboard('Sales Overview (EMEA)', ['10']));
    fs.rmSync(path.join(content, 'charts/Orders_11.yaml'));
    const before = await git('rev-parse', BRANCH);
    const r = await exportToGit();
    expect(r.code).toBe(0);
    expect(await git('rev-parse', `${BRANCH}~1`)).toBe(before);
    expect((await git('show', '--name-status', '--format=', BRANCH)).split('\n')).toEqual([
      'D\tenvs/test/charts/Orders_11.yaml',
      'M\tenvs/test/dashboards/Sales_Overview_1.yaml',
    ]);
    expect(await git('show', `${BRANCH}:README.md`)).toBe('# dashboards');
  });

  test('the committed tree re-imports: `git archive` of the folder has the layout superset import-dashboards reads', async () => {
    const zip = path.join(dir, 'host-home', 'reimport.zip');
    await runOk('git', ['-C', remote, 'archive', '--format=zip', '--prefix=export/', '-o', zip, `${BRANCH}:${GIT_PATH}`], { env: hostEnv(), runner: 'host' });
    const listing = (await runOk('unzip', ['-Z1', zip], { env: baseEnv(dir) })).stdout.split('\n').filter((l) => l && !l.endsWith('/')).sort();
    expect(listing).toEqual(['export/charts/Revenue_by_Region_10.yaml', 'export/dashboards/Sales_Overview_1.yaml', 'export/databases/warehouse.yaml', 'export/datasets/warehouse/fact_orders.yaml', 'export/metadata.yaml']);
  });

  test('a host key that is not the one in known_hosts: exit 3, nothing pushed (host keys are never accepted blindly)', async () => {
    file('charts/New_12.yaml', 'slice_name: New\nversion: 1.0.0\n');
    const head = await git('rev-parse', BRANCH);
    const r = await exportToGit({ GIT_SSH_KNOWN_HOSTS: keys.otherHostKnownHosts });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/host key does not match GIT_SSH_KNOWN_HOSTS/) });
    expect(await git('rev-parse', BRANCH)).toBe(head);
  });

  test('known_hosts without a usable line, or a key that is not a key: exit 3 before connecting', async () => {
    for (const [env, message] of [
      [{ GIT_SSH_KNOWN_HOSTS: 'not a known_hosts line' }, /GIT_SSH_KNOWN_HOSTS holds no valid known_hosts line/],
      [{ GIT_SSH_PRIVATE_KEY: 'not a key' }, /GIT_SSH_PRIVATE_KEY is not an unencrypted OpenSSH private key/],
    ] as const) {
      const r = await exportToGit(env);
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(message) });
    }
  });

  test('a deploy key the server does not accept: exit 3, nothing pushed', async () => {
    const head = await git('rev-parse', BRANCH);
    const r = await exportToGit({ GIT_SSH_PRIVATE_KEY: keys.unauthorizedClient });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/the deploy key was refused/) });
    expect(await git('rev-parse', BRANCH)).toBe(head);
  });

  test('the deploy key never reaches the repository or the log', async () => {
    const r = await exportToGit();
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain(keys.client.split('\n')[1]);
    expect(await git('grep', '-c', 'OPENSSH PRIVATE KEY', BRANCH).catch(() => '')).toBe('');
  });

  test('a local repository path works without SSH (local mirrors, tests)', async () => {
    // A copy of the remote that the publish container's user owns (git refuses a repository
    // another user owns: "dubious ownership").
    const local = path.join(dir, 'local-mirror.git');
    fs.cpSync(remote, local, { recursive: true });
    chownToRunner(local);
    const { exportDir } = await exportPhase();
    const r = await publish(exportDir, { ...gitEnv(), GIT_REPOSITORY: local, GIT_SSH_PRIVATE_KEY: '', GIT_SSH_KNOWN_HOSTS: '' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/local repository .* \(no SSH\)[\s\S]*no change since the last export/) });
  });

  test('an https URL is refused: the export pushes over SSH only', async () => {
    const { exportDir } = await exportPhase();
    const r = await publish(exportDir, { ...gitEnv(), GIT_REPOSITORY: 'https://git.example.com/acme/dashboards.git' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/GIT_REPOSITORY must be an SSH URL/) });
  });
});

describe('dashboard-export.sh failure paths', () => {
  test('no user "admin" in Superset: the export phase fails and says why', async () => {
    const { r } = await exportPhase({ FAKE_SUPERSET_NO_ADMIN: '1' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/it exports as the user "admin": that user must exist/) });
  });

  test('an export user other than "admin": exit 3 at once (Superset 6.1 exports as "admin"), before running Superset', async () => {
    const { exportDir, r } = await exportPhase({ EXPORT_USER: 'bi-admin' });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/should run as "bi-admin" \(username of the admin Secret\), but Superset 6\.1's export-dashboards always exports as the user "admin"/) });
    expect(fs.existsSync(path.join(exportDir, 'dashboards.zip'))).toBe(false);
  });

  test('a corrupt ZIP: the publish phase exits 3', async () => {
    const exportDir = exportVolume();
    fs.writeFileSync(path.join(exportDir, 'dashboards.zip'), randomBytes(2048));
    const r = await publish(exportDir, gitEnv());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 3, stderr: expect.stringMatching(/is not a valid ZIP archive/) });
  });

  test('no ZIP at all (the init container did not run): exit 1', async () => {
    const exportDir = exportVolume();
    const r = await publish(exportDir, gitEnv());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/did the export init container run\?/) });
  });
});

describe('dashboard-export.sh to object storage', () => {
  const credentials = { accessKeyId: `AKIT${randomBytes(8).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
  let s3: S3StandIn;
  beforeAll(async () => {
    s3 = new S3StandIn({ ...credentials, region: 'eu-test-1', bucket: 'superset-backups' });
    await s3.start();
  });
  afterAll(async () => s3?.stop());

  const storage = () => ({
    EXPORT_TARGET: 'objectStorage', S3_ENDPOINT: s3.endpoint, S3_REGION: 'eu-test-1', S3_BUCKET: 'superset-backups', S3_PREFIX: 'superset-test',
    AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
  });

  test('uploads the ZIP when the tree changed, nothing when it did not', async () => {
    let { exportDir } = await exportPhase();
    let r = await publish(exportDir, storage());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/uploaded s3:\/\/superset-backups\/superset-test\/dashboards\/dashboards-\d{8}T\d{6}Z\.zip/) });
    const zips = () => s3.keys('superset-test/dashboards/').filter((k) => k.endsWith('.zip'));
    expect(zips()).toHaveLength(1);
    expect(s3.objects.get('superset-test/dashboards/latest.sha256')!.body.toString()).toMatch(/^[0-9a-f]{64}  superset-test\/dashboards\/dashboards-\d{8}T\d{6}Z\.zip\n$/);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    ({ exportDir } = await exportPhase());
    r = await publish(exportDir, storage());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringMatching(/no change since the last export: nothing uploaded/) });
    expect(zips()).toHaveLength(1);

    await new Promise((resolve) => setTimeout(resolve, 1100));
    file('charts/Another_13.yaml', 'slice_name: Another\nversion: 1.0.0\n');
    ({ exportDir } = await exportPhase());
    r = await publish(exportDir, storage());
    expect(r.code).toBe(0);
    expect(zips()).toHaveLength(2);
  });

  test('the bucket refuses the upload: exit 1', async () => {
    s3.fault = (method) => (method === 'PUT' ? 403 : undefined);
    try {
      file('charts/Yet_Another_14.yaml', 'slice_name: Yet another\nversion: 1.0.0\n');
      const { exportDir } = await exportPhase();
      const r = await publish(exportDir, storage());
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/upload of .* failed/) });
    } finally {
      s3.fault = undefined;
    }
  });
});
