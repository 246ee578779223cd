import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { ADDRESSES, HARNESS_POD_ANNOTATION, type ClusterAddresses, type ClusterNetwork, type PodNetworkHandle } from '../contracts';
import type { KubeObject, ObjectStore, WatchEvent } from '../store';
import { explainDenied, parseDeniedSets, type BlockedConnection } from './blocked-connections';
import { clusterState, podKey, type ClusterState, type ExternalView, type PodAttachment } from './cluster-state';
import { dnsRecords, type DnsRecords } from './dns-records';
import { AddressPool } from './address-pool';
import { cidrRange, numberToIp } from './ipv4';
import { POLICY_TABLE, NAT_TABLE, renderRuleset } from './nft-ruleset';
import { compilePodPolicy } from './pod-policy';
import { NftApplier } from './nft-applier';
import { inNetns, runCommand } from './run-command';
import { serviceViews, type ServiceView } from './service-endpoints';
import { ServiceIpAllocator } from './service-ips';

export { HARNESS_POD_ANNOTATION };

const WATCHED_KINDS = new Set(['Pod', 'Service', 'Endpoints', 'NetworkPolicy', 'Namespace']);
const BRIDGE = 'br0';
const DNS_POD = { namespace: 'kube-system', name: 'cluster-dns' };

export interface NodeNetworkOptions {
  readonly store: ObjectStore;
  /** Names every network namespace `sk8s-<runId>-...`; default: env E2E_RUN_ID. */
  readonly runId?: string;
  readonly addresses?: ClusterAddresses;
  readonly log?: (line: string) => void;
  /** Changes closer together than this are applied together. */
  readonly debounceMs?: number;
}

interface Attachment {
  readonly key: string;
  readonly uid?: string;
  readonly namespace: string;
  readonly name: string;
  readonly ip: string;
  readonly netns: string;
  /** The Pod as last seen (used when the store no longer has it). */
  pod: KubeObject;
}

/** What one sync did, for figures in tests and scenarios. */
export interface SyncFigures {
  readonly milliseconds: number;
  /** Namespaces whose ruleset changed and was applied. */
  readonly applied: number;
  readonly pods: number;
}

/**
 * The cluster network on this node (ClusterNetwork): a bridge in the node network namespace, one
 * network namespace per pod with a veth on the bridge, Service translation and NetworkPolicies as
 * nftables rules inside every pod's namespace, and a DNS server in its own pod. It watches the
 * store and keeps all of that current; `settled()` waits until it is.
 */
export class NodeNetwork implements ClusterNetwork {
  readonly addresses: ClusterAddresses;
  private readonly store: ObjectStore;
  private readonly prefix: string;
  private readonly log: (line: string) => void;
  private readonly debounceMs: number;
  private readonly podPool: AddressPool;
  private readonly externalPool: AddressPool;
  private readonly serviceIps: ServiceIpAllocator;
  private readonly attachments = new Map<string, Attachment>();
  private readonly externals: ExternalView[] = [];
  /** Dropped connections of pods whose namespace is gone, as they were when it was deleted. */
  private readonly blockedAtDetach = new Map<string, BlockedConnection[]>();
  /** Every address ever handed out -> who had it (addresses are never reused in a run). */
  private readonly addressOwners = new Map<string, string>();
  private readonly applied = new Map<string, string>();
  private readonly netnsQueues = new Map<string, Promise<void>>();
  private readonly createdNetns = new Set<string>();
  private readonly syncListeners = new Set<(views: readonly ServiceView[]) => void>();
  private readonly nft = new NftApplier();
  private counter = 0;
  private unwatch?: () => void;
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private syncing?: Promise<void>;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private dns?: ChildProcess;
  private dnsSeq = 0;
  private dnsAcks = new Map<number, () => void>();
  private lastDnsRecords = '';
  private lastViews: ServiceView[] = [];
  private lastState?: ClusterState;
  private stopped = false;
  /** Figures of every sync, oldest first. */
  readonly figures: SyncFigures[] = [];

