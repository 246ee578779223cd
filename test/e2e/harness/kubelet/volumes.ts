import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { KubeObject } from '../store';
import { removeTree } from './container';

/* eslint-disable @typescript-eslint/no-explicit-any */

// The pod's volumes as the kubelet sets them up: each one a directory on the node that the
// containers bind-mount. ConfigMap, Secret and ServiceAccount-token volumes are written the way
// the kubelet's atomic writer writes them (a timestamped directory, a `..data` symlink, one
// symlink per top-level entry), so the files a container sees have the same names, modes and
// owners as on a cluster, and an updated Secret appears atomically.

/** A volume is not ready yet (a ConfigMap or Secret it needs does not exist): the kubelet retries. */
export class VolumeNotReadyError extends Error {}

/** A volume the harness cannot set up (an unsupported type): fails the run. */
export class UnsupportedVolumeError extends Error {}

export interface PreparedVolume {
  readonly name: string;
  /** Directory on the node. */
  readonly hostPath: string;
  readonly type: 'configMap' | 'secret' | 'emptyDir' | 'persistentVolumeClaim' | 'serviceAccountToken' | 'projected';
  /** Mount options a tmpfs needs (medium: Memory), for cleanup. */
  readonly tmpfs?: boolean;
}

export interface VolumeContext {
  readonly pod: KubeObject;
  /** Directory of this pod on the node (volumes go under it). */
  readonly podDir: string;
  /** Directory of the PersistentVolumes of the run (they outlive pods). */
  readonly persistentDir: string;
  /** Reads a ConfigMap or Secret of the pod's namespace from the store. */
  readonly lookup: (kind: 'ConfigMap' | 'Secret', name: string) => KubeObject | undefined;
  /** ServiceAccount token content (automount or a projected token source), when the pod gets one. */
  readonly serviceAccount?: { readonly token: string; readonly caCertPem: string };
}

/** The ConfigMap kube-controller-manager publishes in every namespace with the API's CA (ca.crt). */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';

/** Where the kubelet mounts the ServiceAccount token. */
export const SERVICE_ACCOUNT_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The name of the automounted token volume (the real kubelet adds a random suffix). */
export const SERVICE_ACCOUNT_VOLUME = 'kube-api-access';

const RW_MASK = 0o660;
const RO_MASK = 0o440;
const EXEC_MASK = 0o110;

/**
 * The kubelet's SetVolumeOwnership: every file gets group `fsGroup` and the group bits of `mask`;
 * directories also get setgid and group execute. Symlinks are skipped (chmod would follow them).
 */
export function applyFsGroup(root: string, fsGroup: number, readOnly: boolean): void {
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    if (st.isSymbolicLink()) return;
    fs.lchownSync(p, st.uid, fsGroup);
    let mask = readOnly ? RO_MASK : RW_MASK;
    let mode = st.mode & 0o7777;
    if (st.isDirectory()) {
      mask |= 0o2000 | EXEC_MASK;
      mode |= mask;
      fs.chmodSync(p, mode);
      for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
    } else {
      fs.chmodSync(p, mode | mask);
    }
  };
  walk(root);
}

/** fsGroupChangePolicy OnRootMismatch: the walk is needed unless the volume's root already fits. */
export function rootNeedsOwnershipChange(root: string, fsGroup: number, readOnly: boolean): boolean {
  const st = fs.statSync(root);
  if (st.gid !== fsGroup) return true;
  if (!st.isDirectory()) return true;
  const wanted = (readOnly ? RO_MASK : RW_MASK) | EXEC_MASK;
  if ((st.mode & wanted) !== wanted) return true;
  return (st.mode & 0o2000) === 0;
}

/** Writes `files` (relative path -> content, mode) into `dir` as the kubelet's atomic writer does. */
export function atomicWrite(dir: string, files: ReadonlyArray<{ readonly path: string; readonly content: Buffer; readonly mode: number }>): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const stamp = `..${new Date().toISOString().replace(/[-:]/g, '_').replace('T', '_').replace('Z', '')}.${process.hrtime.bigint() % 1000000000n}`;
  const tsDir = path.join(dir, stamp);
  fs.mkdirSync(tsDir, { mode: 0o755 });
  fs.chmodSync(tsDir, 0o755);
  for (const f of files) {
    const target = path.join(tsDir, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    fs.writeFileSync(target, f.content);
    fs.chmodSync(target, f.mode);
  }
  const previous = fs.existsSync(path.join(dir, '..data')) ? fs.readlinkSync(path.join(dir, '..data')) : undefined;
  const tmpLink = path.join(dir, '..data_tmp');
  fs.rmSync(tmpLink, { force: true });
  fs.symlinkSync(stamp, tmpLink);
  fs.renameSync(tmpLink, path.join(dir, '..data'));
  const top = new Set(files.map((f) => f.path.split('/')[0]));
  for (const name of top) {
    const link = path.join(dir, name);
    if (!fs.existsSync(link)) fs.symlinkSync(path.join('..data', name), link);
  }
  // Entries of an older version that the new one no longer has.
  for (const entry of fs.readdirSync(dir)) {
    if (entry.startsWith('..')) continue;
    if (!top.has(entry)) fs.rmSync(path.join(dir, entry), { force: true, recursive: true });
  }
  if (previous && previous !== stamp) fs.rmSync(path.join(dir, previous), { recursive: true, force: true });
}

