// One Patroni member from the patroni.yml of dist/dev, on the Kubernetes DCS this time: the e2e
// harness's API server (test/e2e/harness/api: ConfigMaps, Pods, RBAC from the Role and RoleBinding
// of dist/dev) on 127.0.0.1, reached through a kubeconfig instead of the in-cluster token files.
// Only hosts, ports and paths are made local; the kubernetes section is the generated one.
//
// What it checks: a transient 403 (the RoleBinding removed and put back, as when RBAC is
// re-applied) while the primary renews its leader lock does not demote it. Patroni demotes at
// once on a 403 of that update unless the code is retried (Patroni 4.1.1 does it itself; the
// 4.1.0 of Spilo 4.1-p2 and Debian's 3.0.2 only with retriable_http_codes, which must be at the
// root of patroni.yml as well as under kubernetes: seen here, with only the latter it demoted).
// It runs the spilo-18 stand-in's Patroni 4.1.5, which retries by itself: green here proves the
// generated file keeps the primary, no longer that 4.1.0 needs the setting (seen with 3.0.2).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { toPatroniYaml } from '../../../lib/postgres/patroni-config';
import { PATRONI_PATHS } from '../../../lib/postgres/database-pod';
import { HarnessApiServer } from '../../e2e/harness/api/api-server';
import { ObjectStore, type KubeObject } from '../../e2e/harness/store';
import {
  chownToServerUser, distObjects, freePort, inRoot, PG_BIN, psql, PsqlTarget, sleep, startServer, stopAll, tempDir, throwawayPassword, waitFor, writeOwned,
} from './servers';

/* eslint-disable @typescript-eslint/no-explicit-any */

const ENV = 'dev';
const NS = `superset-${ENV}`;
const MEMBER = 'postgres-0';