  constructor(options: NodeNetworkOptions) {
    this.store = options.store;
    this.addresses = options.addresses ?? ADDRESSES;
    const runId = options.runId ?? process.env.E2E_RUN_ID;
    if (!runId) throw new Error('NodeNetwork: no run id (set E2E_RUN_ID, as scripts/e2e.sh does, or pass runId)');
    this.prefix = `sk8s-${runId}`;
    this.log = options.log ?? (() => undefined);
    this.debounceMs = options.debounceMs ?? 15;
    const pods = cidrRange(this.addresses.podCidr);
    this.podPool = new AddressPool(this.addresses.podCidr, numberToIp(pods.base + 256 + 1), new Set([this.addresses.nodeIp]));
    const external = cidrRange(this.addresses.externalCidr);
    this.externalPool = new AddressPool(this.addresses.externalCidr, numberToIp(external.base + 2));
    this.serviceIps = new ServiceIpAllocator(this.addresses.serviceCidr, [this.addresses.apiServiceIp, this.addresses.dnsServiceIp]);
    this.addressOwners.set(this.addresses.nodeIp, 'node');
  }

  /** The external range's gateway on the bridge (the node's second address). */
  private get externalGateway(): string {
    return numberToIp(cidrRange(this.addresses.externalCidr).base + 1);
  }

  async start(): Promise<void> {
    this.assertInsideNodeNamespace();
    const podBits = cidrRange(this.addresses.podCidr).bits;
    const externalBits = cidrRange(this.addresses.externalCidr).bits;
    await runCommand('ip', ['-batch', '-'], [
      `link add ${BRIDGE} type bridge`,
      `addr add ${this.addresses.nodeIp}/${podBits} dev ${BRIDGE}`,
      `addr add ${this.externalGateway}/${externalBits} dev ${BRIDGE}`,
      `link set ${BRIDGE} up`,
      'link set lo up',
      // Locally generated packets need a route before the nat hook translates them: Service IPs
      // from the harness itself (the node) go out on the bridge once DNAT picked a backend.
      `route add ${this.addresses.serviceCidr} dev ${BRIDGE}`,
    ].join('\n'));
    await runCommand('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    // Bridged pod-to-pod traffic must not pass the node's own netfilter hooks (br_netfilter).
    await runCommand('sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0']).catch(() => undefined);
    this.nft.start();
    this.unwatch = this.store.watch((e) => this.onEvent(e));
    this.ensureClusterObjects();
    await this.startDns();
    await this.syncNow();
  }

  /** Refuses to touch the machine's own network: the harness must run inside the run's node namespace. */
  private assertInsideNodeNamespace(): void {
    const node = process.env.E2E_NODE_NETNS;
    const fix = 'run through scripts/e2e.sh (npm run e2e / npm run test:e2e), which starts the harness inside a node network namespace';
    if (!node) throw new Error(`NodeNetwork.start: E2E_NODE_NETNS is not set: ${fix}`);
    const self = statSync('/proc/self/ns/net');
    let theirs;
    try {
      theirs = statSync(`/run/netns/${node}`);
    } catch {
      throw new Error(`NodeNetwork.start: /run/netns/${node} does not exist: ${fix}`);
    }
    if (self.ino !== theirs.ino || self.dev !== theirs.dev) throw new Error(`NodeNetwork.start: this process is not inside network namespace ${node}: ${fix}`);
  }

