import type { KubeObject } from '../harness/store';
import { isReady } from '../harness/controllers/pods';
import { check, Scenario } from './scenario';
import { connectFrom, eventually, podOf, python, SUPERSET } from './util';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A pod the platform's policies do not name: default deny applies, DNS is all it may use. */
function strayPod(run: any, webPod: KubeObject): KubeObject {
  const web = webPod.spec.containers.find((c: any) => c.name === 'web');
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'e2e-stray', namespace: run.namespace, labels: { 'app.kubernetes.io/name': 'e2e-stray' } },
    spec: {
      enableServiceLinks: false,
      automountServiceAccountToken: false,
      securityContext: webPod.spec.securityContext,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: web.image, command: ['sleep', '3600'], securityContext: web.securityContext }],
    },
  };
}

/**
 * The NetworkPolicies and the Role hold for real: web reaches PgBouncer but not Postgres, a pod no
 * policy names reaches nothing but DNS, Redis refuses a client without the password, and
 * Patroni's ServiceAccount cannot read Secrets.
 */
export const enforcement: Scenario = {
  name: 'enforcement',
  description: 'web reaches pgbouncer:6432 but not postgres:5432; a stray pod reaches only DNS; Redis needs the password; Patroni cannot read Secrets',
  async run({ run }) {
    const web = podOf(run, SUPERSET('web'));
    check((await connectFrom(run, web, 'web', 'pgbouncer', 6432)) === 'open', 'web cannot reach pgbouncer:6432');
    const direct = await connectFrom(run, web, 'web', 'postgres', 5432);
    check(direct === 'timeout', `web reached postgres:5432 directly (${direct}); only the migration Job and PgBouncer may`);

    run.cluster.apply([strayPod(run, web)]);
    const stray = await eventually('the stray pod to be ready', 60_000, () => {
      const p = run.cluster.store.get('Pod', run.namespace, 'e2e-stray');
      return p && isReady(p) ? p : undefined;
    });
    try {
      const dns = await python(run, stray, 'main', 'import socket; print(socket.gethostbyname("redis-cache"))');
      check(dns.exitCode === 0 && /^\d+\.\d+\.\d+\.\d+$/.test(dns.output.trim()), `the stray pod cannot resolve redis-cache: ${dns.output}`);
      for (const [host, port] of [['redis-cache', 6379], ['pgbouncer', 6432], ['superset-web', 8088]] as const) {
        const r = await connectFrom(run, stray, 'main', host, port);
        check(r === 'timeout', `a pod no NetworkPolicy names reached ${host}:${port} (${r})`);
      }
    } finally {
      run.cluster.deleteObject('Pod', run.namespace, 'e2e-stray');
    }

    const noAuth = await python(run, web, 'web', [
      'import redis',
      'try:',
      '    redis.Redis(host="redis-queue-0.redis-queue-headless", port=6379, socket_timeout=5).ping(); print("accepted")',
      'except redis.exceptions.AuthenticationError as e: print("refused", e)',
      'except redis.exceptions.ResponseError as e: print("refused", e)',
    ].join('\n'));
    check(noAuth.output.includes('refused'), `redis-queue answered a client without the password: ${noAuth.output.trim()}`);

    const postgres = podOf(run, { 'app.kubernetes.io/name': 'postgres' });
    const api = (path: string, method = 'GET') => python(run, postgres, 'patroni', [
      'import ssl, sys, urllib.request, urllib.error',
      'sa = "/var/run/secrets/kubernetes.io/serviceaccount"',
      'token = open(sa + "/token").read()',
      'ctx = ssl.create_default_context(cafile=sa + "/ca.crt")',
      'method = sys.argv[2] if len(sys.argv) > 2 else "GET"',
      'body = b"{}" if method == "PATCH" else None',
      'req = urllib.request.Request("https://kubernetes.default.svc" + sys.argv[1], data=body, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": "application/strategic-merge-patch+json"})',
      'try:',
      '    print(urllib.request.urlopen(req, context=ctx, timeout=10).status)',
      'except urllib.error.HTTPError as e: print(e.code)',
    ].join('\n'), [path, method], 30_000, 'python3');
    const configmaps = await api(`/api/v1/namespaces/${run.namespace}/configmaps`);
    check(configmaps.output.trim() === '200', `Patroni's ServiceAccount cannot list ConfigMaps (${configmaps.output.trim()}): the API path itself is broken`);
    const secrets = await api(`/api/v1/namespaces/${run.namespace}/secrets`);
    check(secrets.output.trim() === '403', `Patroni's ServiceAccount listed Secrets (HTTP ${secrets.output.trim()}); its Role must not allow it`);
    // Least privilege: the Python every Superset pod runs is out of Patroni's reach; its leader lock is not.
    const supersetConfig = await api(`/api/v1/namespaces/${run.namespace}/configmaps/superset-config`, 'PATCH');
    check(supersetConfig.output.trim() === '403', `Patroni's ServiceAccount patched superset-config (HTTP ${supersetConfig.output.trim()}); its Role must name only its own ConfigMaps`);
    const leader = await api(`/api/v1/namespaces/${run.namespace}/configmaps/postgres-leader`, 'PATCH');
    check(leader.output.trim() === '200', `Patroni's ServiceAccount cannot patch postgres-leader (HTTP ${leader.output.trim()})`);
  },
};
