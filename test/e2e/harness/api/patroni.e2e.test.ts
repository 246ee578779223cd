// Real Patroni (Debian sid: 4.1.5, PostgreSQL 18) against the harness API server, with the
// patroni.yml of dist/dev unchanged: each member a Pod object in the store and a process tree in
// its own network namespace, in bubblewrap on a read-only Debian root, as uid 101 gid 103, with
// the StatefulSet's env, volumes and ServiceAccount files. Bootstraps one member (leader
// ConfigMap, `role: primary` label written through the API), adds a second that joins as a
// replica, switches over to it through Patroni's REST API, then kills it and sees the first take
// the lock again; then patronictl lists the cluster and removes it from the DCS. Every request of
// the Patroni daemons must pass RBAC; the calls they made and the timings are printed.
//
// Twice: with the Role of dist/dev (the least Role: named ConfigMaps for get/patch, patch on the
// member pods by name, no update/delete/deletecollection; see README.md in this folder), where
// `patronictl remove` is refused (deletecollection), and with that Role plus the temporary
// deletecollection grant the runbook describes, where it removes the cluster from the DCS.
//
// E2E_API_PATRONI_PACKAGE=<dir holding a `patroni` Python package> runs that Patroni instead of
// the root's (bound over /usr/lib/python3/dist-packages/patroni), e.g. the source of a release
// tag, to check the version an image carries.
//
// Needs root and a node network namespace of its own: run with
//   npm run test:e2e -- test/e2e/harness/api
// (scripts/e2e.sh creates the namespace; this test adds a bridge, two pod namespaces and nftables
// rules for the `kubernetes` Service address, and removes them).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadAll } from 'js-yaml';
import { ADDRESSES } from '../contracts';
import { ObjectStore, type KubeObject } from '../store';
import { HarnessApiServer, type ApiRequestRecord } from './api-server';
import { mountPatroniRoot, PatroniRoot } from './patroni-root';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ENV = 'dev';
const NS = `superset-${ENV}`;
const REPO = path.join(__dirname, '..', '..', '..', '..');
const inNodeNamespace = process.getuid?.() === 0 && !!process.env.E2E_NODE_NETNS;
const describeInNode = inNodeNamespace ? describe : describe.skip;
if (!inNodeNamespace) {
  // eslint-disable-next-line no-console
  console.warn('patroni.e2e.test.ts skipped: needs root and its own node network namespace (npm run test:e2e -- test/e2e/harness/api)');
}

const POD_IPS = ['10.244.1.10', '10.244.1.11'];
const API_PORT = 6443;
const PATRONI_PACKAGE = process.env.E2E_API_PATRONI_PACKAGE;
const CLUSTER_CONFIG_MAPS = ['postgres-config', 'postgres-leader', 'postgres-failover', 'postgres-sync'];

/** The runbook's temporary grant for `patronictl remove`, added to the Role of dist/dev. */
const REMOVE_GRANT_RULES = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['deletecollection'] }];

interface Variant {
  readonly title: string;
  /** Rules added to the Role postgres-patroni, when set. */
  readonly rules?: unknown[];
  /** Whether `patronictl remove` (deletecollection) is allowed. */
  readonly removeAllowed: boolean;
}

const VARIANTS: Variant[] = [
  { title: 'the Role of dist/dev (named ConfigMaps and pods; no update, delete, deletecollection)', removeAllowed: false },
  { title: 'the Role of dist/dev plus the temporary grant for patronictl remove', rules: REMOVE_GRANT_RULES, removeAllowed: true },
];

