import * as fs from 'node:fs';
import * as path from 'node:path';
import { resolveEnvironment } from '../../lib/config/load';
import { allowedGraph } from '../../lib/policy/network-graph';
import { podsOf } from '../../lib/policy/pods';
import { buildObjects } from '../helpers';

/* eslint-disable @typescript-eslint/no-explicit-any */

// network.dataSources is the only egress web and workers get to the databases Superset queries.
// Empty (the default, and prod's) means no dashboard can query anything: fine for a template full
// of placeholders, a mistake in an environment that is headed for users (a real edge.host).

const warningsOf = (overrides: object) => resolveEnvironment('prod', overrides).warnings.filter((w: string) => w.startsWith('network.dataSources'));
const real = { edge: { host: 'bi.acme.io' } };

describe('network.dataSources', () => {
  test('empty with a real host: synth warns, naming the field and an example', () => {
    expect(warningsOf(real)).toEqual([
      'network.dataSources is empty, so web and workers can reach no database to query (every dashboard fails): list the warehouses\' address ranges and ports, e.g. network: { dataSources: [{ cidr: "10.30.0.0/16", ports: [5432] }] }, or name each in network.egress with purpose "data-warehouse".',
    ]);
  });

  test('set, or still the placeholder host of the template: no warning', () => {
    expect(warningsOf({ ...real, network: { dataSources: [{ cidr: '10.30.0.0/16', ports: [5432] }] } })).toEqual([]);
    expect(warningsOf({})).toEqual([]);
  });

  test('what it allows: exactly web and the workers to those ports', () => {
    const objects = buildObjects({ ...real, network: { dataSources: [{ cidr: '10.30.0.0/16', ports: [5432, 8443] }] } }, 'prod');
    const endpoints = [
      ...podsOf(objects).map((p) => ({ name: p.owner.metadata.name.replace(/^superset-migrate-.*/, 'superset-migrate'), labels: p.labels, namespace: p.owner.metadata.namespace })),
      { name: 'warehouse', namespace: 'outside', labels: {}, ip: '10.30.1.2' },
    ];
    // (the defaults of network.objectStorage, kubernetesApi and the Git port allow 0.0.0.0/0 on their own ports)
    const toWarehouse = allowedGraph(objects, endpoints as any).filter((e) => /-> warehouse:(5432|8443)\//.test(e));
    expect(toWarehouse).toEqual([
      'superset-web -> warehouse:5432/TCP', 'superset-web -> warehouse:8443/TCP',
      'superset-worker-interactive -> warehouse:5432/TCP', 'superset-worker-interactive -> warehouse:8443/TCP',
      'superset-worker-reports -> warehouse:5432/TCP', 'superset-worker-reports -> warehouse:8443/TCP',
    ]);
  });

  test('the deploy steps of the README say where to set it', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const deploy = readme.slice(readme.indexOf('## Deploy to a cluster'), readme.indexOf('## Add an environment'));
    expect(deploy).toMatch(/`network\.dataSources`/);
  });
});
