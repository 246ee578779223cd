import * as path from 'node:path';
import type { ObjectStore } from './store';
import type { PlatformParts } from './platform';
import { NodeNetwork } from './network/node-network';
import { HarnessApiServer } from './api/api-server';
import { DebianImageStandIns } from './images/debian-image-stand-ins';
import { IngressController } from './edge/ingress-controller';
import { Outside } from './outside/outside-world';
import { loadManifests } from './manifests';

export interface PartsOptions {
  readonly runId: string;
  readonly runDir: string;
  readonly distDir: string;
  readonly log: (line: string) => void;
}

/**
 * The real parts of a run: the node network (namespaces, nftables, Services, DNS), the API server,
 * the Debian image stand-ins, the NGINX ingress controller and the outside world, all on `store`.
 */
export function createParts(store: ObjectStore, o: PartsOptions): PlatformParts {
  const objects = loadManifests(o.distDir);
  const network = new NodeNetwork({ store, runId: o.runId, log: (l) => o.log(`network: ${l}`) });
  const api = new HarnessApiServer({ store, log: (l) => o.log(`api: ${l}`), certificateWorkDir: o.runDir });
  const images = new DebianImageStandIns();
  const ingressClass = objects.find((x) => x.kind === 'Ingress')?.spec?.ingressClassName ?? 'nginx';
  const ingress = new IngressController({ store, network, ingressClass, dir: path.join(o.runDir, 'ingress'), log: (l) => o.log(`ingress: ${l}`) });
  const outside = new Outside({
    runDir: o.runDir,
    log: o.log,
    objects,
    addresses: (name, hostnames) => network.addNodeAddress(name, hostnames),
  });
  return {
    network,
    api,
    images,
    ingress,
    outside,
    trustedCaPem: () => outside.caPem,
    userAddress: () => network.addNodeAddress('users', []),
    blocked: async (pod) => (await network.blockedConnections(pod.metadata.namespace!, pod.metadata.name)).map((b) => b.message),
  };
}
