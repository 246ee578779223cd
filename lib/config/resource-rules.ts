import { cpuToMillis, memoryToBytes } from './quantity';
import type { ConfigProblem } from './errors';
import type { ResourcesConfig } from './primitives';

/** A container's limits must not be below its requests (the scheduler would reject the pod). */
export function resourceLimits(field: string, r: ResourcesConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (cpuToMillis(r.cpuLimit) < cpuToMillis(r.cpuRequest)) {
    problems.push({
      field: `${field}.cpuLimit`,
      value: r.cpuLimit,
      rule: `must be at least the CPU request (${r.cpuRequest})`,
      fix: `raise ${field}.cpuLimit to ${r.cpuRequest} or more, or lower ${field}.cpuRequest`,
    });
  }
  if (memoryToBytes(r.memoryLimit) < memoryToBytes(r.memoryRequest)) {
    problems.push({
      field: `${field}.memoryLimit`,
      value: r.memoryLimit,
      rule: `must be at least the memory request (${r.memoryRequest})`,
      fix: `raise ${field}.memoryLimit to ${r.memoryRequest} or more, or lower ${field}.memoryRequest`,
    });
  }
  return problems;
}
