import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageStandIn, ImageStandIns, ClusterNetwork, PodNetworkHandle } from '../contracts';
import { ADDRESSES } from '../contracts';
import type { KubeObject, ObjectStore } from '../store';
import { NotFoundError } from '../store';
import { ContainerConfigError, containerArgv, containerEnv, KeyLookup } from './env';
import { ContainerSpec, execInContainer, ExecResult, killGroup, Mount, removeRoot, removeTree, RunningContainer, startContainer } from './container';
import { probeTiming, ProbeResult, runProbe, validateProbe } from './probes';
import { cleanupVolumes, PreparedVolume, prepareVolume, SERVICE_ACCOUNT_MOUNT, SERVICE_ACCOUNT_VOLUME, UnsupportedVolumeError, VolumeNotReadyError, projectsToken, volumeSpecs } from './volumes';
import { Recorder } from './recorder';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface KubeletDeps {
  readonly store: ObjectStore;
  readonly network: ClusterNetwork;
  readonly images: ImageStandIns;
  /** Mints ServiceAccount tokens and knows the API server's CA. */
  readonly serviceAccounts: { tokenFor(namespace: string, serviceAccount: string): string; readonly caCertPem: string };
  /** Directory of the run: pods/, volumes/, logs/. */
  readonly runDir: string;
  readonly recorder: Recorder;
  /**
   * PEM of an authority the images must trust (the outside world's stand-ins), added to each
   * image's system CA bundle as a public CA is in a real image's bundle.
   */
  readonly trustedCaPem?: () => string;
}

/** The system CA bundle of Debian-based images (curl, OpenSSL, Python's certifi in Debian read it). */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/** The kubelet's restart back-off: 10 s, doubling, at most 5 minutes; reset after 10 minutes of running. */
export const BACKOFF = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Mount points the kubelet itself provides in every container. */
function kubeletFiles(podDir: string, pod: KubeObject, ip: string, resolvConf: string): Mount[] {
  const etc = path.join(podDir, 'etc');
  fs.mkdirSync(etc, { recursive: true });
  const hostname = pod.spec.hostname ?? pod.metadata.name.slice(0, 63);
  const fqdn = pod.spec.subdomain ? `${hostname}.${pod.spec.subdomain}.${pod.metadata.namespace}.svc.${ADDRESSES.clusterDomain}` : undefined;
  const hosts = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    fqdn ? `${ip}\t${fqdn}\t${hostname}` : `${ip}\t${hostname}`,
    '',
  ].join('\n');
  const files = { hosts, 'resolv.conf': resolvConf, hostname: `${hostname}\n` };
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(etc, name), content);
    fs.chmodSync(path.join(etc, name), 0o644);
  }
  return Object.keys(files).map((name) => ({ source: path.join(etc, name), target: `/etc/${name}`, readOnly: false }));
}

type ContainerState =
  | { readonly waiting: { readonly reason: string; readonly message?: string } }
  | { readonly running: { readonly startedAt: string } }
  | { readonly terminated: { readonly exitCode: number; readonly reason: string; readonly message?: string; readonly startedAt?: string; readonly finishedAt: string } };

/** One container of the pod: its process, restarts and probes. */
class ContainerRunner {
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | undefined;
  restartCount = 0;
  ready = false;
  started = false;
  private running?: RunningContainer;
  private pid?: number;
  /** Bumped at every start, so probe loops of an old process end. */
  private generation = 0;
  private env: Record<string, string> = {};
  private user!: Pick<ContainerSpec, 'uid' | 'gid' | 'groups' | 'noNewPrivileges'>;

  constructor(
    private readonly pod: PodRunner,
    readonly spec: any,
    readonly init: boolean,
  ) {}

  get where(): string {
    return `${this.pod.where} ${this.init ? 'init container' : 'container'} ${this.spec.name}`;
  }

  get logFile(): string {
    return path.join(this.pod.deps.runDir, 'logs', `${this.pod.namespace}_${this.pod.name}_${this.spec.name}.log`);
  }

