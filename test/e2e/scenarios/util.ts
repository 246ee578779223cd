import type { PlatformRun } from '../harness/platform';
import type { KubeObject } from '../harness/store';
import { isReady, isTerminating } from '../harness/controllers/pods';
import { check } from './scenario';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A JSON request to the platform through the ingress; the parsed answer with its status. */
export async function json(run: PlatformRun, host: string, path: string, body?: unknown, timeoutMs = 90_000): Promise<{ status: number; body: any }> {
  const r = await run.request(host, path, {
    method: body === undefined ? 'GET' : 'POST',
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    timeoutMs,
  });
  let parsed: any = r.body;
  try {
    parsed = JSON.parse(r.body);
  } catch {
    // not JSON: keep the text for the message
  }
  return { status: r.status, body: parsed };
}

/** The ready, running pods of a workload (by its pod template's labels). */
export function readyPods(run: PlatformRun, labels: Record<string, string>): KubeObject[] {
  return run.cluster.pods(run.namespace, labels).filter((p) => isReady(p) && !isTerminating(p));
}

/** The first ready pod of a component, or a clear failure. */
export function podOf(run: PlatformRun, labels: Record<string, string>): KubeObject {
  const pods = readyPods(run, labels);
  check(pods.length > 0, `no ready pod with labels ${JSON.stringify(labels)} in ${run.namespace}`);
  return pods[0];
}

export const SUPERSET = (component: string) => ({ 'app.kubernetes.io/name': 'superset', 'app.kubernetes.io/component': component });

/** Python run in a container (`python` is on the Superset image's PATH; `python3` elsewhere). */
export async function python(run: PlatformRun, pod: KubeObject, container: string, code: string, args: readonly string[] = [], timeoutMs = 30_000, interpreter = 'python'): Promise<{ exitCode: number; output: string }> {
  return run.cluster.exec(run.namespace, pod.metadata.name, container, [interpreter, '-c', code, ...args], timeoutMs);
}

/** Connects from inside a pod to host:port: 'open', or why not ('timeout' when a policy dropped it). */
export async function connectFrom(run: PlatformRun, pod: KubeObject, container: string, host: string, port: number, interpreter = 'python'): Promise<string> {
  const code = [
    'import socket, sys',
    's = socket.socket(); s.settimeout(3)',
    'try:',
    '    s.connect((socket.gethostbyname(sys.argv[1]), int(sys.argv[2]))); print("open")',
    'except socket.timeout: print("timeout")',
    'except OSError as e: print(type(e).__name__, e.errno)',
  ].join('\n');
  const r = await python(run, pod, container, code, [host, String(port)], 20_000, interpreter);
  return r.output.trim().split('\n').pop() ?? '';
}

/** Worker queues of the platform, from the workers' `--queues=` arguments. */
export function workerQueues(run: PlatformRun): string[] {
  const out: string[] = [];
  for (const o of run.objects) {
    if (o.kind !== 'Deployment') continue;
    for (const c of o.spec.template.spec.containers) {
      const arg = [...(c.command ?? []), ...(c.args ?? [])].find((a: string) => a.startsWith('--queues='));
      if (arg) out.push(...arg.slice('--queues='.length).split(','));
    }
  }
  return out;
}

/** Polls `check` every second until it returns a value. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Registers the warehouse stand-in as a Superset data source (once per run). */
export async function ensureWarehouse(run: PlatformRun, host: string, uri: string): Promise<void> {
  const registered = registeredWarehouse.get(run);
  if (registered) return;
  const r = await json(run, host, '/e2e/databases', { database_name: 'warehouse', sqlalchemy_uri: uri });
  check(r.status === 200 || r.status === 201, `registering the warehouse failed: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  registeredWarehouse.set(run, true);
}
const registeredWarehouse = new WeakMap<PlatformRun, boolean>();

/** The logs of every container of a Job's pods, each headed by its pod and container. */
export function jobLogs(run: PlatformRun, jobName: string, lines = 200): string {
  return run.cluster.pods(run.namespace, { 'job-name': jobName }).flatMap((p) => [...(p.spec.initContainers ?? []), ...p.spec.containers]
    .map((c: { name: string }) => `--- ${p.metadata.name} ${c.name}\n${run.cluster.logs(run.namespace, p.metadata.name, c.name, lines)}`)).join('\n');
}

/**
 * `sh -c` text that runs `valkey-cli "$@"` in a Redis pod as its agent ACL user, with the password
 * derived from the mounted Secret as the pod's scripts derive it (lib/redis/scripts/common.sh):
 * never on a command line.
 */
export const REDIS_AGENT_CLI_SH = 'p=$(cat /etc/redis-auth/internal-password); REDISCLI_AUTH=$(printf "agent:%s" "$p" | sha256sum | cut -d " " -f 1); VALKEYCLI_AUTH=$REDISCLI_AUTH; export REDISCLI_AUTH VALKEYCLI_AUTH; exec valkey-cli --user agent --no-auth-warning "$@"';
