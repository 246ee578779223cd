import { syncWave } from '../lib/kustomization';

describe('sync waves', () => {
  test.each([['00-namespace', 0], ['10-superset-config', 1], ['25-pgbouncer', 2], ['40-superset-migrate', 4], ['52-superset-beat', 5], ['70-ops', 7]])('%s -> wave %d', (id, wave) => {
    expect(syncWave(id)).toBe(wave);
  });
  test('a chart id without an order prefix is rejected', () => {
    expect(() => syncWave('namespace')).toThrow(/must start with a two-digit order prefix/);
  });
});