  private ensureClusterObjects(): void {
    const createIfMissing = (o: KubeObject) => {
      if (!this.store.get(o.kind, o.metadata.namespace, o.metadata.name)) this.store.create(o);
    };
    for (const name of ['default', 'kube-system']) {
      createIfMissing({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } } });
    }
    createIfMissing({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: this.addresses.apiServiceIp, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
    createIfMissing({
      apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default' },
      subsets: [{ addresses: [{ ip: this.addresses.nodeIp }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    });
    createIfMissing({
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } },
      spec: {
        type: 'ClusterIP', clusterIP: this.addresses.dnsServiceIp, selector: { 'k8s-app': 'kube-dns' },
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
      },
    });
  }

  private async startDns(): Promise<void> {
    const pod = this.store.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { ...DNS_POD, labels: { 'k8s-app': 'kube-dns' }, annotations: { [HARNESS_POD_ANNOTATION]: 'cluster-network' } },
      spec: { containers: [{ name: 'dns', image: 'harness/cluster-dns', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }] },
      status: { phase: 'Pending' },
    });
    const handle = await this.attachPod(pod);
    const script = path.join(__dirname, 'dns-server-process.ts');
    const child = spawn(inNetns(handle.netns)[0], [...inNetns(handle.netns).slice(1), process.execPath, '--import', 'tsx', script, this.addresses.clusterDomain], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      cwd: path.resolve(__dirname, '../../../..'),
    });
    this.dns = child;
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: { listening?: boolean; applied?: number; error?: string }) => {
        if (m.listening) resolve();
        if (m.error) {
          this.log(m.error);
          reject(new Error(m.error));
        }
        if (m.applied !== undefined) {
          this.dnsAcks.get(m.applied)?.();
          this.dnsAcks.delete(m.applied);
        }
      });
      child.on('exit', (code, signal) => {
        if (!this.stopped) reject(new Error(`cluster DNS server exited (${code ?? signal}) before it was stopped`));
      });
    });
    const now = new Date().toISOString();
    this.store.update('Pod', DNS_POD.namespace, DNS_POD.name, (p) => {
      p.status = { phase: 'Running', podIP: handle.ip, podIPs: [{ ip: handle.ip }], hostIP: this.addresses.nodeIp, startTime: now,
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True', lastTransitionTime: now }] };
    });
  }

  private onEvent(e: WatchEvent): void {
    if (!WATCHED_KINDS.has(e.object.kind)) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.runSync();
    }, this.debounceMs);
  }

  /** Runs syncs until nothing is dirty; one at a time. */
  private runSync(): Promise<void> {
    if (this.syncing) return this.syncing;
    const run = async () => {
      try {
        while (this.dirty && !this.stopped) {
          this.dirty = false;
          await this.syncOnce();
        }
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w.resolve();
      } catch (e) {
        const error = e as Error;
        this.log(`network sync failed: ${error.message}`);
        const waiters = this.waiters;
        this.waiters = [];
        for (const w of waiters) w.reject(error);
      }
    };
    // Cleared in a callback (always after this assignment), even when run() had nothing to do.
    this.syncing = run().finally(() => {
      this.syncing = undefined;
    });
    return this.syncing;
  }

  private async syncNow(): Promise<void> {
    this.dirty = true;
    await this.settled();
  }

  settled(): Promise<void> {
    if (!this.dirty && !this.syncing && !this.timer) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.timer && !this.syncing) void this.runSync();
    });
  }

  /** The state as the store has it now, joined with the attachments. */
  private snapshot(): ClusterState {
    const attachments: PodAttachment[] = [];
    for (const a of this.attachments.values()) {
      const current = this.store.get('Pod', a.namespace, a.name);
      // Deleted from the store (or replaced by a new pod of the same name): it matches nothing any more.
      if (!current || (a.uid && current.metadata.uid !== a.uid)) continue;
      a.pod = current;
      attachments.push({ pod: a.pod, ip: a.ip, netns: a.netns });
    }
    return clusterState({
      attachments,
      externals: this.externals,
      services: this.store.list('Service'),
      endpoints: this.store.list('Endpoints'),
      policies: this.store.list('NetworkPolicy'),
      namespaces: this.store.list('Namespace'),
    });
  }

  private async syncOnce(): Promise<void> {
    const started = process.hrtime.bigint();
    const state = this.snapshot();
    const views = serviceViews(state, (s) => this.serviceIps.ipFor(s));
    const jobs: Array<{ netns?: string; text: string }> = [];
    for (const pod of state.pods) {
      const text = renderRuleset({ policy: compilePodPolicy(pod, state), services: views, nodeIp: this.addresses.nodeIp });
      if (this.applied.get(pod.netns) !== text) jobs.push({ netns: pod.netns, text });
    }
    const nodeText = renderRuleset({ services: views, nodeIp: this.addresses.nodeIp });
    if (this.applied.get('') !== nodeText) jobs.push({ text: nodeText });
    // The applier runs 8 at a time: an nft commit mostly waits for the kernel (33 namespaces took
    // ~130 ms that way here, ~460 ms one after the other).
    await Promise.all(jobs.map((j) => this.applyRuleset(j.netns, j.text)));
    await this.pushDns(dnsRecords(views, state.externals, this.addresses.clusterDomain));
    this.lastViews = views;
    this.lastState = state;
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    this.figures.push({ milliseconds, applied: jobs.length, pods: state.pods.length });
    for (const l of this.syncListeners) l(views);
  }

  /** Applies one namespace's ruleset (`netns` undefined: the node's), one nft run at a time per namespace. */
  private applyRuleset(netns: string | undefined, text: string): Promise<void> {
    const key = netns ?? '';
    const previous = this.netnsQueues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(async () => {
      if (this.applied.get(key) === text) return;
      if (netns && !this.createdNetns.has(netns)) return; // detached meanwhile
      try {
        await this.nft.apply(netns, text);
      } catch (e) {
        if (netns && !this.createdNetns.has(netns)) return;
        throw e;
      }
      this.applied.set(key, text);
    });
    this.netnsQueues.set(key, next);
    return next;
  }

  private async pushDns(records: DnsRecords): Promise<void> {
    const text = JSON.stringify(records);
    if (!this.dns || text === this.lastDnsRecords) return;
    const seq = ++this.dnsSeq;
    const dns = this.dns;
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`cluster DNS server (pid ${dns.pid}) did not take new records within 10 s (exit status ${dns.exitCode ?? 'none: still running'})`)), 10000);
      this.dnsAcks.set(seq, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    dns.send({ seq, records });
    await acked;
    this.lastDnsRecords = text;
  }

  private keyOf(pod: KubeObject): string {
    return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
  }

  private async createNamespace(netns: string, veth: string, ip: string, bits: number, gateway: string): Promise<void> {
    this.createdNetns.add(netns);
    await runCommand('ip', ['-batch', '-'], [
      `netns add ${netns}`,
      `link add ${veth} type veth peer name eth0 netns ${netns}`,
      `link set ${veth} master ${BRIDGE} up`,
    ].join('\n'));
    await runCommand('ip', ['-n', netns, '-batch', '-'], [
      'link set lo up',
      `addr add ${ip}/${bits} dev eth0`,
      'link set eth0 up',
      `route add default via ${gateway}`,
    ].join('\n'));
  }

  async attachPod(pod: KubeObject): Promise<PodNetworkHandle> {
    const key = this.keyOf(pod);
    if (!this.store.get('Pod', pod.metadata.namespace ?? 'default', pod.metadata.name)) throw new Error(`Pod ${key} is not in the store: create it before attachPod (its labels decide its NetworkPolicies)`);
    if (this.attachments.has(key)) throw new Error(`Pod ${key} already has a network namespace (${this.attachments.get(key)!.netns}); detachPod it first`);
    const n = ++this.counter;
    const netns = `${this.prefix}-p${n}`;
    const ip = this.podPool.allocate();
    const attachment: Attachment = { key, uid: pod.metadata.uid, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, ip, netns, pod };
    try {
      await this.createNamespace(netns, `vp${n}`, ip, cidrRange(this.addresses.podCidr).bits, this.addresses.nodeIp);
    } catch (e) {
      this.createdNetns.delete(netns);
      await runCommand('ip', ['netns', 'del', netns]).catch(() => undefined);
      throw new Error(`Pod ${key}: could not set up network namespace ${netns}: ${(e as Error).message}`);
    }
    this.attachments.set(key, attachment);
    this.addressOwners.set(ip, `Pod ${key}`);
    // The pod's own rules are in place before any of its containers can start.
    const state = this.snapshot();
    const self = state.pods.find((p) => p.netns === netns);
    if (self) {
      const views = serviceViews(state, (s) => this.serviceIps.ipFor(s));
      await this.applyRuleset(netns, renderRuleset({ policy: compilePodPolicy(self, state), services: views, nodeIp: this.addresses.nodeIp }));
    }
    this.schedule();
    return { netns, ip };
  }

  async detachPod(pod: KubeObject): Promise<void> {
    const key = this.keyOf(pod);
    const a = this.attachments.get(key);
    if (!a) return;
    // What its policies dropped outlives the namespace: a failed Job pod is explained afterwards.
    this.blockedAtDetach.set(key, await this.blockedConnections(a.namespace, a.name).catch(() => []));
    this.attachments.delete(key);
    this.createdNetns.delete(a.netns);
    this.applied.delete(a.netns);
    await (this.netnsQueues.get(a.netns) ?? Promise.resolve()).catch(() => undefined);
    this.netnsQueues.delete(a.netns);
    await runCommand('ip', ['netns', 'del', a.netns]);
    this.schedule();
  }

  async attachExternal(name: string, hostnames: readonly string[]): Promise<PodNetworkHandle> {
    if (this.externals.some((e) => e.name === name)) throw new Error(`external ${name} is already attached`);
    const n = ++this.counter;
    const netns = `${this.prefix}-x${n}`;
    const ip = this.externalPool.allocate();
    await this.createNamespace(netns, `vx${n}`, ip, cidrRange(this.addresses.externalCidr).bits, this.externalGateway);
    this.externals.push({ name, ip, netns, hostnames: [...hostnames] });
    this.addressOwners.set(ip, `external ${name} (${hostnames.join(', ')})`);
    this.schedule();
    return { netns, ip };
  }

  /**
   * An address of the outside world on the node itself (an extra address of the bridge), with
   * DNS names, for stand-ins that run in the harness process (object storage): pods reach it
   * through the node like any address outside the cluster, so only ipBlock rules allow it.
   */
  async addNodeAddress(name: string, hostnames: readonly string[]): Promise<string> {
    if (this.externals.some((e) => e.name === name)) throw new Error(`external ${name} is already attached`);
    const ip = this.externalPool.allocate();
    await runCommand('ip', ['addr', 'add', `${ip}/${cidrRange(this.addresses.externalCidr).bits}`, 'dev', BRIDGE]);
    this.externals.push({ name, ip, netns: '', hostnames: [...hostnames] });
    this.addressOwners.set(ip, `external ${name} (${hostnames.join(', ')})`);
    this.schedule();
    await this.settled();
    return ip;
  }

  resolvConf(namespace: string): string {
    const d = this.addresses.clusterDomain;
    return `search ${namespace}.svc.${d} svc.${d} ${d}\nnameserver ${this.addresses.dnsServiceIp}\noptions ndots:5\n`;
  }

  /** The network namespace and IP of an attached pod. */
  handleOf(namespace: string, name: string): PodNetworkHandle | undefined {
    const a = this.attachments.get(`${namespace}/${name}`);
    return a && { netns: a.netns, ip: a.ip };
  }

  /** The Service's ClusterIP (undefined for a headless or unknown Service). */
  serviceIp(namespace: string, name: string): string | undefined {
    const s = this.store.get('Service', namespace, name);
    return s ? this.serviceIps.ipFor(s) : undefined;
  }

  /** Services with their backends as of the last sync (what kube-proxy and the ingress controller route to). */
  services(): readonly ServiceView[] {
    return this.lastViews;
  }

  /** Calls `listener` after every sync with the Services' backends; returns the unsubscribe function. */
  onSynced(listener: (views: readonly ServiceView[]) => void): () => void {
    this.syncListeners.add(listener);
    return () => this.syncListeners.delete(listener);
  }

  /** Who had an address in this run ("Pod ns/name", "external ...", "node"). */
  ownerOf(ip: string): string {
    return this.addressOwners.get(ip) ?? 'unknown address';
  }

  /** What the pod's NetworkPolicies dropped so far, both directions, as sentences with the policy names. */
  async blockedConnections(namespace: string, name: string): Promise<BlockedConnection[]> {
    const a = this.attachments.get(`${namespace}/${name}`);
    if (!a) {
      const kept = this.blockedAtDetach.get(`${namespace}/${name}`);
      if (kept) return kept;
      throw new Error(`Pod ${namespace}/${name} has no network namespace (not attached, or detached)`);
    }
    const argv = [...inNetns(a.netns), 'nft', '-j', 'list', 'table', 'inet', POLICY_TABLE];
    const json = await runCommand(argv[0], argv.slice(1)).catch(() => '{"nftables":[]}');
    return explainDenied(`${namespace}/${name}`, parseDeniedSets(json), this.lastState ?? this.snapshot(), (ip) => this.ownerOf(ip));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    if (this.timer) clearTimeout(this.timer);
    await this.syncing?.catch(() => undefined);
    if (this.dns && this.dns.exitCode === null) {
      const exited = new Promise((resolve) => this.dns!.once('exit', resolve));
      this.dns.kill('SIGTERM');
      await exited;
    }
    for (const netns of [...this.createdNetns]) {
      await runCommand('ip', ['netns', 'del', netns]).catch((e) => this.log(`could not delete ${netns}: ${(e as Error).message}`));
      this.createdNetns.delete(netns);
    }
    await runCommand('nft', ['delete', 'table', 'ip', NAT_TABLE]).catch(() => undefined);
    await this.nft.stop();
    await runCommand('ip', ['link', 'del', BRIDGE]).catch(() => undefined);
    this.attachments.clear();
  }
}

export { podKey };
