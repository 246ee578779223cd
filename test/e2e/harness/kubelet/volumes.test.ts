// The harness's projected volumes, as the kubelet writes them: the ServiceAccount token, the
// API's CA from kube-root-ca.crt and the namespace from the downward API, only when the pod asks.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../store';
import { prepareVolume, projectsToken, UnsupportedVolumeError, VolumeNotReadyError } from './volumes';

/* eslint-disable @typescript-eslint/no-explicit-any */

const TOKEN_VOLUME = {
  name: 'api-token',
  projected: {
    defaultMode: 0o444,
    sources: [
      { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
};

const pod = (volumes: any[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'postgres-0', namespace: 'superset-dev' }, spec: { volumes, containers: [] } } as any);

describe('projected volumes', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'volumes-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const ctx = (p: KubeObject, extra: Record<string, unknown> = {}) => ({
    pod: p, podDir: dir, persistentDir: path.join(dir, 'pv'), lookup: () => undefined,
    serviceAccount: { token: 'the-token', caCertPem: 'CA PEM' }, ...extra,
  });

  it('writes token, ca.crt and namespace with the default mode', () => {
    const p = pod([TOKEN_VOLUME]);
    const v = prepareVolume(TOKEN_VOLUME, ctx(p));
    expect(v.type).toBe('projected');
    const read = (f: string) => fs.readFileSync(path.join(v.hostPath, f), 'utf8');
    expect([read('token'), read('ca.crt'), read('namespace')]).toEqual(['the-token', 'CA PEM', 'superset-dev']);
    expect(fs.statSync(path.join(v.hostPath, 'token')).mode & 0o777).toBe(0o444);
  });

  it('a pod projects a token only when a projected source asks for one', () => {
    expect(projectsToken(pod([TOKEN_VOLUME]))).toBe(true);
    expect(projectsToken(pod([{ name: 'x', emptyDir: {} }]))).toBe(false);
  });

  it('refuses a token source without a ServiceAccount token, and waits for a missing ConfigMap', () => {
    expect(() => prepareVolume(TOKEN_VOLUME, ctx(pod([TOKEN_VOLUME]), { serviceAccount: undefined }))).toThrow(UnsupportedVolumeError);
    const other = { name: 'cm', projected: { sources: [{ configMap: { name: 'absent' } }] } };
    expect(() => prepareVolume(other, ctx(pod([other])))).toThrow(VolumeNotReadyError);
  });
});
