import * as path from 'node:path';
import {
  Architecture, buildImportGraph, findCycles, ImportGraph, importedModules, layerViolations, readSources,
} from './import-graph';

// The layer order of lib/, written down once here (and explained in docs/architecture.md).
// Top to bottom; a file may import files of its own layer or of a layer below, never above:
//   platform     lib/platform.ts, synthesize.ts, kustomization.ts, audit/, review/: compose and write
//   components   lib/<component>/ constructs, pod helpers, flows, monitoring objects
//   composition  lib/config/load.ts and platform-*.ts: assemble the components' settings
//   settings     lib/<component>/{schema,defaults,rules,secrets,endpoints,sizing}.ts, lib/capacity/
//   shared       lib/workload/, lib/monitoring/, lib/policy/: used by several components
//   framework    every other file of lib/config/, lib/yaml.ts
// Components are peers: one imports another's settings files freely (they are its public
// contract: config types, Service names and ports), its other files only along an edge declared
// in COMPONENT_EDGES. Inside a layer any import is allowed, as long as there is no cycle.

const ROOT = path.join(__dirname, '..', '..');

const LAYERS = ['platform', 'components', 'composition', 'settings', 'shared', 'framework'] as const;
const COMPONENTS = ['superset', 'postgres', 'redis', 'edge', 'ops'];
const SETTINGS_FILES = ['schema.ts', 'defaults.ts', 'rules.ts', 'secrets.ts', 'endpoints.ts', 'sizing.ts'];
/** The dashboard export runs `superset export-dashboards` in a Superset container (superset-pod.ts). */
const COMPONENT_EDGES: Readonly<Record<string, readonly string[]>> = { ops: ['superset'] };

function layerOf(file: string): string | undefined {
  const [lib, top, ...rest] = file.split('/');
  if (lib !== 'lib') return undefined;
  if (rest.length === 0) {
    if (['platform.ts', 'synthesize.ts', 'kustomization.ts'].includes(top)) return 'platform';
    if (top === 'yaml.ts') return 'framework';
    return undefined;
  }
  if (COMPONENTS.includes(top)) return rest.length === 1 && SETTINGS_FILES.includes(rest[0]) ? 'settings' : 'components';
  if (top === 'config') return rest[0] === 'load.ts' || rest[0].startsWith('platform-') ? 'composition' : 'framework';
  if (['audit', 'review'].includes(top)) return 'platform';
  if (top === 'capacity') return 'settings';
  if (['workload', 'monitoring', 'policy'].includes(top)) return 'shared';
  return undefined;
}

function componentOf(file: string): string | undefined {
  const [lib, top] = file.split('/');
  return lib === 'lib' && COMPONENTS.includes(top) ? top : undefined;
}

const ARCHITECTURE: Architecture = { layers: LAYERS, layerOf, componentOf, privateLayers: ['components'], componentEdges: COMPONENT_EDGES };

const real = readSources(ROOT, 'lib');
const graphOf = (sources: ReadonlyMap<string, string>): ImportGraph => buildImportGraph(sources);
/** The real sources with one more line at the top of `file`. */
const planted = (file: string, line: string) => new Map([...real, [file, `${line}\n${real.get(file)}`]]);

describe('import graph of lib/', () => {
  test('every file of lib/ belongs to a layer', () => {
    expect([...real.keys()].filter((f) => layerOf(f) === undefined)).toEqual([]);
  });

  test('has no import cycle', () => {
    expect(findCycles(graphOf(real))).toEqual([]);
  });

  test('every import points to its own layer or a lower one, and between components only to settings or along a declared edge', () => {
    expect(layerViolations(graphOf(real), ARCHITECTURE)).toEqual([]);
  });

  test('the declared edges between components are used and form no cycle', () => {
    const graph = graphOf(real);
    const used = new Set<string>();
    for (const [from, targets] of graph) {
      for (const to of targets) {
        const a = componentOf(from);
        const b = componentOf(to);
        if (a && b && a !== b && layerOf(to) === 'components') used.add(`${a} -> ${b}`);
      }
    }
    const declared = Object.entries(COMPONENT_EDGES).flatMap(([from, tos]) => tos.map((to) => `${from} -> ${to}`));
    expect([...used].sort()).toEqual(declared.sort());
    const componentGraph = new Map(COMPONENTS.map((c) => [c, COMPONENT_EDGES[c] ?? []]));
    expect(findCycles(componentGraph)).toEqual([]);
  });
});