function sh(command: string, args: string[], input?: string): string {
  const r = spawnSync(command, args, { input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

function distObjects(): KubeObject[] {
  const dir = path.join(REPO, 'dist', ENV);
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort()
    .flatMap((f) => (loadAll(fs.readFileSync(path.join(dir, f), 'utf8')) as KubeObject[]).filter(Boolean));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(200);
  }
}

interface Member {
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
  readonly dir: string;
  readonly log: string;
  process?: ChildProcess;
  exited?: boolean;
}

describeInNode.each(VARIANTS)('Patroni 4.1 from dist/dev against the harness API server, with $title', (variant: Variant) => {
  const RUN = `hA-${randomBytes(3).toString('hex')}`;
  const WORK = path.join('/var/tmp', RUN);
  const BRIDGE = `${RUN.replace(/-/g, '')}br`;
  const objects = distObjects();
  const statefulSet = objects.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'postgres')!;
  const patroniConfig = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'postgres-patroni')!;
  const template = statefulSet.spec.template;
  const container = template.spec.containers.find((c: any) => c.name === 'patroni');
  const secrets: Record<string, Record<string, string>> = {
    'postgres-credentials': { 'superuser-password': '', 'replication-password': '', 'rewind-password': '', 'restapi-password': '' },
    'superset-database': { password: '' },
    'postgres-backup': { password: '' },
  };
  for (const s of Object.values(secrets)) for (const k of Object.keys(s)) s[k] = randomBytes(18).toString('base64url');
  const store = new ObjectStore();
  const logLines: string[] = [];
  const server = new HarnessApiServer({ store, host: ADDRESSES.nodeIp, port: API_PORT, log: (l) => logLines.push(l) });
  const members: Member[] = POD_IPS.map((ip, i) => ({
    name: `postgres-${i}`, ip, netns: `${RUN}-pg${i}`, dir: path.join(WORK, `postgres-${i}`), log: path.join(WORK, `postgres-${i}.log`),
  }));
  const timings: Array<[string, number]> = [];
  let root: string;
  let mounted: PatroniRoot | undefined;
  let networkUp = false;
  /** Requests before patronictl ran: those of the Patroni daemons. */
  let daemonRequests = Number.MAX_SAFE_INTEGER;

  const leaderAnnotation = () => store.get('ConfigMap', NS, 'postgres-leader')?.metadata.annotations?.leader;
  const roleOf = (m: Member) => store.get('Pod', NS, m.name)?.metadata.labels?.role;

  async function patroniApi(m: Member, route: string, init?: RequestInit): Promise<Response | undefined> {
    try {
      return await fetch(`http://${m.ip}:8008${route}`, { ...init, signal: AbortSignal.timeout(3000) });
    } catch {
      return undefined;
    }
  }

  function logTail(m: Member): string {
    try {
      return fs.readFileSync(m.log, 'utf8').split('\n').slice(-40).join('\n');
    } catch {
      return '(no log)';
    }
  }

  function setUpNetwork(): void {
    sh('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
    networkUp = true;
    sh('ip', ['addr', 'add', `${ADDRESSES.nodeIp}/16`, 'dev', BRIDGE]);
    sh('ip', ['link', 'set', BRIDGE, 'up']);
    for (const [i, m] of members.entries()) {
      const hostSide = `${RUN.replace(/-/g, '')}v${i}`;
      sh('ip', ['netns', 'add', m.netns]);
      sh('ip', ['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.netns]);
      sh('ip', ['link', 'set', hostSide, 'master', BRIDGE, 'up']);
      const inPod = (...args: string[]) => sh('ip', ['netns', 'exec', m.netns, ...args]);
      inPod('ip', 'link', 'set', 'lo', 'up');
      inPod('ip', 'addr', 'add', `${m.ip}/16`, 'dev', 'eth0');
      inPod('ip', 'link', 'set', 'eth0', 'up');
      inPod('ip', 'route', 'add', 'default', 'via', ADDRESSES.nodeIp);
      // The `kubernetes` Service as a pod sees it: 10.96.0.1:443 -> the API server on the node.
      sh('ip', ['netns', 'exec', m.netns, 'nft', '-f', '-'],
        `table ip ${RUN.replace(/-/g, '_')}_svc {\n chain output {\n  type nat hook output priority -100;\n  ip daddr ${ADDRESSES.apiServiceIp} tcp dport 443 dnat to ${ADDRESSES.nodeIp}:${API_PORT}\n }\n}\n`);
    }
  }

  function tearDownNetwork(): void {
    for (const m of members) spawnSync('ip', ['netns', 'del', m.netns]);
    if (networkUp) spawnSync('ip', ['link', 'del', BRIDGE]);
  }

  /** The Pod object the StatefulSet controller would create, with what the kubelet fills in. */
  function podObject(m: Member): KubeObject {
    return {
      apiVersion: 'v1', kind: 'Pod',
      metadata: {
        name: m.name, namespace: NS,
        labels: { ...template.metadata.labels, 'statefulset.kubernetes.io/pod-name': m.name, 'apps.kubernetes.io/pod-index': m.name.split('-').pop()! },
        annotations: { ...template.metadata.annotations },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'postgres', uid: store.get('StatefulSet', NS, 'postgres')!.metadata.uid!, controller: true }],
      },
      spec: { ...structuredClone(template.spec), hostname: m.name, subdomain: statefulSet.spec.serviceName, nodeName: 'e2e-node' },
      status: { phase: 'Running', podIP: m.ip, podIPs: [{ ip: m.ip }], hostIP: ADDRESSES.nodeIp },
    };
  }

  /** The container's env as the kubelet resolves it: values with $(VAR), fieldRefs, secretKeyRefs; plus the kubernetes Service variables. */
  function containerEnv(m: Member): Record<string, string> {
    const env: Record<string, string> = {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOME: '/home/postgres', HOSTNAME: m.name,
      KUBERNETES_SERVICE_HOST: ADDRESSES.apiServiceIp, KUBERNETES_SERVICE_PORT: '443', KUBERNETES_SERVICE_PORT_HTTPS: '443',
    };
    const fields: Record<string, string> = { 'metadata.name': m.name, 'metadata.namespace': NS, 'status.podIP': m.ip };
    for (const e of container.env as any[]) {
      if (e.value !== undefined) env[e.name] = String(e.value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (all, v) => env[v] ?? all);
      else if (e.valueFrom?.fieldRef) env[e.name] = fields[e.valueFrom.fieldRef.fieldPath] ?? (() => { throw new Error(`env ${e.name}: fieldRef ${e.valueFrom.fieldRef.fieldPath} is not resolved by this test`); })();
      else if (e.valueFrom?.secretKeyRef) {
        const { name, key } = e.valueFrom.secretKeyRef;
        const value = secrets[name]?.[key];
        if (value === undefined) throw new Error(`env ${e.name}: Secret ${NS}/${name} key ${key} has no throwaway value in this test`);
        env[e.name] = value;
      } else throw new Error(`env ${e.name}: unsupported source ${JSON.stringify(e.valueFrom)}`);
    }
    return env;
  }

  /** Directories for the pod's volumes, as the kubelet makes them, keyed by mountPath. */
  function volumeDirs(m: Member): Array<{ mountPath: string; dir: string; readOnly: boolean }> {
    const out: Array<{ mountPath: string; dir: string; readOnly: boolean }> = [];
    for (const mount of container.volumeMounts as any[]) {
      const volume = template.spec.volumes.find((v: any) => v.name === mount.name);
      const claim = statefulSet.spec.volumeClaimTemplates.find((c: any) => c.metadata.name === mount.name);
      // The projected ServiceAccount token (the API's token, CA and namespace): serviceAccountDir().
      if ((volume?.projected?.sources ?? []).some((s: any) => s.serviceAccountToken)) continue;
      const dir = path.join(m.dir, 'volumes', mount.name);
      out.push({ mountPath: mount.mountPath, dir, readOnly: mount.readOnly === true });
      if (fs.existsSync(dir)) continue; // made when the pod started; a second process in the pod shares them
      fs.mkdirSync(dir, { recursive: true });
      if (claim) {
        // A fresh PVC directory, with fsGroup applied.
        fs.chownSync(dir, 0, template.spec.securityContext.fsGroup);
        fs.chmodSync(dir, 0o2775);
      } else if (volume?.emptyDir) {
        fs.chmodSync(dir, 0o777);
      } else if (volume?.configMap) {
        const cm = volume.configMap.name === patroniConfig.metadata.name ? patroniConfig : undefined;
        if (!cm) throw new Error(`volume ${mount.name}: ConfigMap ${volume.configMap.name} is not known to this test`);
        for (const item of volume.configMap.items) {
          const file = path.join(dir, item.path);
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, cm.data[item.key]);
          fs.chmodSync(file, item.mode ?? volume.configMap.defaultMode ?? 0o644);
        }
      } else {
        throw new Error(`volume ${mount.name}: kind ${JSON.stringify(volume)} is not handled by this test`);
      }
    }
    return out;
  }

  function serviceAccountDir(m: Member): string {
    const dir = path.join(m.dir, 'serviceaccount');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'token'), server.tokenFor(NS, template.spec.serviceAccountName), { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'ca.crt'), server.caCertPem, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'namespace'), NS, { mode: 0o644 });
    return dir;
  }

  /** /var/run is a link to /run in the root: bind onto the link's target, which bwrap can resolve. */
  const inRoot = (p: string) => p.replace(/^\/var\/run\//, '/run/');

  /** `ip netns exec <pod> bwrap ... setpriv ... <command>` with the container's volumes, user and root. */
  function containerArgs(m: Member, command: readonly string[]): string[] {
    const binds: string[] = [];
    for (const v of volumeDirs(m)) {
      if (v.mountPath === '/dev/shm') continue; // a Memory emptyDir: a tmpfs below
      binds.push(v.readOnly ? '--ro-bind' : '--bind', v.dir, inRoot(v.mountPath));
    }
    binds.push('--ro-bind', serviceAccountDir(m), '/run/secrets/kubernetes.io/serviceaccount');
    if (PATRONI_PACKAGE) binds.push('--ro-bind', PATRONI_PACKAGE, '/usr/lib/python3/dist-packages/patroni');
    const sc = { ...template.spec.securityContext, ...container.securityContext };
    const args = [
      'netns', 'exec', m.netns,
      'bwrap', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', m.name, '--die-with-parent',
      '--ro-bind', root, '/', '--proc', '/proc', '--dev', '/dev', '--perms', '0777', '--tmpfs', '/dev/shm', ...binds, '--chdir', '/',
      '--', 'setpriv', `--reuid=${sc.runAsUser}`, `--regid=${sc.runAsGroup}`, `--groups=${template.spec.securityContext.fsGroup}`,
      '--bounding-set=-all', '--inh-caps=-all', '--no-new-privs', ...command,
    ];
    return args;
  }

  function start(m: Member): void {
    fs.mkdirSync(m.dir, { recursive: true });
    store.create(podObject(m));
    const args = containerArgs(m, container.command);
    const out = fs.openSync(m.log, 'a');
    m.exited = false;
    m.process = spawn('ip', args, { env: containerEnv(m), stdio: ['ignore', out, out], detached: true });
    m.process.on('exit', () => { m.exited = true; });
    fs.closeSync(out);
  }

  function kill(m: Member): void {
    if (m.process?.pid && !m.exited) {
      try {
        process.kill(-m.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }

  async function killAndWait(m: Member): Promise<void> {
    kill(m);
    await waitFor(`${m.name} to exit`, 10_000, () => m.exited);
  }

  beforeAll(async () => {
    fs.mkdirSync(WORK, { recursive: true, mode: 0o755 });
    mounted = mountPatroniRoot(path.join(WORK, 'image'));
    root = mounted.root;
    for (const o of objects) store.create(o);
    if (variant.rules) store.update('Role', NS, 'postgres-patroni', (r) => { r.rules = [...r.rules, ...variant.rules!]; });
    setUpNetwork();
    await server.start();
  }, 900_000);

  afterAll(async () => {
    for (const m of members) kill(m);
    await Promise.all(members.map((m) => (m.process ? waitFor(`${m.name} to exit`, 10_000, () => m.exited).catch(() => undefined) : undefined)));
    await server.stop();
    tearDownNetwork();
    mounted?.release();
    fs.rmSync(WORK, { recursive: true, force: true });
    // eslint-disable-next-line no-console
    console.log([
      `Patroni e2e against the harness API server with ${variant.title} (${mounted ? mounted.versions : 'no root'}` +
        `${PATRONI_PACKAGE ? `; Patroni from ${PATRONI_PACKAGE}` : ''})`,
      ...timings.map(([what, ms]) => `  ${what}: ${(ms / 1000).toFixed(1)} s`),
      '', 'Requests of the Patroni daemons (method path query -> verb: status count):', ...callTable(server.requests.slice(0, daemonRequests)),
      '', 'Requests of patronictl list and remove:', ...callTable(server.requests.slice(daemonRequests)),
    ].join('\n'));
  }, 60_000);

  it('bootstraps a one-member cluster: leader and config ConfigMaps and the role label written through the API', async () => {
    const [m0] = members;
    const t0 = Date.now();
    start(m0);
    try {
      await waitFor('postgres-0 to hold the leader lock and be labelled role=primary', 120_000, () => {
        if (m0.exited) throw new Error(`postgres-0 exited:\n${logTail(m0)}`);
        return leaderAnnotation() === 'postgres-0' && roleOf(m0) === 'primary';
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- postgres-0 log ---\n${logTail(m0)}\n--- API log ---\n${logLines.slice(-20).join('\n')}`);
    }
    timings.push(['bootstrap (start of postgres-0 to leader lock and role=primary)', Date.now() - t0]);
    const config = store.get('ConfigMap', NS, 'postgres-config')!;
    expect(config.metadata.annotations!.initialize).toMatch(/^\d+$/);
    expect(JSON.parse(config.metadata.annotations!.config)).toMatchObject({ ttl: 20, loop_wait: 5, retry_timeout: 5, failsafe_mode: true });
    expect(config.metadata.labels).toMatchObject({ 'app.kubernetes.io/name': 'postgres', 'cluster-name': 'postgres' });
    const pod = store.get('Pod', NS, 'postgres-0')!;
    expect(JSON.parse(pod.metadata.annotations!.status)).toMatchObject({ role: 'primary', state: 'running' });
    expect((await patroniApi(m0, '/primary'))?.status).toBe(200);
    const leader = store.get('ConfigMap', NS, 'postgres-leader')!;
    expect(leader.metadata.annotations).toMatchObject({ leader: 'postgres-0', ttl: '20' });
  });

  it('runs post_bootstrap: the Superset role and database exist on the primary', () => {
    const m0 = members[0];
    const runDir = path.join(m0.dir, 'volumes', 'run-postgresql');
    const out = sh('ip', ['netns', 'exec', m0.netns, 'bwrap', '--ro-bind', root, '/', '--proc', '/proc', '--dev', '/dev', '--bind', runDir, '/run/postgresql',
      '--', 'setpriv', '--reuid=101', '--regid=103', '--clear-groups', 'psql', '-h', '/var/run/postgresql', '-U', 'postgres', '-At',
      '-c', "select datname || ':' || pg_get_userbyid(datdba) from pg_database where datname = 'superset'"]);
    expect(out.trim()).toBe('superset:superset');
  });

  it('adds a second member that joins as a replica (basebackup from the primary), labelled role=replica', async () => {
    const [m0, m1] = members;
    const t0 = Date.now();
    start(m1);
    try {
      await waitFor('postgres-1 to stream from postgres-0 and be labelled role=replica', 120_000, async () => {
        if (m1.exited) throw new Error('postgres-1 exited');
        if (roleOf(m1) !== 'replica') return false;
        const cluster = await (await patroniApi(m0, '/cluster'))?.json().catch(() => undefined);
        return (cluster as any)?.members?.some((x: any) => x.name === 'postgres-1' && x.state === 'streaming');
      });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- postgres-1 log ---\n${logTail(m1)}`);
    }
    timings.push(['replica join (start of postgres-1 to streaming and role=replica)', Date.now() - t0]);
    expect(roleOf(m0)).toBe('primary');
    expect(leaderAnnotation()).toBe('postgres-0');
    expect((await patroniApi(m1, '/replica'))?.status).toBe(200);
  });

  it('switches over to the replica through Patroni\'s REST API: the lock and the role labels move', async () => {
    const [m0, m1] = members;
    const auth = Buffer.from(`patroni:${secrets['postgres-credentials']['restapi-password']}`).toString('base64');
    const t0 = Date.now();
    const r = await patroniApi(m0, '/switchover', {
      method: 'POST', headers: { Authorization: `Basic ${auth}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ leader: 'postgres-0', candidate: 'postgres-1' }),
    });
    expect(r?.status).toBe(200);
    await waitFor('postgres-1 to hold the lock and be labelled role=primary', 60_000, () => leaderAnnotation() === 'postgres-1' && roleOf(m1) === 'primary');
    timings.push(['switchover (POST /switchover to new leader lock and role=primary)', Date.now() - t0]);
    await waitFor('postgres-0 to rejoin as role=replica', 90_000, () => roleOf(m0) === 'replica');
    timings.push(['switchover until the old primary is a replica again', Date.now() - t0]);
    expect(store.get('ConfigMap', NS, 'postgres-failover')).toBeDefined();
  });

  it('fails over when the leader is killed: the replica takes the lock after the TTL', async () => {
    const [m0, m1] = members;
    await waitFor('postgres-0 to stream from postgres-1', 60_000, async () => (await patroniApi(m0, '/replica'))?.status === 200);
    const t0 = Date.now();
    await killAndWait(m1);
    await waitFor('postgres-0 to take the lock and be labelled role=primary', 90_000, () => leaderAnnotation() === 'postgres-0' && roleOf(m0) === 'primary');
    timings.push(['failover (SIGKILL of the leader to new leader lock and role=primary)', Date.now() - t0]);
    expect((await patroniApi(m0, '/primary'))?.status).toBe(200);
    const leader = store.get('ConfigMap', NS, 'postgres-leader')!;
    expect(Number(leader.metadata.annotations!.transitions)).toBeGreaterThanOrEqual(2);
  });

  it('made every request as the postgres ServiceAccount, allowed by the Role, with nothing unimplemented', () => {
    const requests = server.requests;
    expect(requests.length).toBeGreaterThan(20);
    expect(new Set(requests.map((r) => r.user))).toEqual(new Set([`system:serviceaccount:${NS}:postgres`]));
    expect(new Set(requests.map((r) => r.userAgent.split(' ')[0]))).toEqual(new Set([`Patroni/${PATRONI_PACKAGE ? patroniVersion(PATRONI_PACKAGE) : '4.1.5'}`]));
    const failures = requests.filter((r) => r.status >= 400 && r.status !== 409 && !(r.status === 404 && r.verb === 'get'));
    expect(failures).toEqual([]);
    expect(requests.filter((r) => ['update', 'delete', 'deletecollection', 'get'].includes(r.verb) && r.resource === 'pods')).toEqual([]);
    expect(requests.filter((r) => ['update', 'delete', 'deletecollection'].includes(r.verb))).toEqual([]);
    const named = new Set(requests.filter((r) => r.resource === 'configmaps' && r.name).map((r) => r.name));
    const created = new Set(store.list('ConfigMap', NS).filter((o) => o.metadata.labels?.['cluster-name'] === 'postgres').map((o) => o.metadata.name));
    // eslint-disable-next-line no-console
    console.log(`ConfigMaps Patroni named in requests: ${[...named].sort().join(', ')}; created: ${[...created].sort().join(', ')}`);
    for (const name of [...named, ...created]) expect(CLUSTER_CONFIG_MAPS).toContain(name);
    expect(logLines.filter((l) => /^kube-api: (5\d\d|401|403) /.test(l))).toEqual([]);
  });

  it('lets patronictl list the cluster through the API, and remove it (deletecollection) only where the Role allows that', async () => {
    const [m0] = members;
    // The daemons stop first, so that every request from here on is patronictl's.
    await killAndWait(m0);
    daemonRequests = server.requests.length;
    // Asynchronous: patronictl talks to the API server, which runs in this process.
    const ctl = (args: string[], input?: string) => capture('ip', containerArgs(m0, ['patronictl', '-c', '/etc/patroni/patroni.yml', ...args]), containerEnv(m0), input);
    const list = await ctl(['list', '--format', 'json']);
    if (list.status !== 0) throw new Error(`patronictl list failed (${list.status ?? list.signal}):\n${list.stdout}\n${list.stderr}`);
    const listed = JSON.parse(list.stdout);
    expect(listed.find((x: any) => x.Member === 'postgres-0')).toMatchObject({ Role: 'Leader' });
    expect(listed.map((x: any) => x.Member).sort()).toEqual(['postgres-0', 'postgres-1']);
    const remove = await ctl(['remove', 'postgres'], 'postgres\nYes I am aware\npostgres-0\n');
    const collection = server.requests.slice(daemonRequests).filter((r) => r.verb === 'deletecollection');
    // Allowed: one request. Refused: patronictl reads patroni.yml's retriable_http_codes [403]
    // (a transient 403 must not demote a primary) and tries again until its retry budget ends.
    if (variant.removeAllowed) expect(collection).toHaveLength(1);
    else expect(collection.length).toBeGreaterThanOrEqual(1);
    for (const r of collection) expect(r).toMatchObject({ method: 'DELETE', resource: 'configmaps', status: variant.removeAllowed ? 200 : 403 });
    const left = store.list('ConfigMap', NS).filter((o) => o.metadata.labels?.['cluster-name'] === 'postgres').map((o) => o.metadata.name);
    if (variant.removeAllowed) expect(left).toEqual([]);
    else expect(left.length).toBeGreaterThan(0);
    expect(remove.stdout + remove.stderr).not.toContain(secrets['postgres-credentials']['restapi-password']);
  });
});

/** Runs a command to its end without blocking this process (the API server answers meanwhile). */
function capture(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
    child.stdin.end(input ?? '');
  });
}

function patroniVersion(packageDir: string): string {
  const m = /__version__ = '([^']+)'/.exec(fs.readFileSync(path.join(packageDir, 'version.py'), 'utf8'));
  if (!m) throw new Error(`E2E_API_PATRONI_PACKAGE=${packageDir}: no __version__ in version.py (is it a patroni package directory?)`);
  return m[1];
}

/** Requests grouped by method, path (names as <name>), query keys and verb, with their status counts. */
function callTable(requests: ReadonlyArray<ApiRequestRecord>): string[] {
  const rows = new Map<string, Map<number, number>>();
  for (const r of requests) {
    const p = r.name && r.path.endsWith(`/${r.name}`) ? `${r.path.slice(0, -r.name.length)}${r.name.replace(/^postgres-\d+$/, '<pod>')}` : r.path;
    const q = [...new URLSearchParams(r.query).keys()].map((k) => (k === 'watch' ? `watch=${new URLSearchParams(r.query).get('watch')}` : k)).join('&');
    const key = `${r.method} ${p}${q ? `?${q}` : ''} -> ${r.verb}`;
    const counts = rows.get(key) ?? new Map<number, number>();
    counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    rows.set(key, counts);
  }
  return [...rows.entries()].sort().map(([k, c]) => `  ${k}: ${[...c.entries()].map(([s, n]) => `${s} x${n}`).join(', ')}`);
}
