// The resources this API server serves, and how each behaves where they differ: the fields a
// field selector can use, validation, what an update may change, and how a delete happens.
// Only core/v1 ConfigMaps and Pods, the two kinds Patroni's Kubernetes DCS uses with
// `use_endpoints: false`; any other resource is answered with a 404 that says so.

import type { KubeObject } from '../store';
import { podUpdateProblems, preparePodUpdate } from './pod-update';
import { configMapProblems, configMapUpdateProblems, metadataProblems, metadataUpdateProblems, type FieldProblem } from './validation';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ServedResource {
  /** Plural, as in the path and in RBAC rules. */
  readonly resource: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  /** Fields a fieldSelector may name (the API's field label conversion for this kind). */
  readonly selectableFields: readonly string[];
  fieldsOf(object: KubeObject): Record<string, string>;
  /** 422 problems of an object about to be stored. */
  validate(object: KubeObject): FieldProblem[];
  /** Drops what a client may not write through the main resource (e.g. Pod status). */
  prepareUpdate(old: KubeObject, updated: KubeObject): void;
  validateUpdate(old: KubeObject, updated: KubeObject): FieldProblem[];
  /**
   * Whether clients may create objects. Pods come from the harness's controllers through the
   * store, with the kubelet running them; an API create would give a Pod no one runs.
   */
  readonly clientCreate: boolean;
  /**
   * Whether a delete only marks the object (metadata.deletionTimestamp and
   * deletionGracePeriodSeconds) for its owner to finish, as for Pods, which the kubelet stops
   * within the grace period and then removes from the store.
   */
  readonly gracefulDelete: boolean;
  /** The grace period of a delete that names none (Pods: spec.terminationGracePeriodSeconds, else 30). */
  defaultGracePeriodSeconds(object: KubeObject): number;
}

const metadataFields = (o: KubeObject) => ({ 'metadata.name': o.metadata.name, 'metadata.namespace': o.metadata.namespace ?? '' });

const CONFIG_MAPS: ServedResource = {
  resource: 'configmaps',
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  listKind: 'ConfigMapList',
  selectableFields: ['metadata.name', 'metadata.namespace'],
  fieldsOf: metadataFields,
  validate: (o) => [...metadataProblems(o), ...configMapProblems(o)],
  prepareUpdate: () => undefined,
  validateUpdate: (old, updated) => [...metadataUpdateProblems(old, updated), ...configMapUpdateProblems(old, updated)],
  clientCreate: true,
  gracefulDelete: false,
  defaultGracePeriodSeconds: () => 0,
};

const PODS: ServedResource = {
  resource: 'pods',
  group: '',
  version: 'v1',
  kind: 'Pod',
  listKind: 'PodList',
  selectableFields: [
    'metadata.name', 'metadata.namespace', 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName',
    'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName',
  ],
  fieldsOf: (o: any) => ({
    ...metadataFields(o),
    'spec.nodeName': o.spec?.nodeName ?? '',
    'spec.restartPolicy': o.spec?.restartPolicy ?? '',
    'spec.schedulerName': o.spec?.schedulerName ?? '',
    'spec.serviceAccountName': o.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': String(o.spec?.hostNetwork === true),
    'status.phase': o.status?.phase ?? '',
    'status.podIP': o.status?.podIP ?? '',
    'status.nominatedNodeName': o.status?.nominatedNodeName ?? '',
  }),
  validate: (o) => metadataProblems(o),
  prepareUpdate: preparePodUpdate,
  validateUpdate: (old, updated) => [...metadataUpdateProblems(old, updated), ...podUpdateProblems(old, updated)],
  clientCreate: false,
  gracefulDelete: true,
  defaultGracePeriodSeconds: (o) => (typeof o.spec?.terminationGracePeriodSeconds === 'number' ? o.spec.terminationGracePeriodSeconds : 30),
};

export const SERVED_RESOURCES: readonly ServedResource[] = [CONFIG_MAPS, PODS];

export function servedResource(group: string, version: string, resource: string): ServedResource | undefined {
  return SERVED_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}
