import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Cluster } from '../cluster';
import type { ClusterNetwork, ImageStandIn, ImageStandIns, KubeApiServer, PodNetworkHandle } from '../contracts';
import type { KubeObject } from '../store';
import { jobFinished } from '../controllers/job';
import { isReady } from '../controllers/pods';
import { DebianImageStandIns } from '../images/debian-image-stand-ins';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The kubelet and the controllers on their own: hand-written pods in a bare network (one bridge,
// no policies, no DNS) with one image root, so a failure here is the kubelet's, not the platform's.

// The Valkey stand-in's root (scripts/e2e.sh builds the roots before the tests run).
const root = new DebianImageStandIns().standInFor('docker.io/valkey/valkey:9.1.2').root;
const run = `${process.env.E2E_RUN_ID ?? 'local'}k`;

/** Pods on one bridge, nothing else: enough to test the kubelet. */
class BareNetwork implements ClusterNetwork {
  private next = 10;
  private readonly handles = new Map<string, PodNetworkHandle>();
  async start() {
    execFileSync('ip', ['link', 'add', 'br0', 'type', 'bridge']);
    execFileSync('ip', ['addr', 'add', '10.244.0.1/16', 'dev', 'br0']);
    execFileSync('ip', ['link', 'set', 'br0', 'up']);
  }
  async attachPod(pod: KubeObject) {
    const n = this.next++;
    const netns = `sk8s-${run}-p${n}`;
    const ip = `10.244.1.${n}`;
    execFileSync('ip', ['netns', 'add', netns]);
    execFileSync('ip', ['link', 'add', `veth${n}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', netns]);
    execFileSync('ip', ['link', 'set', `veth${n}`, 'master', 'br0', 'up']);
    execFileSync('ip', ['-n', netns, 'addr', 'add', `${ip}/16`, 'dev', 'eth0']);
    execFileSync('ip', ['-n', netns, 'link', 'set', 'eth0', 'up']);
    execFileSync('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    const h = { netns, ip };
    this.handles.set(pod.metadata.uid!, h);
    return h;
  }
  async detachPod(pod: KubeObject) {
    const h = this.handles.get(pod.metadata.uid!);
    if (h) execFileSync('ip', ['netns', 'del', h.netns]);
    this.handles.delete(pod.metadata.uid!);
  }
  async attachExternal(): Promise<PodNetworkHandle> {
    throw new Error('not in the bare network');
  }
  resolvConf() {
    return 'nameserver 10.96.0.10\n';
  }
  async settled() {}
  async stop() {
    for (const h of this.handles.values()) execFileSync('ip', ['netns', 'del', h.netns]);
    execFileSync('ip', ['link', 'del', 'br0']);
  }
}

const noApi: KubeApiServer = {
  async start() {},
  async stop() {},
  tokenFor: (ns, sa) => `token-of-${ns}-${sa}`,
  caCertPem: '-----BEGIN CERTIFICATE-----\ntest\n-----END CERTIFICATE-----\n',
  requests: [],
};

const image: ImageStandIn = {
  image: 'test', root, entrypoint: [], cmd: ['sh'], env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
  workingDir: '/', user: { uid: 0, gid: 0 }, differences: [],
};
const images: ImageStandIns = { standInFor: () => image, ensureRoots: async () => undefined };

const ns = 'kt';
const restricted = (uid = 999) => ({ runAsUser: uid, runAsGroup: uid, runAsNonRoot: true, fsGroup: uid, fsGroupChangePolicy: 'OnRootMismatch' });
const hardened = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };

let cluster: Cluster;
const log: string[] = [];

beforeAll(async () => {
  cluster = new Cluster({ network: new BareNetwork(), api: noApi, images }, {
    runDir: fs.mkdtempSync('/var/tmp/sk8s-kubelet-'),
    nodes: { count: 3, zones: 3 },
    log: (l) => log.push(l),
  });
  await cluster.start([ns]);
  cluster.apply([
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'conf', namespace: ns }, data: { 'valkey.conf': 'port 6379\nsave ""\n', 'check.sh': '#!/bin/sh\nvalkey-cli -a "$(cat /etc/auth/password)" --no-auth-warning ping | grep -q PONG\n' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: ns }, data: { password: Buffer.from('pw-1').toString('base64') } },
  ]);
});

afterAll(async () => {
  await cluster?.stop();
  if (cluster) fs.rmSync(cluster.options.runDir, { recursive: true, force: true });
});

const pod = (name: string, spec: any, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: { enableServiceLinks: false, automountServiceAccountToken: false, ...spec },
});

const waitReady = (name: string, timeoutMs = 60_000) => cluster.waitFor(`${name} Ready`, timeoutMs, () => {
  const p = cluster.store.get('Pod', ns, name);
  return p && isReady(p) ? p : undefined;
}, () => JSON.stringify(cluster.store.get('Pod', ns, name)?.status, null, 1) + '\n' + log.slice(-10).join('\n'));

describe('a pod as the kubelet runs it', () => {
  test('init container, volumes, user, read-only root, env, exec readiness probe', async () => {
    cluster.apply([pod('valkey', {
      securityContext: restricted(),
      initContainers: [{
        name: 'prepare', image: 'test', securityContext: hardened,
        command: ['sh', '-c', 'id -u > /work/init-uid; echo "$POD_IP" > /work/init-ip'],
        env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      }],
      containers: [{
        name: 'valkey', image: 'test', securityContext: hardened,
        command: ['sh', '-c', 'exec valkey-server /etc/valkey/valkey.conf --requirepass "$PASSWORD" --dir /data'],
        env: [
          { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'auth', key: 'password' } } },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'GREETING', value: 'hello $(POD_NAME) $(UNDEFINED) $$(POD_NAME)' },
        ],
        ports: [{ name: 'redis', containerPort: 6379 }],
        readinessProbe: { exec: { command: ['sh', '/etc/valkey/check.sh'] }, periodSeconds: 1, failureThreshold: 1 },
        volumeMounts: [
          { name: 'conf', mountPath: '/etc/valkey', readOnly: true },
          { name: 'auth', mountPath: '/etc/auth', readOnly: true },
          { name: 'work', mountPath: '/work' },
          { name: 'data', mountPath: '/data' },
        ],
      }],
      volumes: [
        { name: 'conf', configMap: { name: 'conf', defaultMode: 0o444, items: [{ key: 'valkey.conf', path: 'valkey.conf' }, { key: 'check.sh', path: 'check.sh', mode: 0o555 }] } },
        { name: 'auth', secret: { secretName: 'auth', defaultMode: 0o440 } },
        { name: 'work', emptyDir: {} },
        { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
      ],
    })]);
    const p = await waitReady('valkey');
    const run = (cmd: string) => cluster.exec(ns, 'valkey', 'valkey', ['sh', '-c', cmd]).then((r) => r.output.trim());
    expect(await run('cat /work/init-uid')).toBe('999');
    expect(await run('cat /work/init-ip')).toBe(p.status.podIP);
    expect(await run('id -u; id -g; id -G')).toBe('999\n999\n999');
    expect(await run('echo "$GREETING"')).toBe('hello valkey $(UNDEFINED) $(POD_NAME)');
    expect(await run('touch /etc/x 2>&1; echo $?')).toMatch(/Read-only file system\n1$/);
    expect(await run('stat -L -c "%a %u %g" /etc/auth/password /etc/valkey/check.sh /etc/valkey/valkey.conf')).toBe("440 0 999\n555 0 999\n444 0 999");
    expect(await run('readlink /etc/auth/password; readlink /etc/auth/..data')).toMatch(/^\.\.data\/password\n\.\.\d{4}_/);
    expect(await run('stat -c %a /work; df -T /data | tail -1 | cut -d" " -f1; cat /proc/1/cmdline | tr "\\0" " "')).toMatch(/^2777\ntmpfs\nvalkey-server/);
    expect(await run('cat /etc/hostname; grep valkey /etc/hosts')).toBe(`valkey\n${p.status.podIP}\tvalkey`);
  });

  test('a missing Secret key is a CreateContainerConfigError naming it, fixed when the key appears', async () => {
    cluster.apply([pod('needs-key', {
      securityContext: restricted(),
      containers: [{ name: 'main', image: 'test', command: ['sleep', '3600'], env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'auth', key: 'other' } } }] }],
    })]);
    await cluster.waitFor('CreateContainerConfigError', 30_000, () => {
      const s = cluster.store.get('Pod', ns, 'needs-key')?.status?.containerStatuses?.[0]?.state?.waiting;
      return s?.reason === 'CreateContainerConfigError' ? s : undefined;
    }).then((s) => expect(s.message).toMatch(/env X refers to key "other" of Secret "auth", which has no such key/));
    cluster.apply([{ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'auth', namespace: ns }, data: { password: Buffer.from('pw-1').toString('base64'), other: Buffer.from('o').toString('base64') } }]);
    await waitReady('needs-key', 30_000);
  });

  test('liveness failures restart the container; preStop runs before SIGTERM', async () => {
    cluster.apply([pod('flaky', {
      securityContext: restricted(),
      terminationGracePeriodSeconds: 5,
      containers: [{
        name: 'main', image: 'test', securityContext: hardened,
        // PID 1 with a TERM handler that records it; liveness fails once /work/sick exists.
        command: ['sh', '-c', 'trap "echo term >> /work/events; exit 0" TERM; while :; do sleep 0.2; done'],
        livenessProbe: { exec: { command: ['sh', '-c', '! test -e /work/sick'] }, periodSeconds: 1, failureThreshold: 2 },
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /work/events; rm -f /work/sick'] } } },
        volumeMounts: [{ name: 'work', mountPath: '/work' }],
      }],
      volumes: [{ name: 'work', emptyDir: {} }],
    })]);
    await waitReady('flaky');
    await cluster.exec(ns, 'flaky', 'main', ['touch', '/work/sick']);
    const restarted = await cluster.waitFor('a restart', 30_000, () => {
      const s = cluster.store.get('Pod', ns, 'flaky')?.status?.containerStatuses?.[0];
      return s?.restartCount >= 1 ? s : undefined;
    });
    expect(restarted.lastState.terminated.exitCode).toBe(0);
    await waitReady('flaky', 30_000);
    expect((await cluster.exec(ns, 'flaky', 'main', ['cat', '/work/events'])).output).toBe('prestop\nterm\n');
  });

  test('a PID 1 without a TERM handler is killed when its grace period ends', async () => {
    cluster.apply([pod('stubborn', {
      securityContext: restricted(),
      terminationGracePeriodSeconds: 2,
      containers: [{ name: 'main', image: 'test', command: ['sleep', '3600'] }],
    })]);
    await waitReady('stubborn');
    cluster.deleteObject('Pod', ns, 'stubborn');
    await cluster.waitFor('the pod to be gone', 15_000, () => (cluster.store.get('Pod', ns, 'stubborn') ? undefined : true));
    expect(cluster.recorder.about('stubborn').some((e) => e.reason === 'Killing')).toBe(true);
  });
});

describe('controllers', () => {
  test('a Job whose pod fails is retried until backoffLimit, then Failed', async () => {
    cluster.apply([{
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'fails', namespace: ns },
      spec: { backoffLimit: 1, template: { metadata: { labels: { app: 'fails' } }, spec: { restartPolicy: 'Never', securityContext: restricted(), enableServiceLinks: false, automountServiceAccountToken: false, containers: [{ name: 'main', image: 'test', command: ['sh', '-c', 'echo boom; exit 2'] }] } } },
    }]);
    const job = await cluster.waitFor('the Job to fail', 60_000, () => {
      const j = cluster.store.get('Job', ns, 'fails');
      return j && jobFinished(j) ? j : undefined;
    });
    expect(job.status.conditions[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    expect(job.status.failed).toBe(2);
  });

  test('podFailurePolicy FailJob on an exit code fails the Job at once', async () => {
    cluster.apply([{
      apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'fatal', namespace: ns },
      spec: {
        backoffLimit: 5,
        podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [3] } }] },
        template: { spec: { restartPolicy: 'Never', securityContext: restricted(), enableServiceLinks: false, automountServiceAccountToken: false, containers: [{ name: 'main', image: 'test', command: ['sh', '-c', 'exit 3'] }] } },
      },
    }]);
    const job = await cluster.waitFor('the Job to fail', 30_000, () => {
      const j = cluster.store.get('Job', ns, 'fatal');
      return j && jobFinished(j) ? j : undefined;
    });
    expect(job.status.conditions[0].reason).toBe('PodFailurePolicy');
    expect(job.status.failed).toBe(1);
  });

  test('a StatefulSet pod keeps its name, hostname and volume when it is deleted', async () => {
    cluster.apply([{
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'store', namespace: ns },
      spec: {
        replicas: 2, serviceName: 'store-headless', podManagementPolicy: 'OrderedReady',
        selector: { matchLabels: { app: 'store' } },
        template: {
          metadata: { labels: { app: 'store' } },
          spec: {
            securityContext: restricted(), enableServiceLinks: false, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
            containers: [{ name: 'main', image: 'test', command: ['sh', '-c', 'hostname >> /data/boots; exec sleep 3600'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
          },
        },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      },
    }]);
    await waitReady('store-1');
    const first = cluster.store.get('Pod', ns, 'store-0')!;
    cluster.deleteObject('Pod', ns, 'store-0');
    await cluster.waitFor('store-0 to come back', 30_000, () => {
      const p = cluster.store.get('Pod', ns, 'store-0');
      return p && p.metadata.uid !== first.metadata.uid && isReady(p) ? p : undefined;
    });
    expect((await cluster.exec(ns, 'store-0', 'main', ['cat', '/data/boots'])).output).toBe('store-0\nstore-0\n');
    expect((await cluster.exec(ns, 'store-0', 'main', ['sh', '-c', 'grep store-0 /etc/hosts'])).output).toMatch(/\tstore-0\.store-headless\.kt\.svc\.cluster\.local\tstore-0/);
  });

  const deployment = (name: string, strategy: any, marker: string, readinessDelay = 1) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: ns },
    spec: {
      selector: { matchLabels: { app: name } }, strategy,
      template: {
        metadata: { labels: { app: name }, annotations: { marker } },
        spec: {
          securityContext: restricted(), enableServiceLinks: false, automountServiceAccountToken: false, terminationGracePeriodSeconds: 1,
          containers: [{ name: 'main', image: 'test', command: ['sh', '-c', `sleep ${readinessDelay}; touch /tmp/ready; exec sleep 3600`], readinessProbe: { exec: { command: ['test', '-e', '/tmp/ready'] }, periodSeconds: 1 } }],
        },
      },
    },
  });

  /** Samples the pods of a Deployment until its rollout of `marker` is complete. */
  interface Sample { ready: number; newPods: number; oldPods: number; terminating: number }
  async function rollout(name: string, marker: string): Promise<Sample[]> {
    const samples: Sample[] = [];
    await cluster.waitFor(`${name} rolled out`, 60_000, () => {
      const all = cluster.pods(ns, { app: name });
      const pods = all.filter((p) => !p.metadata.deletionTimestamp);
      const fresh = pods.filter((p) => p.metadata.annotations?.marker === marker);
      const old = pods.filter((p) => p.metadata.annotations?.marker !== marker);
      samples.push({ ready: pods.filter(isReady).length, newPods: fresh.length, oldPods: old.length, terminating: all.length - pods.length });
      return fresh.length === 2 && fresh.every(isReady) && old.length === 0 ? true : undefined;
    });
    return samples;
  }

  test('an HPA holds a Deployment at its minimum; a rolling update with maxUnavailable 0 never drops below it', async () => {
    cluster.apply([
      deployment('web', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'v1'),
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: ns }, spec: { minReplicas: 2, maxReplicas: 4, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } } },
    ]);
    await rollout('web', 'v1');
    cluster.apply([deployment('web', { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, 'v2')]);
    const samples = await rollout('web', 'v2');
    expect(samples.every((x) => x.ready >= 2)).toBe(true);
    expect(Math.max(...samples.map((x) => x.newPods + x.oldPods))).toBeLessThanOrEqual(3);
  });

  test('Recreate stops every old pod before a new one starts', async () => {
    cluster.apply([{ ...deployment('beat', { type: 'Recreate' }, 'v1'), spec: { ...deployment('beat', { type: 'Recreate' }, 'v1').spec, replicas: 2 } }]);
    await rollout('beat', 'v1');
    const next = deployment('beat', { type: 'Recreate' }, 'v2');
    cluster.apply([{ ...next, spec: { ...next.spec, replicas: 2 } }]);
    const samples = await rollout('beat', 'v2');
    expect(samples.some((x) => x.newPods > 0 && x.oldPods + x.terminating > 0)).toBe(false);
  });

  test('required pod anti-affinity leaves a pod Pending when no node is left', async () => {
    const antiAffinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'spread' } }, topologyKey: 'kubernetes.io/hostname' }] } };
    cluster.apply([1, 2, 3, 4].map((i) => pod(`spread-${i}`, { securityContext: restricted(), affinity: antiAffinity, containers: [{ name: 'main', image: 'test', command: ['sleep', '3600'] }] }, { app: 'spread' })));
    const pending = await cluster.waitFor('one pod unschedulable', 30_000, () => {
      const ps = cluster.pods(ns, { app: 'spread' });
      const p = ps.find((x) => x.status?.conditions?.some((c: any) => c.reason === 'Unschedulable'));
      return ps.filter((x) => x.spec.nodeName).length === 3 && p ? p : undefined;
    });
    expect(pending.status.conditions[0].message).toBe("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
  });
});