/** Files of a ConfigMap or Secret volume, with `items` and modes as the API defines them. */
export function projectedFiles(source: any, data: Record<string, Buffer>, where: string): Array<{ path: string; content: Buffer; mode: number }> {
  const defaultMode = source.defaultMode ?? 0o644;
  if (source.items) {
    return source.items.flatMap((item: any) => {
      if (!(item.key in data)) {
        if (source.optional) return [];
        throw new VolumeNotReadyError(`${where}: key "${item.key}" is not in the referenced object`);
      }
      return [{ path: item.path, content: data[item.key], mode: item.mode ?? defaultMode }];
    });
  }
  return Object.entries(data).map(([key, content]) => ({ path: key, content, mode: defaultMode }));
}

function dataOf(object: KubeObject): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(object.data ?? {})) out[k] = object.kind === 'Secret' ? Buffer.from(String(v), 'base64') : Buffer.from(String(v));
  for (const [k, v] of Object.entries(object.binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  for (const [k, v] of Object.entries(object.stringData ?? {})) out[k] = Buffer.from(String(v));
  return out;
}

/** Whether the pod projects a ServiceAccount token itself (a `projected` volume with a token source). */
export function projectsToken(pod: KubeObject): boolean {
  return (pod.spec.volumes ?? []).some((v: any) => (v.projected?.sources ?? []).some((s: any) => s.serviceAccountToken));
}

/** The files of one `projected` volume: token, ConfigMap, Secret and downward API (metadata) sources. */
function projectedVolumeFiles(volume: any, ctx: VolumeContext, where: string): Array<{ path: string; content: Buffer; mode: number }> {
  const defaultMode: number = volume.projected.defaultMode ?? 0o644;
  const pod = ctx.pod;
  return (volume.projected.sources ?? []).flatMap((source: any) => {
    if (source.serviceAccountToken) {
      if (!ctx.serviceAccount) throw new UnsupportedVolumeError(`${where}: no ServiceAccount token available`);
      return [{ path: source.serviceAccountToken.path, content: Buffer.from(ctx.serviceAccount.token), mode: defaultMode }];
    }
    if (source.configMap || source.secret) {
      const kind = source.configMap ? 'ConfigMap' : 'Secret';
      const ref = source.configMap ?? source.secret;
      const object = ctx.lookup(kind, ref.name)
        // No controller publishes kube-root-ca.crt here: the harness's CA stands for it.
        ?? (kind === 'ConfigMap' && ref.name === ROOT_CA_CONFIG_MAP && ctx.serviceAccount
          ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIG_MAP }, data: { 'ca.crt': ctx.serviceAccount.caCertPem } } as KubeObject
          : undefined);
      if (!object) {
        if (ref.optional) return [];
        throw new VolumeNotReadyError(`${where}: ${kind} "${ref.name}" not found`);
      }
      return projectedFiles({ ...ref, defaultMode }, dataOf(object), `${where} (${kind} "${ref.name}")`);
    }
    if (source.downwardAPI) {
      return (source.downwardAPI.items ?? []).map((item: any) => {
        const field: string | undefined = item.fieldRef?.fieldPath;
        const value = field === 'metadata.namespace' ? pod.metadata.namespace ?? 'default'
          : field === 'metadata.name' ? pod.metadata.name
            : undefined;
        if (value === undefined) throw new UnsupportedVolumeError(`${where}: downwardAPI item ${item.path} (${field ?? 'resourceFieldRef'}) is not supported by the harness`);
        return { path: item.path, content: Buffer.from(value), mode: item.mode ?? defaultMode };
      });
    }
    throw new UnsupportedVolumeError(`${where}: projected source ${Object.keys(source).join(', ')} is not supported by the harness`);
  });
}

/** The volumes of the pod, plus the automounted ServiceAccount token when it gets one. */
export function volumeSpecs(pod: KubeObject, automountToken: boolean): any[] {
  const volumes = [...(pod.spec.volumes ?? [])];
  if (automountToken) volumes.push({ name: SERVICE_ACCOUNT_VOLUME, serviceAccountToken: true });
  return volumes;
}

