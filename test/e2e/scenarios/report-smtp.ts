import { randomBytes } from 'node:crypto';
import { deepMerge } from '../../../lib/config/merge';
import { resolveEnvironment } from '../../../lib/config/load';
import { overridesFor } from '../../../lib/synthesize';
import { reportsQueue } from '../../../lib/superset/rules';
import { ENVIRONMENTS } from '../../../environments';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import type { EgressEndpoint } from '../../../lib/edge/schema';
import { deploymentComplete } from '../harness/controllers/deployment';
import { jobFinished } from '../harness/controllers/job';
import { explainPlatform } from '../harness/diagnose';
import type { NodeNetwork } from '../harness/network/node-network';
import type { MailRelayEvent, Outside } from '../harness/outside/outside-world';
import type { PlatformRun } from '../harness/platform';
import type { KubeObject } from '../harness/store';
import { check, Scenario } from './scenario';
import { synthesizedVariant } from './variant';
import { connectFrom, eventually, json, readyPods, SUPERSET } from './util';

const CONFIG_HASH = 'superset-k8s.io/config-sha256';
const key = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * What an operator edits in environments/<env>.ts to mail reports through the relay: STARTTLS
 * with the certificate checked against the trust store and a login (password in the Secret the
 * contract names), plus the egress endpoint the reports workers need. Screenshots off: the
 * stand-in has no Chromium, and a PNG report would need the browser image and its memory.
 */
function mailChange(relay: Outside['mailRelay'], environment: string, queue: string, egress: readonly EgressEndpoint[]): EnvironmentOverrides {
  return {
    superset: {
      reports: {
        smtp: { enabled: true, host: relay.host, port: relay.port, security: 'starttls', verifyCertificate: true, user: relay.user, mailFrom: `superset-${environment}@example.com` },
        screenshots: { enabled: false },
      },
    },
    // Next to the environment's own endpoints (an override replaces the whole list).
    network: { egress: [...egress, { name: 'mail', purpose: 'smtp', cidr: `${relay.address}/32`, ports: [relay.port], from: [`worker-${queue}`] }] },
  } as EnvironmentOverrides;
}

/** The Deployments and the Job among `objects` are rolled out as given (pods on their templates). */
function rolledOut(run: PlatformRun, objects: readonly KubeObject[]): boolean {
  for (const o of objects) {
    if (o.kind === 'Deployment') {
      const d = run.cluster.store.get('Deployment', run.namespace, o.metadata.name);
      if (!d || !deploymentComplete(d)) return false;
      const want = o.spec.template.metadata?.annotations?.[CONFIG_HASH];
      const pods = readyPods(run, o.spec.selector.matchLabels);
      if (pods.length === 0 || pods.some((p) => p.metadata.annotations?.[CONFIG_HASH] !== want)) return false;
    }
    if (o.kind === 'Job') {
      const j = run.cluster.store.get('Job', run.namespace, o.metadata.name);
      const state = j && jobFinished(j);
      if (state === 'Failed') throw new Error(`the migration Job ${o.metadata.name} of the mail configuration failed`);
      if (state !== 'Complete') return false;
    }
  }
  return true;
}

/**
 * A report task on the reports queue mails through a real SMTP server outside the cluster (the
 * outside world's mail relay: aiosmtpd with STARTTLS, AUTH required): dropped by the
 * NetworkPolicies as committed (no egress to the relay), delivered once the re-synthesized
 * environment with `superset.reports.smtp` and its `network.egress` endpoint is applied and the
 * Superset workloads rolled to it, dropped again when the original objects are back.
 */
