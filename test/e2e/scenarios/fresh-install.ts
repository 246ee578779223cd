import { check, Scenario } from './scenario';

/**
 * From empty state (the run starts with nothing): every pod Ready, the migration Job Complete
 * (the run waits for both before any scenario), and Superset's health answer through the ingress
 * over HTTPS, with the plain-HTTP redirect and HSTS the edge promises.
 */
export const freshInstall: Scenario = {
  name: 'fresh-install',
  description: 'every pod Ready, the migration Job Complete, https://<host>/health answers 200 through the ingress',
  async run({ run, host, figure }) {
    const started = Date.now();
    const health = await run.request(host, '/health');
    check(health.status === 200, `GET https://${host}/health through the ingress answered ${health.status}: ${health.body.slice(0, 300)}`);
    check(health.body.trim() === 'OK', `GET https://${host}/health answered "${health.body.slice(0, 100)}", not "OK"`);
    const hsts = String(health.headers['strict-transport-security'] ?? '');
    check(/max-age=\d+/.test(hsts) && /includeSubDomains/i.test(hsts), `the HTTPS answer has no HSTS header with includeSubDomains (got "${hsts}")`);
    const plain = await run.requestHttp(host, '/health');
    check([301, 308].includes(plain.status) && String(plain.headers.location ?? '').startsWith(`https://${host}`), `plain HTTP is not redirected to HTTPS (status ${plain.status}, location ${plain.headers.location})`);
    figure('health through the ingress', `${Date.now() - started} ms`);
    // Every connection a component makes is a declared flow: on a platform that started, no
    // NetworkPolicy has dropped anything the policies do not allow (a flow the manifests forgot).
    const drops: string[] = [];
    for (const pod of run.cluster.store.list('Pod', run.namespace)) drops.push(...((await run.parts.blocked?.(pod).catch(() => [])) ?? []));
    // A drop the current policies allow happened while a new pod's address was still reaching
    // its peers' rules (a window every CNI has; the client retried): counted, not a failure.
    const transient = drops.filter((d) => d.includes('allowed now by'));
    const forgotten = drops.filter((d) => !transient.includes(d));
    figure('drops while new pod addresses reached their peers\' rules', String(transient.length));
    check(forgotten.length === 0, `the NetworkPolicies dropped connections the platform makes:\n  ${forgotten.join('\n  ')}`);
  },
};