  /** Starts the process; resolves with its exit code when it ends. */
  async runOnce(): Promise<number> {
    const image = this.pod.imageOf(this.spec);
    const { env, expansion } = containerEnv(this.pod.object, this.spec, image.env, this.pod.keyLookup);
    const argv = containerArgv(this.spec, image.entrypoint, image.cmd, expansion, this.where);
    const sc = this.pod.securityFor(this.spec, image);
    this.env = env;
    this.user = sc;
    const layerDir = path.join(this.pod.podDir, 'containers', `${this.spec.name}`);
    removeRoot(layerDir);
    const spec: ContainerSpec = {
      imageRoot: image.root,
      layerDir,
      readOnlyRoot: this.spec.securityContext?.readOnlyRootFilesystem === true,
      mounts: [...this.pod.kubeletMounts, ...this.trustMount(image), ...this.pod.mountsFor(this.spec)],
      hostname: this.pod.hostname,
      workingDir: this.spec.workingDir ?? image.workingDir,
      ...sc,
      argv,
      env,
      netns: this.pod.netns!.netns,
      logFile: this.logFile,
    };
    fs.appendFileSync(this.logFile, `--- harness: ${this.where} starting (restart ${this.restartCount}) at ${new Date().toISOString()}\n`);
    const startedAt = new Date().toISOString();
    this.generation++;
    const running = startContainer(spec);
    this.running = running;
    // Deleted while it was being created: it gets stopped at once, like any running container.
    if (this.pod.terminating) void this.stop(0, false);
    this.pid = await running.pid.catch(() => undefined);
    this.state = { running: { startedAt } };
    this.pod.statusChanged();
    if (!this.init) this.startProbes(this.generation);
    const code = await running.exited;
    this.running = undefined;
    this.pid = undefined;
    this.ready = false;
    this.started = false;
    removeRoot(layerDir);
    this.state = { terminated: { exitCode: code, reason: code === 0 ? 'Completed' : 'Error', message: code !== 0 ? this.tail(20) : undefined, startedAt, finishedAt: new Date().toISOString() } };
    this.pod.statusChanged();
    return code;
  }

  /** The image's CA bundle with the outside world's authority added, when the image has a bundle. */
  private trustMount(image: ImageStandIn): Mount[] {
    const extra = this.pod.deps.trustedCaPem?.();
    const bundle = path.join(image.root, CA_BUNDLE);
    if (!extra || !fs.existsSync(bundle)) return [];
    const file = path.join(this.pod.podDir, 'etc', `ca-bundle-${this.spec.name}.crt`);
    fs.writeFileSync(file, `${fs.readFileSync(bundle, 'utf8')}\n${extra}`);
    fs.chmodSync(file, 0o644);
    return [{ source: file, target: CA_BUNDLE, readOnly: true }];
  }

