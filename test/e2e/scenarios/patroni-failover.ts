import type { KubeObject } from '../harness/store';
import { isReady, isTerminating } from '../harness/controllers/pods';
import { statefulSetComplete } from '../harness/controllers/statefulset';
import type { NodeNetwork } from '../harness/network/node-network';
import type { PlatformRun } from '../harness/platform';
import { check, Scenario } from './scenario';
import { eventually, podOf, python, SUPERSET } from './util';

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Writes through PgBouncer (the web pod's own DATABASE_* settings) for `seconds`: one committed
 * row per iteration, reconnecting after errors; then reads every committed id back and prints a
 * JSON summary (committed, lost, errors, longest gap between commits).
 */
const WRITER = `
import json, os, sys, time
import psycopg2
dsn = dict(host=os.environ["DATABASE_HOST"], port=os.environ["DATABASE_PORT"], dbname=os.environ["DATABASE_NAME"],
           user=os.environ["DATABASE_USER"], password=open("/run/secrets/superset/DATABASE_PASSWORD").read().strip(), connect_timeout=3)
# TLS as superset_config.py connects (postgres.tls: verify-full against the mounted CA).
for var, key in (("DATABASE_SSLMODE", "sslmode"), ("DATABASE_SSLROOTCERT", "sslrootcert")):
    if os.environ.get(var): dsn[key] = os.environ[var]
table, seconds = sys.argv[1], float(sys.argv[2])
def connect():
    c = psycopg2.connect(**dsn); c.autocommit = True; return c
conn = None
for _ in range(60):
    try:
        conn = connect(); conn.cursor().execute(f"CREATE TABLE IF NOT EXISTS {table} (id integer PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"); break
    except Exception:
        conn = None; time.sleep(1)
committed, errors, i = [], 0, 0
last_ok = time.monotonic(); gap = 0.0
end = time.monotonic() + seconds
while time.monotonic() < end:
    try:
        if conn is None: conn = connect()
        conn.cursor().execute(f"INSERT INTO {table} (id) VALUES (%s)", (i,))
        committed.append(i); now = time.monotonic(); gap = max(gap, now - last_ok); last_ok = now
    except Exception:
        errors += 1
        try: conn and conn.close()
        except Exception: pass
        conn = None; time.sleep(0.2)
    i += 1; time.sleep(0.05)
for _ in range(60):
    try:
        conn = connect(); cur = conn.cursor(); cur.execute(f"SELECT id FROM {table}"); present = {r[0] for r in cur.fetchall()}; break
    except Exception:
        time.sleep(1)
print(json.dumps({"committed": len(committed), "lost": len([c for c in committed if c not in present]), "errors": errors, "longest_gap_s": round(gap, 2)}))
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const POSTGRES = { 'app.kubernetes.io/name': 'postgres' };

function primary(run: PlatformRun): KubeObject | undefined {
  return run.cluster.pods(run.namespace, POSTGRES).find((p) => p.metadata.labels?.role === 'primary' && !isTerminating(p) && isReady(p));
}

async function write(run: PlatformRun, table: string, seconds: number): Promise<any> {
  const web = podOf(run, SUPERSET('web'));
  const r = await python(run, web, 'web', WRITER, [table, String(seconds)], (seconds + 150) * 1000);
  const line = r.output.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`the write load did not finish: ${r.output.slice(-500)}`);
  }
}

/** Rows of `table`, read through PgBouncer from a web pod. */
async function count(run: PlatformRun, table: string): Promise<number> {
  const web = podOf(run, SUPERSET('web'));
  const r = await python(run, web, 'web', [
    'import os, sys, psycopg2',
    'c = psycopg2.connect(host=os.environ["DATABASE_HOST"], port=os.environ["DATABASE_PORT"], dbname=os.environ["DATABASE_NAME"], user=os.environ["DATABASE_USER"], password=open("/run/secrets/superset/DATABASE_PASSWORD").read().strip(), connect_timeout=5)',
    'cur = c.cursor(); cur.execute(f"SELECT count(*) FROM {sys.argv[1]}"); print(cur.fetchone()[0])',
  ].join('\n'), [table], 60_000);
  const n = Number(r.output.trim().split('\n').pop());
  check(Number.isFinite(n), `counting ${table} failed: ${r.output.slice(-300)}`);
  return n;
}

/** The `postgres` Service sends clients to exactly the current primary. */
async function serviceFollows(run: PlatformRun, pod: KubeObject): Promise<void> {
  const network = run.parts.network as NodeNetwork;
  await eventually(`the postgres Service to select ${pod.metadata.name} only`, 60_000, async () => {
    await network.settled();
    const view = network.services().find((s) => s.namespace === run.namespace && s.name === 'postgres');
    const ips = new Set((view?.ports ?? []).flatMap((p) => p.backends.map((b) => b.ip)));
    return ips.size === 1 && ips.has(pod.status.podIP) ? true : undefined;
  });
}

/**
 * The Patroni primary is killed (pod deleted at once) under write load through PgBouncer: a
 * replica takes over, writes resume, no committed transaction is lost, and the `postgres` Service
 * follows the new primary; then every member is restarted and the cluster comes back whole.
 */
export const patroniFailover: Scenario = {
  name: 'patroni-failover',
  description: 'Patroni primary killed (its node down) under write load through PgBouncer: a replica takes over, writes resume, 0 committed transactions lost, the postgres Service follows; then a full restart of all members',
  environments: ['prod', 'staging', 'scale-10k'],
  async run({ run, figure }) {
    const ns = run.namespace;
    const before = await eventually('a Patroni primary', 60_000, () => primary(run));
    await serviceFollows(run, before);
    const load = write(run, 'e2e_failover', 70);
    await sleep(15_000);
    const killedAt = Date.now();
    // Its node is gone: the pod is killed and cannot come back for a minute, so a replica must take over.
    run.cluster.hold((p) => p.metadata.namespace === ns && p.metadata.name === before.metadata.name, 60_000);
    run.cluster.deleteObject('Pod', ns, before.metadata.name, 0);
    const after = await eventually('a new primary', 120_000, () => {
      const p = primary(run);
      return p && p.metadata.name !== before.metadata.name ? p : undefined;
    });
    figure('kill of the primary -> a new primary labelled', `${((Date.now() - killedAt) / 1000).toFixed(1)} s (${before.metadata.name} -> ${after.metadata.name})`);
    await serviceFollows(run, after);
    const result = await load;
    figure('writes through PgBouncer during the failover', `${result.committed} committed, ${result.errors} failed attempts, longest gap ${result.longest_gap_s} s, ${result.lost} lost`);
    check(result.lost === 0, `${result.lost} committed transactions were lost in the failover`);
    check(result.committed > 0, 'no write was committed at all');

    // Every member at once (a full restart): the cluster must come back with a primary and the data.
    const t0 = Date.now();
    for (const p of run.cluster.pods(ns, POSTGRES)) run.cluster.deleteObject('Pod', ns, p.metadata.name);
    await eventually('every member back', 300_000, () => {
      const s = run.cluster.store.get('StatefulSet', ns, 'postgres');
      return s && statefulSetComplete(s) && primary(run) ? true : undefined;
    });
    figure('full restart of every member -> all ready with a primary', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await serviceFollows(run, primary(run)!);
    const kept = await count(run, 'e2e_failover');
    check(kept >= result.committed, `after the full restart only ${kept} of the ${result.committed} committed rows are there`);
    const again = await write(run, 'e2e_after_restart', 5);
    check(again.committed > 0 && again.lost === 0, `after the full restart, writes through PgBouncer fail: ${JSON.stringify(again)}`);
  },
};
