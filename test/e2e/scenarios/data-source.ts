import { connectionAllowed } from '../../../lib/policy/network-graph';
import type { Outside } from '../harness/outside/outside-world';
import type { NodeNetwork } from '../harness/network/node-network';
import { loadManifests } from '../harness/manifests';
import type { PlatformRun } from '../harness/platform';
import { check, Scenario } from './scenario';
import { synthesizedVariant } from './variant';
import { ensureWarehouse, json, podOf, readyPods, SUPERSET } from './util';

const SQL = 'SELECT region, sum(amount) AS total FROM orders GROUP BY region ORDER BY region';

/** Do the run's NetworkPolicies let the interactive workers reach the warehouse? */
function allowed(run: PlatformRun, policies: ReturnType<typeof loadManifests>, warehouseIp: string): boolean {
  const worker = podOf(run, SUPERSET('worker-interactive'));
  return connectionAllowed(policies, { name: 'worker', labels: worker.metadata.labels, namespace: run.namespace }, { name: 'warehouse', ip: warehouseIp }, 5432);
}

async function chartQuery(run: PlatformRun, host: string) {
  return json(run, host, '/e2e/chart-query', { database: 'warehouse', sql: SQL, timeout: 45 }, 120_000);
}


/**
 * A chart query that a worker runs against a warehouse outside the platform's namespace: it works
 * exactly while `network.dataSources` allows the warehouse, and is dropped (with the policy named)
 * when it does not. The allowing policies are applied to the running platform as `kubectl apply`
 * of a re-synthesized environment would, then the original ones again.
 */
export const dataSource: Scenario = {
  name: 'data-source',
  description: 'a chart query on a worker reaches the warehouse outside the cluster only while network.dataSources allows it',
  async run({ run, host, figure }) {
    const outside = run.parts.outside as Outside;
    const network = run.parts.network as NodeNetwork;
    await ensureWarehouse(run, host, outside.warehouseUri());

    const original = run.objects.filter((o) => o.kind === 'NetworkPolicy');
    const expectRefused = async (why: string) => {
      const r = await chartQuery(run, host);
      check(r.status !== 200, `the chart query reached the warehouse although ${why}`);
      // Any interactive worker may have run the task (prod runs several).
      const workers = readyPods(run, SUPERSET('worker-interactive'));
      const blocked = (await Promise.all(workers.map((w) => network.blockedConnections(run.namespace, w.metadata.name)))).flat();
      const line = blocked.find((b) => b.peerIp === outside.warehouse.address && b.port === 5432);
      check(line, `the chart query failed (HTTP ${r.status}) but no NetworkPolicy drop of ${outside.warehouse.address}:5432 was recorded for any of ${workers.map((w) => w.metadata.name).join(', ')}: ${JSON.stringify(r.body).slice(0, 300)}`);
      return line.message;
    };
    const expectAnswered = async () => {
      const t0 = Date.now();
      const r = await chartQuery(run, host);
      check(r.status === 200 && Array.isArray(r.body.data) && r.body.data.length === 3, `the chart query did not answer from the warehouse: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 400)}`);
      figure('chart query through a worker to the warehouse', `${Date.now() - t0} ms`);
    };

    if (allowed(run, original, outside.warehouse.address)) {
      await expectAnswered();
    } else {
      figure('refused while not a data source', await expectRefused('network.dataSources does not list it'));
      try {
        const allowing = synthesizedVariant(run.options.environment, { network: { dataSources: [{ cidr: `${outside.warehouse.address}/32`, ports: [5432] }] } })
          .flatMap((f) => f.objects).filter((o) => o.kind === 'NetworkPolicy');
        check(allowed(run, allowing, outside.warehouse.address), 'the re-synthesized policies still do not allow the warehouse');
        run.cluster.apply(allowing);
        await network.settled();
        await expectAnswered();
      } finally {
        // Back to the manifests as given (and the policies the re-synthesis added are removed).
        for (const p of run.cluster.store.list('NetworkPolicy', run.namespace)) {
          if (!original.some((o) => o.metadata.name === p.metadata.name)) run.cluster.deleteObject('NetworkPolicy', run.namespace, p.metadata.name);
        }
        run.cluster.apply(original);
        await network.settled();
      }
      await expectRefused('the data source was removed again');
    }
  },
};
