import { budgetProblems, budgetTable, connectionBudget, CONNECTIONS_PER_CELERY_TASK } from '../../lib/capacity/connections';
import { deriveMemoryParameters, effectiveMaxConnections, postgresSizeToBytes } from '../../lib/postgres/sizing';
import { resolveEnvironment } from '../../lib/config/load';
import { DEFAULTS } from '../../lib/config/platform-defaults';
import type { PlatformConfig } from '../../lib/config/platform-schema';
import { ENVIRONMENTS } from '../../environments';

function withChanges(change: (c: PlatformConfig) => void): PlatformConfig {
  const c = structuredClone(DEFAULTS);
  change(c);
  return c;
}

describe('Postgres memory parameters', () => {
  // [memory request, shared_buffers, effective_cache_size, max_connections, work_mem, maintenance_work_mem]
  const cases: Array<[string, string, string, number, string, string]> = [
    ['1Gi', '256MB', '768MB', 50, '5MB', '64MB'],
    ['2Gi', '512MB', '1536MB', 100, '5MB', '128MB'],
    ['4Gi', '1024MB', '3072MB', 200, '5MB', '256MB'],
    ['16Gi', '4096MB', '12288MB', 500, '8MB', '1024MB'],
    ['512Mi', '128MB', '384MB', 50, '4MB', '64MB'],
  ];
  test.each(cases)('%s -> shared_buffers %s, effective_cache_size %s, max_connections %d, work_mem %s, maintenance_work_mem %s', (mem, sb, ecs, mc, wm, mwm) => {
    expect(deriveMemoryParameters(mem)).toEqual({ shared_buffers: sb, effective_cache_size: ecs, max_connections: mc, work_mem: wm, maintenance_work_mem: mwm });
  });
  test('an override of max_connections wins; a bad one is rejected', () => {
    expect(effectiveMaxConnections('2Gi', {})).toBe(100);
    expect(effectiveMaxConnections('2Gi', { max_connections: 300 })).toBe(300);
    expect(effectiveMaxConnections('2Gi', { max_connections: '250' })).toBe(250);
    expect(() => effectiveMaxConnections('2Gi', { max_connections: 'many' })).toThrow(/whole number/);
  });
  test.each([['512MB', 512 * 2 ** 20], ['4GB', 4 * 2 ** 30], ['64kB', 65536], ['1 TB', 2 ** 40]])('postgres size %s', (text, bytes) => {
    expect(postgresSizeToBytes(text)).toBe(bytes);
  });
  test('unit-less or unknown sizes are not guessed', () => {
    expect(postgresSizeToBytes(4096)).toBeUndefined();
    expect(postgresSizeToBytes('4 gigs')).toBeUndefined();
  });
});