  /** The last lines of this container's log (FallbackToLogsOnError). */
  tail(lines: number): string {
    try {
      const text = fs.readFileSync(this.logFile, 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  async exec(argv: readonly string[], timeoutMs: number, input?: string): Promise<ExecResult> {
    if (this.pid === undefined) return { exitCode: 126, output: `${this.where} is not running`, timedOut: false };
    const r = await execInContainer(this.pid, this.running?.process.pid, this.user, this.env, argv, timeoutMs, input);
    // The container ended while the command was entering it: say that, not what nsenter saw.
    if (r.exitCode === 127 && r.output.startsWith('nsenter:') && !this.isRunning) return { exitCode: 126, output: `${this.where} exited while the command started`, timedOut: false };
    return r;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** preStop, SIGTERM, then SIGKILL when the grace period is over (from when this began). */
  async stop(graceSeconds: number, runPreStop: boolean): Promise<void> {
    const running = this.running;
    if (!running) return;
    const deadline = Date.now() + graceSeconds * 1000;
    const preStop = this.spec.lifecycle?.preStop;
    if (runPreStop && preStop && !this.init) {
      const budget = Math.max(0, deadline - Date.now());
      const r = await this.runHandler(preStop, budget);
      if (!r.success) this.pod.deps.recorder.event(this.pod.object, 'FailedPreStopHook', `${this.where}: ${r.message}`);
    }
    const pid = await running.pid.catch(() => undefined);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // gone
      }
    }
    // The kubelet gives at least 2 s after a preStop hook that used up the grace period.
    const left = Math.max(deadline - Date.now(), runPreStop && preStop ? 2000 : 0);
    const done = await Promise.race([running.exited.then(() => true), sleep(left).then(() => false)]);
    if (!done) {
      if (graceSeconds > 0) this.pod.deps.recorder.event(this.pod.object, 'Killing', `${this.where} did not stop within its grace period (${graceSeconds} s): SIGKILL`);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      killGroup(running.process, 'SIGKILL');
      await running.exited;
    }
  }

  /** Sends a signal to the container's PID 1 (a scenario's `kill`). */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const pid = await this.running?.pid.catch(() => undefined);
    if (pid !== undefined) process.kill(pid, sig);
  }

  private async runHandler(handler: any, budgetMs: number): Promise<ProbeResult> {
    if (handler.sleep) {
      await sleep(Math.min(budgetMs, handler.sleep.seconds * 1000));
      return { success: true, message: 'slept' };
    }
    return runProbe({ ...handler, timeoutSeconds: Math.max(1, Math.floor(budgetMs / 1000)) }, this.probeContext());
  }

  private probeContext() {
    return {
      podIp: this.pod.netns!.ip,
      containerPorts: this.spec.ports ?? [],
      exec: (argv: readonly string[], timeoutMs: number) => this.exec(argv, timeoutMs),
      where: this.where,
    };
  }

  /** The kubelet's probe workers for this run of the container. */
  private startProbes(generation: number): void {
    const alive = () => this.generation === generation && this.running !== undefined && !this.pod.terminating;
    const loop = async (kind: 'startup' | 'liveness' | 'readiness', probe: any, onResult: (ok: boolean, r: ProbeResult, streak: number) => boolean | void) => {
      const t = probeTiming(probe);
      if (t.initialDelaySeconds > 0) await sleep(t.initialDelaySeconds * 1000);
      let successes = 0;
      let failures = 0;
      while (alive()) {
        const r = await runProbe(probe, this.probeContext()).catch((e) => ({ success: false, message: String(e.message ?? e) }));
        if (!alive()) return;
        if (r.success) {
          successes++;
          failures = 0;
        } else {
          failures++;
          successes = 0;
          this.pod.lastProbeFailure.set(`${this.spec.name}/${kind}`, r.message);
        }
        if (onResult(r.success, r, r.success ? successes : failures) === true) return;
        await sleep(t.periodSeconds * 1000);
      }
    };

    const startup = this.spec.startupProbe;
    const afterStartup = () => {
      this.started = true;
      if (!this.spec.readinessProbe) this.ready = true;
      this.pod.statusChanged();
      if (this.spec.readinessProbe) {
        const t = probeTiming(this.spec.readinessProbe);
        void loop('readiness', this.spec.readinessProbe, (ok, r, streak) => {
          const before = this.ready;
          if (ok && streak >= t.successThreshold) this.ready = true;
          if (!ok && streak >= t.failureThreshold) this.ready = false;
          if (before !== this.ready) {
            if (!this.ready) this.pod.deps.recorder.event(this.pod.object, 'Unhealthy', `${this.where}: readiness probe failed: ${r.message}`);
            this.pod.statusChanged();
          }
        });
      }
      if (this.spec.livenessProbe) {
        const t = probeTiming(this.spec.livenessProbe);
        void loop('liveness', this.spec.livenessProbe, (ok, r, streak) => {
          if (!ok && streak >= t.failureThreshold) {
            this.pod.deps.recorder.event(this.pod.object, 'Unhealthy', `${this.where}: liveness probe failed ${streak} times, restarting: ${r.message}`);
            void this.stop(this.pod.gracePeriodSeconds, true);
            return true;
          }
          return undefined;
        });
      }
    };
    if (startup) {
      const t = probeTiming(startup);
      void loop('startup', startup, (ok, r, streak) => {
        if (ok && streak >= t.successThreshold) {
          afterStartup();
          return true;
        }
        if (!ok && streak >= t.failureThreshold) {
          this.pod.deps.recorder.event(this.pod.object, 'Unhealthy', `${this.where}: startup probe failed ${streak} times, restarting: ${r.message}`);
          void this.stop(this.pod.gracePeriodSeconds, true);
          return true;
        }
        return undefined;
      });
    } else {
      afterStartup();
    }
  }

  status(): any {
    return {
      name: this.spec.name,
      image: this.spec.image,
      ready: this.ready,
      started: this.init ? undefined : this.started,
      restartCount: this.restartCount,
      state: this.state,
      ...(this.lastState ? { lastState: this.lastState } : {}),
    };
  }
}

/** One pod on the node, from network namespace to deletion. */
export class PodRunner {
  readonly where: string;
  netns?: PodNetworkHandle;
  podDir: string;
  kubeletMounts: Mount[] = [];
  terminating = false;
  readonly lastProbeFailure = new Map<string, string>();
  private volumes: PreparedVolume[] = [];
  /** Set once every volume was set up (only then are ConfigMap/Secret updates projected). */
  private volumesReady = false;
  private readonly inits: ContainerRunner[];
  private readonly mains: ContainerRunner[];
  private initialized = false;
  private phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed' = 'Pending';
  private statusTimer?: NodeJS.Timeout;
  private lastStatusJson = '';
  private finished?: Promise<void>;
  private terminated = false;
  private podMessage?: string;

