import { gunicornSizing, gunicornWorkersForCpu, gunicornWorkersForMemory } from '../../lib/superset/sizing';
import { cpuToMillis, memoryToBytes } from '../../lib/config/quantity';

describe('quantities', () => {
  test.each([['500m', 500], ['2', 2000], ['1.5', 1500], ['0.25', 250], ['100m', 100]])('cpu %s = %d millicores', (q, m) => {
    expect(cpuToMillis(q)).toBe(m);
  });
  test.each([['512Mi', 512 * 2 ** 20], ['4Gi', 4 * 2 ** 30], ['1Ti', 2 ** 40], ['64Ki', 65536]])('memory %s', (q, b) => {
    expect(memoryToBytes(q)).toBe(b);
  });
  test('memory without a binary unit is rejected', () => {
    expect(() => memoryToBytes('4G')).toThrow(/binary memory quantity/);
  });
});

describe('gunicorn sizing', () => {
  test.each([['250m', 2], ['500m', 2], ['1', 3], ['1500m', 4], ['2', 5], ['4', 9]])('cpu %s -> %d workers (2 x CPU + 1, at least 2)', (cpu, workers) => {
    expect(gunicornWorkersForCpu(cpu)).toBe(workers);
  });
  test('an explicit worker count wins over the CPU-derived one', () => {
    expect(gunicornSizing('2', 4, 3)).toEqual({ workers: 3, threads: 4, concurrentRequests: 12 });
    expect(gunicornSizing('2', 4)).toEqual({ workers: 5, threads: 4, concurrentRequests: 20 });
  });
  test('memory bounds the workers at 400 MiB each', () => {
    expect(gunicornWorkersForMemory('2Gi')).toBe(5);
    expect(gunicornWorkersForMemory('1Gi')).toBe(2);
  });
});