describe(`Patroni from dist/${ENV} on the Kubernetes DCS (the e2e harness's API server)`, () => {
  const objects = distObjects(ENV, '20-postgres.yaml');
  const find = (kind: string, name: string): any => objects.find((o) => o.kind === kind && o.metadata.name === name);
  const statefulSet = find('StatefulSet', 'postgres');
  const container = statefulSet.spec.template.spec.containers.find((c: any) => c.name === 'patroni');
  const configMap = find('ConfigMap', 'postgres-patroni');
  const generated = parse(configMap.data['patroni.yml']);
  const passwords = { superuser: throwawayPassword(), replication: throwawayPassword(), rewind: throwawayPassword(), restapi: throwawayPassword(), superset: throwawayPassword(), backup: throwawayPassword() };
  const store = new ObjectStore();
  const apiLog: string[] = [];
  const api = new HarnessApiServer({ store, host: '127.0.0.1', port: 0, log: (line) => apiLog.push(line) });
  let root: string;
  let pgPort: number;
  let apiPort: number;
  /** The superuser over the socket (peer): pg_hba rejects it over TCP. */
  const superuser = (): PsqlTarget => ({ host: root, port: pgPort, user: 'postgres', database: 'postgres' });
  const log = () => fs.readFileSync(path.join(root, 'patroni.log'), 'utf8');
  const leaderHolder = () => store.get('ConfigMap', NS, 'postgres-leader')?.metadata.annotations?.leader;
  const postmasterPid = () => fs.readFileSync(path.join(root, 'data', 'postmaster.pid'), 'utf8').split('\n')[0];

  beforeAll(async () => {
    root = tempDir('patroni-k8s-it-');
    await api.start();
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding']) for (const o of objects.filter((x) => x.kind === kind)) store.create(o as KubeObject);
    // The Pod the StatefulSet controller would create, with the kubelet's status.
    store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: MEMBER, namespace: NS, labels: { ...statefulSet.spec.template.metadata.labels, 'statefulset.kubernetes.io/pod-name': MEMBER } },
      spec: structuredClone(statefulSet.spec.template.spec),
      status: { phase: 'Running', podIP: '127.0.0.1', podIPs: [{ ip: '127.0.0.1' }] },
    });

    // Outside a pod Patroni reads ~/.kube/config, context "kind-kind" unless kubernetes.context says otherwise.
    const home = path.join(root, 'home');
    fs.mkdirSync(path.join(home, '.kube'), { recursive: true });
    const kubeconfig = {
      apiVersion: 'v1', kind: 'Config', 'current-context': 'kind-kind',
      clusters: [{ name: 'harness', cluster: { server: api.url, 'certificate-authority-data': Buffer.from(api.caCertPem).toString('base64') } }],
      users: [{ name: 'postgres', user: { token: api.tokenFor(NS, statefulSet.spec.template.spec.serviceAccountName) } }],
      contexts: [{ name: 'kind-kind', context: { cluster: 'harness', user: 'postgres', namespace: NS } }],
    };
    writeOwned(path.join(home, '.kube', 'config'), JSON.stringify(kubeconfig));
    for (const dir of [home, path.join(home, '.kube')]) chownToServerUser(dir);
    for (const name of Object.keys(configMap.data).filter((k) => k.endsWith('.sh'))) writeOwned(path.join(root, name), configMap.data[name], 0o755);

    pgPort = await freePort();
    apiPort = await freePort();
    const config = structuredClone(generated);
    config.restapi.listen = `127.0.0.1:${apiPort}`;
    config.postgresql.listen = `127.0.0.1:${pgPort}`;
    config.postgresql.data_dir = path.join(root, 'data');
    config.postgresql.pgpass = path.join(root, 'pgpass');
    config.postgresql.parameters.unix_socket_directories = root;
    config.bootstrap.post_bootstrap = path.join(root, 'post-bootstrap.sh');
    const configFile = path.join(root, 'patroni.yml');
    writeOwned(configFile, toPatroniYaml(config));

    const value = (name: string) => container.env.find((e: any) => e.name === name)?.value;
    const [command, ...args] = (container.command as string[]).map((a) => (a === PATRONI_PATHS.configFile ? configFile : a.startsWith(`${PATRONI_PATHS.scriptsDir}/`) ? path.join(root, path.basename(a)) : a));
    // HOME (for ~/.kube/config) through env(1), as the container has it from its image.
    startServer('patroni', '/usr/bin/env', [`HOME=${home}`, command, ...args], {
      log: path.join(root, 'patroni.log'),
      env: {
        PGDATA: path.join(root, 'data'),
        PATRONI_NAME: MEMBER,
        PATRONI_KUBERNETES_NAMESPACE: NS,
        PATRONI_KUBERNETES_POD_IP: '127.0.0.1',
        PATRONI_POSTGRESQL_CONNECT_ADDRESS: `127.0.0.1:${pgPort}`,
        PATRONI_RESTAPI_CONNECT_ADDRESS: `127.0.0.1:${apiPort}`,
        PATRONI_RESTAPI_USERNAME: 'patroni',
        PATRONI_RESTAPI_PASSWORD: passwords.restapi,
        PATRONI_SUPERUSER_PASSWORD: passwords.superuser,
        PATRONI_REPLICATION_PASSWORD: passwords.replication,
        PATRONI_REWIND_PASSWORD: passwords.rewind,
        SUPERSET_DATABASE_NAME: value('SUPERSET_DATABASE_NAME'),
        SUPERSET_DATABASE_USER: value('SUPERSET_DATABASE_USER'),
        SUPERSET_DATABASE_PASSWORD: passwords.superset,
        ...(value('BACKUP_DATABASE_USER') ? { BACKUP_DATABASE_USER: value('BACKUP_DATABASE_USER'), BACKUP_DATABASE_PASSWORD: passwords.backup } : {}),
      },
    });
    await waitFor('the member to hold the leader lock and accept writes', () =>
      leaderHolder() === MEMBER && store.get('Pod', NS, MEMBER)?.metadata.labels?.role !== undefined && psql(superuser(), 'select pg_is_in_recovery()', 2) === 'f', 120000, 500);
  });

  afterAll(async () => {
    // The member's log explains a failure (it holds no password: they come from the environment).
    if (root && fs.existsSync(path.join(root, 'patroni.log')) && process.env.IT_SHOW_LOGS) console.log(log().split('\n').slice(-80).join('\n'), apiLog.join('\n'));
    await stopAll();
    await api.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('bootstraps on the API server: leader ConfigMap, a role label on its pod, and no tracking label on what it created', () => {
    const created = store.list('ConfigMap', NS).filter((cm) => cm.metadata.name !== configMap.metadata.name);
    expect(created.map((cm) => cm.metadata.name)).toEqual(expect.arrayContaining(['postgres-config', 'postgres-leader']));
    for (const cm of created) expect(Object.keys(cm.metadata.labels ?? {})).not.toContain('app.kubernetes.io/instance');
  });

  test('a transient 403 while the primary renews its lock (RoleBinding removed, then put back) does not demote it', async () => {
    const binding = store.get('RoleBinding', NS, 'postgres-patroni')!;
    const pidBefore = postmasterPid();
    // Patroni 4.x writes our role value ("primary"; Patroni 3 wrote "master").
    const leaderRole = store.get('Pod', NS, MEMBER)?.metadata.labels?.role;
    const from = api.requests.length;
    const leaderPatch403 = () => api.requests.slice(from).some((r) => r.method === 'PATCH' && r.resource === 'configmaps' && r.name === 'postgres-leader' && r.status === 403);
    const samples: string[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          samples.push(psql(superuser(), 'select pg_is_in_recovery()', 1));
        } catch {
          samples.push('down');
        }
        await sleep(200);
      }
    })();

    store.delete('RoleBinding', NS, 'postgres-patroni');
    try {
      await waitFor('a leader update answered 403', leaderPatch403, 30000, 50);
      await sleep(1000); // RBAC comes back within a second, as in the upstream report
    } finally {
      const { resourceVersion: _rv, uid: _uid, creationTimestamp: _ct, generation: _g, ...metadata } = binding.metadata;
      store.create({ ...binding, metadata });
    }
    // Two more HA loops with RBAC back.
    await sleep(3 * generated.bootstrap.dcs.loop_wait * 1000);
    sampling = false;
    await sampler;

    expect(api.requests.slice(from).some((r) => r.status === 403)).toBe(true);
    expect(log()).not.toMatch(/demoted self|demoting self/);
    expect(samples.filter((s) => s !== 'f')).toEqual([]);
    expect(postmasterPid()).toBe(pidBefore);
    expect(leaderHolder()).toBe(MEMBER);
    expect(store.get('Pod', NS, MEMBER)?.metadata.labels?.role).toBe(leaderRole);
    const ready = inRoot(`${PG_BIN}/pg_isready`, ['-h', '127.0.0.1', '-p', String(pgPort)], {});
    expect(spawnSync(ready.argv[0], ready.argv.slice(1), { env: ready.env }).status).toBe(0);
  });
});
