import type { KubeObject } from '../store';
import { clusterState, type ClusterState, type PodAttachment } from './cluster-state';

// Builders for the network's unit tests: Pods with the fields the network reads, and a state.

export function pod(namespace: string, name: string, labels: Record<string, string>, options: {
  ports?: Array<{ name?: string; containerPort: number; protocol?: string }>; ready?: boolean; deleting?: boolean; phase?: string; hostname?: string; subdomain?: string;
} = {}): KubeObject {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace, labels, ...(options.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { hostname: options.hostname, subdomain: options.subdomain, containers: [{ name: 'c', ports: options.ports ?? [] }] },
    status: { phase: options.phase ?? 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

export function stateOf(pods: Array<[KubeObject, string]>, more: { services?: KubeObject[]; endpoints?: KubeObject[]; policies?: KubeObject[]; namespaces?: KubeObject[] } = {}): ClusterState {
  const attachments: PodAttachment[] = pods.map(([p, ip], i) => ({ pod: p, ip, netns: `ns-${i}` }));
  return clusterState({ attachments, externals: [], services: more.services ?? [], endpoints: more.endpoints ?? [], policies: more.policies ?? [], namespaces: more.namespaces ?? [] });
}

export const policy = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec });

export const service = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec });
