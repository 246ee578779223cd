import { MUTATIONS, plantAndCatch } from '../mutations';
import type { Scenario } from './scenario';

/**
 * The harness catches what a cluster would: six mistakes planted at once on the running platform
 * (as a bad `kubectl apply` would), each named with its object and cause; then the manifests are
 * restored and the platform is ready again.
 */
export const mutations: Scenario = {
  name: 'mutations',
  description: `planted mistakes are each named with object and cause: ${MUTATIONS.map((m) => m.description).join('; ')}`,
  environments: ['dev'],
  async run({ run, figure }) {
    const caught = await plantAndCatch(run, MUTATIONS);
    for (const [name, seconds] of Object.entries(caught)) figure(`${name} named after`, `${seconds.toFixed(0)} s`);
  },
};