/** Sets up one volume on the node; for ConfigMap/Secret/token volumes, (re)writes their files. */
export function prepareVolume(volume: any, ctx: VolumeContext): PreparedVolume {
  const pod = ctx.pod;
  const where = `Pod ${pod.metadata.namespace}/${pod.metadata.name} volume ${volume.name}`;
  const fsGroup: number | undefined = pod.spec.securityContext?.fsGroup;
  const dir = path.join(ctx.podDir, 'volumes', volume.name);

  if (volume.configMap || volume.secret) {
    const kind = volume.configMap ? 'ConfigMap' : 'Secret';
    const source = volume.configMap ?? volume.secret;
    const name = volume.configMap ? source.name : source.secretName;
    const object = ctx.lookup(kind, name);
    let files: Array<{ path: string; content: Buffer; mode: number }> = [];
    if (!object) {
      if (!source.optional) throw new VolumeNotReadyError(`${where}: ${kind} "${name}" not found`);
    } else {
      files = projectedFiles(source, dataOf(object), `${where} (${kind} "${name}")`);
    }
    atomicWrite(dir, files);
    if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, true);
    return { name: volume.name, hostPath: dir, type: volume.configMap ? 'configMap' : 'secret' };
  }

  if (volume.serviceAccountToken === true) {
    if (!ctx.serviceAccount) throw new UnsupportedVolumeError(`${where}: no ServiceAccount token available`);
    atomicWrite(dir, [
      { path: 'token', content: Buffer.from(ctx.serviceAccount.token), mode: 0o644 },
      { path: 'ca.crt', content: Buffer.from(ctx.serviceAccount.caCertPem), mode: 0o644 },
      { path: 'namespace', content: Buffer.from(pod.metadata.namespace ?? 'default'), mode: 0o644 },
    ]);
    if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, true);
    return { name: volume.name, hostPath: dir, type: 'serviceAccountToken' };
  }

  if (volume.projected) {
    atomicWrite(dir, projectedVolumeFiles(volume, ctx, where));
    if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, true);
    return { name: volume.name, hostPath: dir, type: 'projected' };
  }

  if (volume.emptyDir) {
    fs.mkdirSync(dir, { recursive: true });
    let tmpfs = false;
    if (volume.emptyDir.medium === 'Memory') {
      const size = volume.emptyDir.sizeLimit ? `,size=${tmpfsSize(volume.emptyDir.sizeLimit)}` : '';
      execFileSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir]);
      tmpfs = true;
    } else if (volume.emptyDir.medium) {
      throw new UnsupportedVolumeError(`${where}: emptyDir medium "${volume.emptyDir.medium}" is not supported by the harness`);
    }
    fs.chmodSync(dir, 0o777);
    if (fsGroup !== undefined) applyFsGroup(dir, fsGroup, false);
    return { name: volume.name, hostPath: dir, type: 'emptyDir', tmpfs };
  }

  if (volume.persistentVolumeClaim) {
    const claim = volume.persistentVolumeClaim.claimName;
    const pv = path.join(ctx.persistentDir, pod.metadata.namespace ?? 'default', claim);
    if (!fs.existsSync(pv)) {
      // A freshly provisioned volume: an empty directory owned by root, as most provisioners make it.
      fs.mkdirSync(pv, { recursive: true, mode: 0o755 });
      fs.chmodSync(pv, 0o755);
    }
    if (fsGroup !== undefined) {
      const policy = pod.spec.securityContext?.fsGroupChangePolicy ?? 'Always';
      if (policy === 'Always' || rootNeedsOwnershipChange(pv, fsGroup, false)) applyFsGroup(pv, fsGroup, false);
    }
    return { name: volume.name, hostPath: pv, type: 'persistentVolumeClaim' };
  }

  const kinds = Object.keys(volume).filter((k) => k !== 'name');
  throw new UnsupportedVolumeError(`${where}: volume type ${kinds.join(', ')} is not supported by the harness`);
}

/** tmpfs size option from a Kubernetes quantity (bytes). */
function tmpfsSize(limit: string): string {
  const m = String(limit).match(/^(\d+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/);
  if (!m) throw new UnsupportedVolumeError(`emptyDir sizeLimit "${limit}" is not a quantity the harness understands`);
  const units: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
  return String(Number(m[1]) * (m[2] ? units[m[2]] : 1));
}

/** Removes a pod's volumes from the node (persistent volumes stay). */
export function cleanupVolumes(podDir: string): void {
  removeTree(path.join(podDir, 'volumes'));
}