  constructor(readonly deps: KubeletDeps, public object: KubeObject) {
    this.where = `Pod ${object.metadata.namespace}/${object.metadata.name}`;
    this.podDir = path.join(deps.runDir, 'pods', `${object.metadata.namespace}_${object.metadata.name}_${(object.metadata.uid ?? '').slice(0, 8)}`);
    this.inits = (object.spec.initContainers ?? []).map((c: any) => new ContainerRunner(this, c, true));
    this.mains = (object.spec.containers ?? []).map((c: any) => new ContainerRunner(this, c, false));
  }

  get name(): string {
    return this.object.metadata.name;
  }

  get namespace(): string {
    return this.object.metadata.namespace ?? 'default';
  }

  get hostname(): string {
    return this.object.spec.hostname ?? this.name.slice(0, 63);
  }

  get gracePeriodSeconds(): number {
    return this.object.metadata.deletionGracePeriodSeconds ?? this.object.spec.terminationGracePeriodSeconds ?? 30;
  }

  get restartPolicy(): 'Always' | 'OnFailure' | 'Never' {
    return this.object.spec.restartPolicy ?? 'Always';
  }

  readonly keyLookup: KeyLookup = (kind, name, key) => {
    const o = this.deps.store.get(kind, this.namespace, name);
    if (!o) return { found: 'object-missing' };
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries<string>(o.data ?? {})) data[k] = kind === 'Secret' ? Buffer.from(v, 'base64').toString() : v;
    for (const [k, v] of Object.entries<string>(o.stringData ?? {})) data[k] = v;
    if (key === '*') return { value: JSON.stringify(data) };
    if (!(key in data)) return { found: 'key-missing' };
    return { value: data[key] };
  };

  imageOf(container: any): ImageStandIn {
    return this.deps.images.standInFor(container.image);
  }

  /** The user a container runs as: container securityContext over the pod's, over the image's USER. */
  securityFor(container: any, image: ImageStandIn): Pick<ContainerSpec, 'uid' | 'gid' | 'groups' | 'noNewPrivileges'> {
    const pod = this.object.spec.securityContext ?? {};
    const c = container.securityContext ?? {};
    const uid: number = c.runAsUser ?? pod.runAsUser ?? image.user.uid;
    const gid: number = c.runAsGroup ?? pod.runAsGroup ?? (c.runAsUser ?? pod.runAsUser ? 0 : image.user.gid);
    const nonRoot = c.runAsNonRoot ?? pod.runAsNonRoot;
    if (nonRoot && uid === 0) throw new ContainerConfigError(`${this.where} container ${container.name}: runAsNonRoot is set but it would run as root (uid 0)`);
    const groups = [gid, ...(pod.fsGroup !== undefined ? [pod.fsGroup] : []), ...(pod.supplementalGroups ?? [])];
    return { uid, gid, groups, noNewPrivileges: c.allowPrivilegeEscalation === false };
  }