describe('the import-graph checks fail on what they guard against', () => {
  test('every kind of import is an edge: import, import type, export from, import(), require(), a folder index', () => {
    const sources = new Map([
      ['lib/a.ts', [
        "import { b } from './b';",
        "import type { C } from './c';",
        "export { d } from './d';",
        "const e = () => import('./e');",
        "const f = require('./f');",
        "import './g';",
        "import { h } from './h';",
        "import { z } from 'zod';",
        "// import { x } from './x';",
      ].join('\n')],
      ...['b', 'c', 'd', 'e', 'f', 'g', 'x'].map((n) => [`lib/${n}.ts`, ''] as [string, string]),
      ['lib/h/index.ts', ''],
    ]);
    expect(graphOf(sources).get('lib/a.ts')).toEqual(['lib/b.ts', 'lib/c.ts', 'lib/d.ts', 'lib/e.ts', 'lib/f.ts', 'lib/g.ts', 'lib/h/index.ts']);
    expect(importedModules("import type { T } from '../types';")).toEqual(['../types']);
  });

  test('a planted cycle in a fixture graph is found, with its path', () => {
    const sources = new Map([
      ['lib/x/a.ts', "import { b } from './b';"],
      ['lib/x/b.ts', "import type { C } from './c';"],
      ['lib/x/c.ts', "import { a } from './a';"],
      ['lib/x/d.ts', "import { d } from './d';"],
      ['lib/x/e.ts', "import { a } from './a';"],
    ]);
    expect(findCycles(graphOf(sources))).toEqual([['lib/x/a.ts', 'lib/x/b.ts', 'lib/x/c.ts'], ['lib/x/d.ts']]);
  });

  test('a cycle planted into lib/ is found', () => {
    // scaled-deployment.ts imports labels.ts; labels.ts importing it back closes a circle.
    const sources = planted('lib/workload/labels.ts', "import { ScaledDeployment } from './scaled-deployment';");
    expect(findCycles(graphOf(sources))).toEqual([['lib/workload/labels.ts', 'lib/workload/scaled-deployment.ts']]);
  });

  test('an upward import in a fixture graph is a violation', () => {
    const sources = new Map([
      ['lib/config/errors.ts', "import { buildPlatform } from '../platform';"],
      ['lib/platform.ts', "import { ConfigError } from './config/errors';"],
    ]);
    const violations = layerViolations(graphOf(sources), ARCHITECTURE);
    expect(violations).toEqual([{ from: 'lib/config/errors.ts', to: 'lib/platform.ts', rule: expect.stringMatching(/^imports upward: framework may import only framework, not platform$/) }]);
    expect(findCycles(graphOf(sources))).toEqual([['lib/config/errors.ts', 'lib/platform.ts']]);
  });

  test.each([
    ['the framework importing the platform', 'lib/config/errors.ts', "import { buildPlatform } from '../platform';", 'lib/platform.ts', /imports upward: framework may import only framework, not platform/],
    ['a shared helper importing a component', 'lib/workload/labels.ts', "import type { SupersetPodContext } from '../superset/superset-pod';", 'lib/superset/superset-pod.ts', /imports upward: shared may import only shared, framework, not components/],
    ['a component\'s settings importing its constructs', 'lib/redis/rules.ts', "import { RedisCache } from './redis-cache';", 'lib/redis/redis-cache.ts', /imports upward: settings may import only settings, shared, framework, not components/],
    ['the composition importing a construct', 'lib/config/platform-schema.ts', "import { SupersetWeb } from '../superset/web';", 'lib/superset/web.ts', /imports upward: composition .* not components/],
  ])('an upward import planted into lib/ is a violation: %s', (_what, file, line, target, rule) => {
    expect(layerViolations(graphOf(planted(file, line)), ARCHITECTURE)).toEqual([{ from: file, to: target, rule: expect.stringMatching(rule) }]);
  });

  test('a component importing another component\'s private parts is a violation, its settings are not', () => {
    const privatePart = planted('lib/redis/redis-pod.ts', "import { CONFIG_FILE } from '../superset/superset-pod';");
    expect(layerViolations(graphOf(privatePart), ARCHITECTURE)).toEqual([{
      from: 'lib/redis/redis-pod.ts', to: 'lib/superset/superset-pod.ts', rule: expect.stringMatching(/^redis imports a private part of superset/),
    }]);
    const settings = planted('lib/redis/redis-pod.ts', "import { SUPERSET_WEB } from '../superset/endpoints';");
    expect(layerViolations(graphOf(settings), ARCHITECTURE)).toEqual([]);
  });

  test('a file in no layer is a violation', () => {
    const sources = new Map([...real, ['lib/misc/helper.ts', '']]);
    expect(layerViolations(graphOf(sources), ARCHITECTURE)).toEqual([{ from: 'lib/misc/helper.ts', to: 'lib/misc/helper.ts', rule: expect.stringMatching(/belongs to no layer/) }]);
  });
});