describe('connection budget', () => {
  test('defaults: web, each worker queue and beat at their HPA maximum plus 25 % surge', () => {
    const b = connectionBudget(DEFAULTS);
    // web: max 4 (+1 surge) pods x 3 gunicorn workers (1 CPU) x min(4 threads, pool 5+5)
    expect(b.clients[0]).toMatchObject({ source: 'superset-web', pods: 5, processesPerPod: 3, connectionsPerProcess: 4, total: 60 });
    // interactive: max 4 (+1) pods x concurrency 4 x 2 per task
    expect(b.clients[1]).toMatchObject({ source: 'superset-worker-interactive', pods: 5, processesPerPod: 4, connectionsPerProcess: CONNECTIONS_PER_CELERY_TASK, total: 40 });
    expect(b.clients[2]).toMatchObject({ source: 'superset-worker-reports', pods: 3, processesPerPod: 2, total: 12 });
    expect(b.clients[3]).toMatchObject({ source: 'superset-beat', pods: 1, total: 1 });
    expect(b.clientTotal).toBe(113);
    expect(b.clientsAtRest).toBe(2 * 3 * 4 + 2 * 4 * 2 + 1 * 2 * 2 + 1);
    // 2 PgBouncer pods: all but one must carry every client
    expect([b.pgbouncerPodsForClients, b.clientCapacity]).toEqual([1, 500]);
    // server side: (2 + 1 surge) x (20 + 5) against max_connections 100 (2Gi) - 3 - 3 - 10 - 5
    expect([b.pgbouncerPodsAtPeak, b.serverPerPgbouncer, b.serverTotal]).toEqual([3, 25, 75]);
    expect([b.maxConnections, b.reservedTotal, b.serverCapacity]).toEqual([100, 21, 79]);
    expect(budgetProblems(b)).toEqual([]);
  });

  test('custom: the SQLAlchemy pool caps what a process can hold', () => {
    const b = connectionBudget(withChanges((c) => { c.superset.database.poolSize = 1; c.superset.database.maxOverflow = 0; }));
    expect(b.clients.map((l) => l.connectionsPerProcess)).toEqual([1, 1, 1, 1]);
    expect(b.reserved.find((l) => l.source.startsWith('superset-migrate'))?.connections).toBe(1);
  });

  test('more clients than the PgBouncer pods accept is a problem with the numbers and the fix', () => {
    const problems = budgetProblems(connectionBudget(withChanges((c) => { c.pgbouncer.maxClientConn = 100; })));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('pgbouncer.maxClientConn');
    expect(problems[0].rule).toMatch(/Superset can open 113 client connections at peak \(superset-web 5 pods x 3 x 4 = 60, .*\) but 1 PgBouncer pod\(s\) .* x max_client_conn 100 accept only 100/);
    expect(problems[0].fix).toMatch(/raise pgbouncer\.maxClientConn to 113 or more/);
  });

  test('more server connections than Postgres has slots is a problem with the numbers and the fix', () => {
    const problems = budgetProblems(connectionBudget(withChanges((c) => { c.pgbouncer.replicas = 4; })));
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('pgbouncer.defaultPoolSize');
    expect(problems[0].rule).toMatch(/5 PgBouncer pods \(replicas \+ 1 during a rollout\) x 25 server connections \(default_pool_size \+ reserve_pool_size\) = 125 exceed Postgres max_connections 100 minus 21 reserved \(.*\) = 79/);
    expect(problems[0].fix).toMatch(/lower pgbouncer\.defaultPoolSize \+ pgbouncer\.reservePoolSize to 15 or less.*raise postgres\.parameters\.max_connections to 146 or more/);
  });

  test('raising max_connections (override) makes the same pools fit', () => {
    const b = connectionBudget(withChanges((c) => { c.pgbouncer.replicas = 4; c.postgres.parameters = { max_connections: 146 }; }));
    expect(budgetProblems(b)).toEqual([]);
    expect(b.serverCapacity).toBe(125);
  });

  test('the table shows every line and whether it fits', () => {
    const text = budgetTable(connectionBudget(DEFAULTS));
    expect(text).toMatch(/\| superset-web \| 5 \| 3 \| 4 \(min\(threads 4, pool 10\)\) \| 60 \|/);
    expect(text).toMatch(/\*\*clients at peak\*\* \(at rest: 45\)/);
    expect(text).toMatch(/Postgres max_connections 100 - reserved 21 \| \| \| \| 79 \(fits\)/);
    expect(budgetTable(connectionBudget(withChanges((c) => { c.pgbouncer.replicas = 4; })))).toMatch(/\*\*does not fit\*\*/);
  });

  test('scale-10k matches the reference: ~130 clients at rest onto 50 server connections', () => {
    const b = connectionBudget(resolveEnvironment('scale-10k', ENVIRONMENTS['scale-10k']).config);
    expect(b.clientsAtRest).toBe(131);
    expect(b.serverPerPgbouncer * (b.pgbouncerPodsAtPeak - 1)).toBe(50);
    expect(budgetProblems(b)).toEqual([]);
  });
});