  /** The container's volume mounts, resolved to directories on the node. */
  mountsFor(container: any): Mount[] {
    const where = `${this.where} container ${container.name}`;
    const out: Mount[] = [];
    for (const m of container.volumeMounts ?? []) {
      const v = this.volumes.find((x) => x.name === m.name);
      if (!v) throw new ContainerConfigError(`${where}: volumeMount ${m.name} refers to no volume of the pod`);
      let source = v.hostPath;
      if (m.subPath) {
        source = path.join(v.hostPath, m.subPath);
        if (!fs.existsSync(source)) {
          if (v.type === 'configMap' || v.type === 'secret') throw new ContainerConfigError(`${where}: subPath ${m.subPath} is not in volume ${m.name}`);
          fs.mkdirSync(source, { recursive: true });
        }
        // A subPath mount of a projected file binds the file itself, never the ..data symlink.
        source = fs.realpathSync(source);
      }
      const readOnly = m.readOnly === true || v.type === 'configMap' || v.type === 'secret' || v.type === 'serviceAccountToken' || v.type === 'projected';
      out.push({ source, target: m.mountPath, readOnly });
    }
    const token = this.volumes.find((v) => v.name === SERVICE_ACCOUNT_VOLUME);
    if (token && !out.some((m) => m.target === SERVICE_ACCOUNT_MOUNT)) out.push({ source: token.hostPath, target: SERVICE_ACCOUNT_MOUNT, readOnly: true });
    return out;
  }

  /** Whether the ServiceAccount token is mounted: the pod's setting wins over the ServiceAccount's. */
  private automountToken(): boolean {
    if (this.object.spec.automountServiceAccountToken !== undefined) return this.object.spec.automountServiceAccountToken;
    const sa = this.deps.store.get('ServiceAccount', this.namespace, this.object.spec.serviceAccountName ?? 'default');
    return sa?.automountServiceAccountToken ?? true;
  }

  /** Runs the pod until it ends or is deleted. */
  start(): Promise<void> {
    this.finished ??= this.run().catch((e) => {
      this.podMessage = String(e.message ?? e);
      this.deps.recorder.event(this.object, 'Failed', this.podMessage);
      this.phase = 'Failed';
      this.statusChanged();
    });
    return this.finished;
  }

