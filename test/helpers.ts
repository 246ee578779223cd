import * as path from 'node:path';
import { App } from 'cdk8s';
import { resolveEnvironment } from '../lib/config/load';
import type { EnvironmentOverrides } from '../lib/config/platform-schema';
import { buildPlatform } from '../lib/platform';
import type { KubeObject } from '../lib/policy';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Builds an environment in memory (no files) and returns its objects by chart id. */
export function buildCharts(overrides: EnvironmentOverrides = {}, name = 'test'): Map<string, KubeObject[]> {
  const app = new App({ outdir: '/nonexistent-never-written' });
  buildPlatform(app, resolveEnvironment(name, overrides));
  return new Map(app.charts.map((c) => [c.node.id, c.toJson() as KubeObject[]]));
}

export function buildObjects(overrides: EnvironmentOverrides = {}, name = 'test'): KubeObject[] {
  return [...buildCharts(overrides, name).values()].flat();
}

export function find(objects: readonly KubeObject[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export function findAll(objects: readonly KubeObject[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

export function envVar(container: any, name: string): any {
  return (container.env ?? []).find((e: any) => e.name === name);
}

/** The identity provider an OAuth environment must reach from web (network.egress), for tests that use SSO. */
export const IDP_NETWORK = { egress: [{ name: 'idp', purpose: 'identity-provider' as const, cidr: '203.0.113.0/28', ports: [443], from: ['web'] }] };

/**
 * PYTHONPATH of the unit tests that load a generated superset_config.py with host Python: the
 * stubs of Superset, Celery and Flask-Caching, plus a redis-py stub (the host has no redis-py).
 * The integration tests run Debian's Python with the real redis-py and leave the redis stub out.
 */
export const UNIT_PYTHON_STUBS = ['python-stubs', 'python-stubs-redis'].map((d) => path.join(__dirname, 'fixtures', d)).join(':');
