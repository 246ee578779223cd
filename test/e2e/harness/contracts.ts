import type { KubeObject, ObjectStore } from './store';

// The seams between the parts of the e2e harness. Each part lives in its own folder under
// test/e2e/harness/ and is built and tested on its own; the kubelet and the controllers put them
// together. Addresses are fixed by the harness (one cluster per node network namespace).

/** The cluster's fixed addresses and names. */
export interface ClusterAddresses {
  /** The node's address on the pod bridge: kubelet probes come from here, the API server listens here. */
  readonly nodeIp: string;
  /** Pods get addresses from this range (one /16 on one bridge). */
  readonly podCidr: string;
  /** ClusterIP Services get addresses from this range. */
  readonly serviceCidr: string;
  /** The `kubernetes` Service in namespace default (port 443 -> the API server on nodeIp:6443). */
  readonly apiServiceIp: string;
  /** The `kube-dns` Service in kube-system: every pod's nameserver. */
  readonly dnsServiceIp: string;
  /** Stand-ins of the outside world (object storage, Git server, warehouse) get addresses here. */
  readonly externalCidr: string;
  readonly clusterDomain: 'cluster.local';
}

export const ADDRESSES: ClusterAddresses = {
  nodeIp: '10.244.0.1',
  podCidr: '10.244.0.0/16',
  serviceCidr: '10.96.0.0/16',
  apiServiceIp: '10.96.0.1',
  dnsServiceIp: '10.96.0.10',
  externalCidr: '172.31.0.0/24',
  clusterDomain: 'cluster.local',
};

/**
 * Pods the harness runs itself (the cluster DNS, the ingress controller) carry this annotation:
 * the kubelet and the controllers leave them alone; the network treats them as any other pod.
 */
export const HARNESS_POD_ANNOTATION = 'e2e.superset-k8s/run-by';

/** What the network gives a pod: its own network namespace and address. */
export interface PodNetworkHandle {
  /** Name under /run/netns (usable with `ip netns exec` and `nsenter --net=/run/netns/<name>`). */
  readonly netns: string;
  readonly ip: string;
}

/**
 * Pod networking, Services, DNS and NetworkPolicies (test/e2e/harness/network/). Runs in the
 * harness process, which itself runs inside the node network namespace. It watches the store:
 * Pods (status.podIP, labels, the Ready condition, deletion), Services, Endpoints of
 * selector-less Services, NetworkPolicies and Namespaces, and keeps every pod's nftables rules,
 * the Service translation and the DNS records current.
 */
export interface ClusterNetwork {
  /** Bridge, node address, forwarding, the cluster DNS pod and its Service. */
  start(): Promise<void>;
  /**
   * A fresh network namespace on the bridge for `pod` (called by the kubelet before any container
   * starts; the pod's labels and namespace decide the policies). The caller then records the IP in
   * the Pod's status.podIP; rules follow the store from then on.
   */
  attachPod(pod: KubeObject): Promise<PodNetworkHandle>;
  /** Deletes the pod's network namespace (after its processes are gone). */
  detachPod(pod: KubeObject): Promise<void>;
  /**
   * A namespace outside the cluster (in externalCidr) for a stand-in of the outside world, with the
   * DNS names that resolve to it from inside the cluster (e.g. "s3.example.com").
   */
  attachExternal(name: string, hostnames: readonly string[]): Promise<PodNetworkHandle>;
  /** resolv.conf a pod of `namespace` gets (search path, ndots, the DNS Service). */
  resolvConf(namespace: string): string;
  /** Resolves once every pod's rules and the DNS reflect the store as of now (tests and scenarios). */
  settled(): Promise<void>;
  /** Removes every namespace, rule and process it created. */
  stop(): Promise<void>;
}

/** The part of the Kubernetes API that pods call (Patroni's Kubernetes DCS), with RBAC enforced. */
export interface KubeApiServer {
  /** Serves HTTPS on nodeIp:6443 with a throwaway CA. */
  start(): Promise<void>;
  /** Bearer token of a ServiceAccount (what the kubelet mounts as .../serviceaccount/token). */
  tokenFor(namespace: string, serviceAccount: string): string;
  /** PEM of the CA that signed the serving certificate (mounted as .../serviceaccount/ca.crt). */
  readonly caCertPem: string;
  /** Every request it answered: for reports and for asserting what a pod did. */
  readonly requests: ReadonlyArray<{ readonly user: string; readonly verb: string; readonly path: string; readonly status: number }>;
  stop(): Promise<void>;
}

/** How one container image is stood in for. */
export interface ImageStandIn {
  /** The image reference as the manifest names it. */
  readonly image: string;
  /** Absolute path of a ready root filesystem (mounted read-only: never write into it). */
  readonly root: string;
  /** The image's ENTRYPOINT and CMD (used when the container sets no command or args). */
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** The image's ENV (PATH and the like), under the container's own env. */
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir: string;
  /** The image's USER, used when the pod sets no runAsUser/runAsGroup. */
  readonly user: { readonly uid: number; readonly gid: number };
  /** What differs from the real image (for the report and the docs' stand-in table). */
  readonly differences: readonly string[];
}

/** Image stand-ins (test/e2e/harness/images/). */
export interface ImageStandIns {
  /** The stand-in of an image reference; throws naming the image when there is none. */
  standInFor(image: string): ImageStandIn;
  /** Builds (or finds in the cache) the roots these images need. */
  ensureRoots(images: readonly string[], log: (line: string) => void): Promise<void>;
}

export type { KubeObject, ObjectStore };