  private async run(): Promise<void> {
    fs.mkdirSync(this.podDir, { recursive: true });
    fs.mkdirSync(path.join(this.deps.runDir, 'logs'), { recursive: true });
    this.netns = await this.deps.network.attachPod(this.object);
    this.kubeletMounts = kubeletFiles(this.podDir, this.object, this.netns.ip, this.deps.network.resolvConf(this.namespace));
    this.deps.store.update('Pod', this.namespace, this.name, (p) => {
      p.status = { ...(p.status ?? {}), phase: 'Pending', podIP: this.netns!.ip, podIPs: [{ ip: this.netns!.ip }], hostIP: ADDRESSES.nodeIp, startTime: new Date().toISOString() };
    });
    this.object = this.deps.store.get('Pod', this.namespace, this.name) ?? this.object;

    // Volumes: a missing ConfigMap or Secret keeps the pod in ContainerCreating, retried.
    const automount = this.automountToken();
    const serviceAccount = automount || projectsToken(this.object)
      ? { token: this.deps.serviceAccounts.tokenFor(this.namespace, this.object.spec.serviceAccountName ?? 'default'), caCertPem: this.deps.serviceAccounts.caCertPem }
      : undefined;
    for (const volume of volumeSpecs(this.object, automount)) {
      for (;;) {
        if (this.terminating) return;
        try {
          this.volumes.push(prepareVolume(volume, {
            pod: this.object,
            podDir: this.podDir,
            persistentDir: path.join(this.deps.runDir, 'persistent-volumes'),
            lookup: (kind, name) => this.deps.store.get(kind, this.namespace, name),
            serviceAccount,
          }));
          break;
        } catch (e) {
          if (e instanceof UnsupportedVolumeError) throw e;
          if (!(e instanceof VolumeNotReadyError)) throw e;
          this.podMessage = `MountVolume.SetUp failed: ${e.message}`;
          this.deps.recorder.event(this.object, 'FailedMount', e.message, true);
          this.statusChanged();
          await sleep(2000);
        }
      }
    }
    this.podMessage = undefined;
    this.volumesReady = true;
    for (const c of [...this.inits, ...this.mains]) {
      for (const [kind, probe] of [['startupProbe', c.spec.startupProbe], ['livenessProbe', c.spec.livenessProbe], ['readinessProbe', c.spec.readinessProbe]] as const) {
        if (probe) validateProbe(probe, { containerPorts: c.spec.ports ?? [], where: `${c.where} ${kind}` });
      }
    }

    // Init containers, in order: each must succeed before the next starts.
    for (const init of this.inits) {
      let backoff = BACKOFF.initialMs;
      for (;;) {
        if (this.terminating) return;
        const code = await this.startContainer(init);
        if (code === 0) break;
        if (this.terminating) return;
        this.deps.recorder.event(this.object, 'BackOff', `${init.where} exited ${code}${init.tail(3) ? `: ${init.tail(3).split('\n').join(' | ')}` : ''}`, true);
        if (this.restartPolicy === 'Never') {
          this.phase = 'Failed';
          this.podMessage = `${init.where} failed with exit code ${code}`;
          this.statusChanged();
          await this.releaseSandbox();
          return;
        }
        init.restartCount++;
        init.lastState = init.state;
        init.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoff / 1000} s restarting failed container` } };
        this.statusChanged();
        await this.sleepUnlessTerminating(backoff);
        backoff = Math.min(backoff * 2, BACKOFF.maxMs);
      }
    }
    this.initialized = true;
    this.phase = 'Running';
    this.statusChanged();

    await Promise.all(this.mains.map((c) => this.superviseMain(c)));
    if (this.terminating) return;
    const failed = this.mains.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
    this.phase = failed ? 'Failed' : 'Succeeded';
    this.statusChanged();
    await this.releaseSandbox();
  }

  private async startContainer(c: ContainerRunner): Promise<number> {
    try {
      return await c.runOnce();
    } catch (e) {
      if (e instanceof ContainerConfigError) {
        c.state = { waiting: { reason: 'CreateContainerConfigError', message: e.message } };
        this.deps.recorder.event(this.object, 'Failed', e.message, true);
        this.statusChanged();
        // The kubelet keeps retrying: a Secret created later fixes it.
        await this.sleepUnlessTerminating(5000);
        return -1;
      }
      throw e;
    }
  }

  /** A main container: run, and restart per restartPolicy with back-off, until the pod ends. */
  private async superviseMain(c: ContainerRunner): Promise<void> {
    let backoff = BACKOFF.initialMs;
    for (;;) {
      if (this.terminating) return;
      const started = Date.now();
      const code = await this.startContainer(c);
      if (this.terminating) return;
      if (code === -1) continue;
      const restart = this.restartPolicy === 'Always' || (this.restartPolicy === 'OnFailure' && code !== 0);
      if (!restart) return;
      if (Date.now() - started > BACKOFF.resetAfterMs) backoff = BACKOFF.initialMs;
      this.deps.recorder.event(this.object, 'BackOff', `${c.where} exited ${code}; restarting in ${backoff / 1000} s${code !== 0 && c.tail(3) ? `: ${c.tail(3).split('\n').join(' | ')}` : ''}`, true);
      c.restartCount++;
      c.lastState = c.state;
      c.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${backoff / 1000} s restarting failed container` } };
      this.statusChanged();
      await this.sleepUnlessTerminating(backoff);
      backoff = Math.min(backoff * 2, BACKOFF.maxMs);
    }
  }

  private async sleepUnlessTerminating(ms: number): Promise<void> {
    const end = Date.now() + ms;
    while (!this.terminating && Date.now() < end) await sleep(Math.min(500, end - Date.now()));
  }

  /** The container (main or init) by name, for exec and signals. */
  container(name?: string): ContainerRunner {
    const all = [...this.mains, ...this.inits];
    const c = name ? all.find((x) => x.spec.name === name) : this.mains[0];
    if (!c) throw new Error(`${this.where} has no container ${name}`);
    return c;
  }

  /** Graceful deletion: preStop, SIGTERM, SIGKILL after the grace period; then the pod is gone. */
  /**
   * A ConfigMap or Secret this pod mounts changed: its files are written again through the atomic
   * writer, as the kubelet's periodic sync does (subPath mounts keep the old file, as on a node).
   */
  refreshVolumes(kind: 'ConfigMap' | 'Secret', name: string): void {
    if (!this.volumesReady || this.terminating) return;
    for (const volume of volumeSpecs(this.object, false)) {
      const refers = kind === 'ConfigMap' ? volume.configMap?.name === name : volume.secret?.secretName === name;
      if (!refers) continue;
      try {
        prepareVolume(volume, {
          pod: this.object,
          podDir: this.podDir,
          persistentDir: path.join(this.deps.runDir, 'persistent-volumes'),
          lookup: (k, n) => this.deps.store.get(k, this.namespace, n),
        });
      } catch (e) {
        // A Secret deleted or a key missing now: the kubelet keeps the files it had and says so.
        this.deps.recorder.event(this.object, 'FailedMount', (e as Error).message, true);
      }
    }
  }

  async terminate(): Promise<void> {
    if (this.terminated) return;
    this.terminated = true;
    this.terminating = true;
    this.statusChanged();
    const grace = this.gracePeriodSeconds;
    await Promise.all([...this.inits, ...this.mains].map((c) => c.stop(grace, grace > 0)));
    await this.finished?.catch(() => undefined);
    await this.releaseSandbox();
    try {
      removeTree(this.podDir);
    } catch (e) {
      this.deps.recorder.event(this.object, 'CleanupFailed', `${this.podDir} could not be removed: ${(e as Error).message}`);
    }
    if (this.statusTimer) clearTimeout(this.statusTimer);
    try {
      this.deps.store.delete('Pod', this.namespace, this.name);
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }

  private sandboxReleased = false;

  /** Network namespace and volumes go when the pod is done (a terminal Job pod keeps its status). */
  private async releaseSandbox(): Promise<void> {
    if (this.sandboxReleased) return;
    this.sandboxReleased = true;
    cleanupVolumes(this.podDir);
    if (this.netns) await this.deps.network.detachPod(this.object).catch(() => undefined);
  }

  /** Writes the pod's status to the store (coalesced: probes flip readiness often). */
  statusChanged(): void {
    if (this.statusTimer) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      this.writeStatus();
    }, 20);
  }

  private writeStatus(): void {
    const ready = this.initialized && !this.terminating && this.mains.every((c) => c.ready);
    const now = new Date().toISOString();
    const status: any = {
      phase: this.phase,
      ...(this.podMessage ? { message: this.podMessage } : {}),
      initContainerStatuses: this.inits.map((c) => c.status()),
      containerStatuses: this.mains.map((c) => c.status()),
    };
    const json = JSON.stringify(status) + String(ready);
    if (json === this.lastStatusJson) return;
    this.lastStatusJson = json;
    try {
      this.deps.store.update('Pod', this.namespace, this.name, (p) => {
        const old = p.status ?? {};
        const condition = (type: string, value: boolean) => {
          const prev = (old.conditions ?? []).find((c: any) => c.type === type);
          const s = value ? 'True' : 'False';
          return { type, status: s, lastTransitionTime: prev?.status === s ? prev.lastTransitionTime : now };
        };
        p.status = {
          ...old,
          ...status,
          conditions: [
            condition('PodScheduled', true),
            condition('Initialized', this.initialized),
            condition('ContainersReady', this.mains.every((c) => c.ready)),
            condition('Ready', ready),
          ],
        };
      });
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }
}