export const reportSmtp: Scenario = {
  name: 'report-smtp',
  description: 'a report on the reports queue reaches a real SMTP relay outside the cluster (STARTTLS, certificate checked, login from the Secret) only while superset.reports.smtp and its network.egress are applied',
  // The dev lane ends minutes before prod (the critical path); the flow is the same in every environment.
  environments: ['dev'],
  async run({ run, host, figure, log }) {
    const ns = run.namespace;
    const outside = run.parts.outside as Outside;
    const network = run.parts.network as NodeNetwork;
    const relay = outside.mailRelay;
    check(relay.address, 'the outside world has no mail relay');
    const environment = run.options.environment;
    const committed = overridesFor(environment, ENVIRONMENTS);
    const committedConfig = resolveEnvironment(environment, committed).config;
    const queue = reportsQueue(committedConfig.superset);
    const change = mailChange(relay, environment, queue, committedConfig.network.egress);
    const config = resolveEnvironment(environment, deepMerge(committed, change) as EnvironmentOverrides).config;
    const workerLabels = SUPERSET(`worker-${queue}`);

    // Dropped as committed: the reports workers have no egress to the relay.
    const expectDropped = async (why: string): Promise<string> => {
      const pods = readyPods(run, workerLabels);
      check(pods.length > 0, `no ready ${queue} worker`);
      const pod = pods[0];
      const container = pod.spec.containers[0].name;
      const outcome = await connectFrom(run, pod, container, relay.host, relay.port);
      check(outcome !== 'open', `${pod.metadata.name} reached the mail relay ${relay.host}:${relay.port} although ${why}`);
      const blocked = await network.blockedConnections(ns, pod.metadata.name);
      const line = blocked.find((b) => b.peerIp === relay.address && b.port === relay.port);
      check(line, `${pod.metadata.name} could not reach the mail relay (${outcome}) but no NetworkPolicy drop of ${relay.address}:${relay.port} was recorded`);
      return line.message;
    };
    figure('refused as committed', await expectDropped('network.egress does not declare it'));

    const original = new Map(run.objects.map((o) => [key(o), o]));
    const variant = synthesizedVariant(environment, change).flatMap((f) => f.objects).filter((o) => o.kind !== 'Namespace');
    const changed = variant.filter((o) => JSON.stringify(original.get(key(o))) !== JSON.stringify(o));
    const added = changed.filter((o) => !original.has(key(o)));
    check(changed.some((o) => o.kind === 'NetworkPolicy'), 'the re-synthesized environment changes no NetworkPolicy: the reports workers would not reach the relay');
    log(`report-smtp: applying ${changed.map(key).join(', ')}`);

    // The Secret of the contract (superset.reports.secretName, key smtp-password), as an operator
    // creates it from the mail provider's credentials before applying.
    const secretName = config.superset.reports.secretName;
    check(!run.cluster.store.get('Secret', ns, secretName), `Secret ${ns}/${secretName} exists already: the scenario would overwrite it`);
    const secret: KubeObject = { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: secretName, namespace: ns }, data: { 'smtp-password': Buffer.from(relay.password).toString('base64') } };

    const before = outside.mailRelayEvents().length;
    const subject = `[Report] e2e ${randomBytes(6).toString('hex')}`;
    const recipients = ['analysts@example.com', 'ops@example.com'];
    const mailFrom = config.superset.reports.smtp.mailFrom;
    try {
      const t0 = Date.now();
      run.cluster.apply([secret]);
      run.cluster.apply(changed);
      await eventually('the Superset workloads rolled to the mail configuration', 600_000, () => (rolledOut(run, changed) ? true : undefined))
        .catch(async (e) => { throw new Error(`${(e as Error).message}\n${await explainPlatform(run.cluster, ns, run.parts.blocked)}`); });
      await network.settled();
      figure('rollout to the mail configuration', `${((Date.now() - t0) / 1000).toFixed(0)} s`);

      const t1 = Date.now();
      const r = await json(run, host, '/e2e/report-email', { recipients, subject, timeout: 90 }, 120_000);
      if (r.status !== 200 || !r.body?.ok) {
        const drops = (await Promise.all(readyPods(run, workerLabels).map((p) => network.blockedConnections(ns, p.metadata.name)))).flat().map((b) => b.message);
        throw new Error(`the report task did not mail: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}${drops.length ? `\n  ${drops.join('\n  ')}` : ''}`);
      }
      const sent = r.body.result;
      check(sent.routing_key === queue, `the report task ran from queue ${sent.routing_key}, not the reports queue ${queue}`);
      check(sent.smtp_host === relay.host && sent.smtp_port === relay.port && sent.starttls === true && sent.ssl === false && sent.ssl_server_auth === true && sent.logged_in === true,
        `the worker's SMTP settings are not the rendered ones: ${JSON.stringify(sent)}`);
      const got = await eventually('the relay to record the report', 30_000, () => outside.mailRelayEvents().slice(before).find((e): e is Extract<MailRelayEvent, { event: 'message' }> => e.event === 'message' && e.subject === subject));
      figure('report task to the relay', `${Date.now() - t1} ms`);
      const workerIps = readyPods(run, workerLabels).map((p) => p.status?.podIP);
      check(got.mail_from === mailFrom && got.from === mailFrom, `the relay got the mail from ${got.mail_from} (header ${got.from}), not SMTP_MAIL_FROM ${mailFrom}`);
      check(JSON.stringify([...got.rcpt_tos].sort()) === JSON.stringify([...recipients].sort()) && got.to === recipients.join(', '), `the relay got recipients ${got.rcpt_tos.join(', ')} (To: ${got.to}), not ${recipients.join(', ')}`);
      check(got.tls && got.auth_user === relay.user, `the mail came ${got.tls ? 'over TLS' : 'in plain text'} and ${got.auth_user ? `logged in as ${got.auth_user}` : 'without a login'}`);
      check(workerIps.includes(got.peer), `the mail came from ${got.peer}, not from a ${queue} worker (${workerIps.join(', ')})`);
      const refused = outside.mailRelayEvents().slice(before).filter((e) => e.event === 'auth-refused');
      check(refused.length === 0, `the relay refused ${refused.length} login(s) of the platform`);
      figure('mail at the relay', `from ${got.mail_from} to ${got.rcpt_tos.length} recipients, ${got.tls_version}, logged in, ${got.bytes} bytes, ${got.content_type}`);
    } finally {
      // Back to the objects as given: what the variant added goes, the rest is applied as it was.
      const t2 = Date.now();
      for (const o of added) run.cluster.deleteObject(o.kind, o.metadata.namespace ?? ns, o.metadata.name);
      const restored = changed.filter((o) => original.has(key(o))).map((o) => original.get(key(o))!);
      run.cluster.apply(restored);
      await eventually('the Superset workloads rolled back to the committed configuration', 600_000, () => (rolledOut(run, restored) ? true : undefined));
      run.cluster.deleteObject('Secret', ns, secretName);
      await network.settled();
      figure('rollback to the committed objects', `${((Date.now() - t2) / 1000).toFixed(0)} s`);
    }
    figure('refused again after the rollback', await expectDropped('the committed objects are back'));
  },
};
