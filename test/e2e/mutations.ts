import type { KubeObject } from './harness/store';
import type { PlatformRun } from './harness/platform';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Mistakes a cluster would catch, planted in a copy of the manifests: the harness must catch each
// one too, with a message that names the object and the cause. Each mutation edits one workload
// of its own, so that one round can plant them all on a running platform (as a bad
// `kubectl apply` would) without one hiding another.

export interface Mutation {
  readonly name: string;
  /** What is planted, for the test name. */
  readonly description: string;
  /** Edits copies of the manifests' objects; returns the ones to apply. */
  mutate(objects: KubeObject[]): KubeObject[];
  /** Every pattern must appear in the harness's explanation of the failure (the object and the cause). */
  readonly expect: readonly RegExp[];
}

const find = (objects: KubeObject[], kind: string, name: string): KubeObject => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`the manifests have no ${kind} ${name} to mutate`);
  return o;
};
const container = (o: KubeObject, name: string) => o.spec.template.spec.containers.find((c: any) => c.name === name);
/** `kubectl rollout restart`: new pods, so the change reaches new connections. */
const restarted = (o: KubeObject): KubeObject => {
  o.spec.template.metadata.annotations = { ...(o.spec.template.metadata.annotations ?? {}), 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() };
  return o;
};

export const MUTATIONS: readonly Mutation[] = [
  {
    name: 'removed-egress-rule',
    description: "web's egress rule to PgBouncer removed (and web restarted)",
    mutate(objects) {
      const policy = find(objects, 'NetworkPolicy', 'superset-web');
      policy.spec.egress = policy.spec.egress.filter((r: any) => !r.to.some((p: any) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'] === 'pgbouncer'));
      return [policy, restarted(find(objects, 'Deployment', 'superset-web'))];
    },
    expect: [/Pod \S+\/superset-web-\S+ could not reach \S+:6432\/TCP \(Pod \S+\/pgbouncer-/, /no egress rule of NetworkPolicies [^\n]*superset-web allows it/],
  },
  {
    name: 'wrong-mount-path',
    description: "redis-queue's scripts mounted at /etc/redis-scripts instead of /etc/redis",
    mutate(objects) {
      const s = find(objects, 'StatefulSet', 'redis-queue');
      for (const m of container(s, 'redis').volumeMounts) if (m.mountPath === '/etc/redis') m.mountPath = '/etc/redis-scripts';
      return [s];
    },
    // The script is missing where the container runs it from, said in one line (not the name alone).
    expect: [/Pod \S+\/redis-queue-0/, /\/etc\/redis\/queue-start\.sh[^\n]*(No such file|not found|cannot open|can't open)|(cannot open|can't open) \/etc\/redis\/queue-start\.sh/i],
  },
  {
    name: 'wrong-run-as-user',
    description: 'Postgres run as uid 1001 on a data directory that uid 101 owns',
    mutate(objects) {
      const s = find(objects, 'StatefulSet', 'postgres');
      s.spec.template.spec.securityContext.runAsUser = 1001;
      for (const c of s.spec.template.spec.containers) if (c.securityContext) c.securityContext.runAsUser = 1001;
      return [s];
    },
    expect: [/Pod \S+\/postgres-0/, /Permission denied: container patroni \(uid 1001[^\n]*cannot enter \/home\/postgres\/pgdata\/\S+[^\n]*owner uid 101/],
  },
  {
    name: 'readiness-wrong-port',
    description: "redis-cache's exporter readiness probe on port 9122 instead of its metrics port",
    mutate(objects) {
      const s = find(objects, 'StatefulSet', 'redis-cache');
      container(s, 'metrics').readinessProbe.httpGet.port = 9122;
      return [s];
    },
    expect: [/Pod \S+\/redis-cache-\d/, /readiness probe: HTTP probe HTTP \S+:9122\/health failed/],
  },
  {
    name: 'renamed-secret-key',
    description: 'the reports workers read the database password from key "passwd" instead of "password"',
    mutate(objects) {
      // Superset reads its secrets as files: the password is an item of the projected Secret volume.
      const d = find(objects, 'Deployment', 'superset-worker-reports');
      let renamed = 0;
      for (const v of d.spec.template.spec.volumes ?? []) {
        for (const source of v.projected?.sources ?? []) {
          for (const item of source.secret?.items ?? []) if (item.path === 'DATABASE_PASSWORD') { item.key = 'passwd'; renamed++; }
        }
      }
      if (renamed === 0) throw new Error('superset-worker-reports mounts no DATABASE_PASSWORD file from a Secret: update the renamed-secret-key mutation');
      return [d];
    },
    expect: [/Pod \S+\/superset-worker-reports-/, /MountVolume\.SetUp failed: [^\n]*key "passwd" is not in the referenced object/],
  },
  {
    name: 'init-waits-forever',
    description: "beat's init container waits for a schema revision that never comes",
    mutate(objects) {
      const d = find(objects, 'Deployment', 'superset-beat');
      const init = d.spec.template.spec.initContainers.find((c: any) => c.name === 'wait-for-migrations');
      // It says what it waits for before each attempt: an attempt can hang for minutes while another
      // planted mistake keeps Postgres down (PgBouncer holds the query), and the log must tell. The
      // trap: as PID 1 the shell would ignore SIGTERM and the restore would wait the grace period.
      init.command = ['/bin/sh', '-c', 'trap "exit 143" TERM; while echo "waiting for schema revision e2e-never"; ! superset db current 2>/dev/null | grep -q "(e2e-never)"; do sleep 5; done'];
      return [d];
    },
    expect: [/Pod \S+\/superset-beat-/, /init container wait-for-migrations: running, not ready[\s\S]*waiting for schema revision e2e-never/],
  },
];

/** The migrate Job's egress rules to both Redis removed: a fresh install must fail on it (the first-apply defect). */
export function withoutMigrateRedisFlows(objects: KubeObject[]): KubeObject[] {
  const policy = find(objects, 'NetworkPolicy', 'superset-migrate');
  policy.spec.egress = policy.spec.egress.filter((r: any) => !r.to.some((p: any) => /^redis-/.test(p.podSelector?.matchLabels?.['app.kubernetes.io/name'] ?? '')));
  return objects;
}

/**
 * Plants every mutation on the running platform at once, waits until the harness's explanation
 * names each one (its object and cause), then restores the manifests and waits until the platform
 * is ready again. Returns, per mutation, the seconds until it was named; throws naming those the
 * harness did not catch.
 */
export async function plantAndCatch(run: PlatformRun, mutations: readonly Mutation[], timeoutMs = 300_000): Promise<Record<string, number>> {
  const copies = structuredClone(run.objects);
  const changed = mutations.flatMap((m) => m.mutate(copies));
  const t0 = Date.now();
  run.cluster.apply(changed);
  const caught: Record<string, number> = {};
  let explanation = '';
  while (Date.now() - t0 < timeoutMs && Object.keys(caught).length < mutations.length) {
    await new Promise((r) => setTimeout(r, 5000));
    explanation = await run.explain();
    for (const m of mutations) if (!(m.name in caught) && m.expect.every((re) => re.test(explanation))) caught[m.name] = (Date.now() - t0) / 1000;
  }
  // Back to the manifests as they are, whatever was caught.
  run.cluster.apply(run.objects.filter((o) => changed.some((c) => c.kind === o.kind && c.metadata.name === o.metadata.name)));
  for (const [name, seconds] of Object.entries(caught)) run.log(`planted mistake ${name}: named after ${seconds.toFixed(0)} s`);
  const missed = mutations.filter((m) => !(m.name in caught));
  if (missed.length) throw new Error(`the harness did not name these planted mistakes within ${timeoutMs / 1000} s: ${missed.map((m) => `${m.name} (${m.description}; expected ${m.expect.map(String).join(' and ')})`).join('; ')}\nits explanation was:\n${explanation}`);
  await run.waitUntilReady(600_000);
  return caught;
}
