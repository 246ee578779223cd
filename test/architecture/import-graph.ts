import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';

// The import graph of the TypeScript sources under a folder, and the checks run on it: cycles,
// and imports that break a layer order. Plain functions over plain data, so the test can run them
// on small planted graphs as well as on lib/.

/** File -> the files it imports, both relative to the repository root, with "/" separators. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/**
 * The modules a source imports: `import` and `import type`, `export ... from`, `import()` and
 * `require()`. TypeScript's own pre-processor finds them, so comments and strings never count.
 */
export function importedModules(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** The file a relative specifier names, among the known files; undefined for packages. */
function resolve(specifier: string, from: string, files: ReadonlySet<string>): string | undefined {
  if (!specifier.startsWith('./') && !specifier.startsWith('../')) return undefined;
  const base = path.posix.join(path.posix.dirname(from), specifier);
  return [`${base}.ts`, `${base}/index.ts`, base].find((candidate) => files.has(candidate));
}

/** The graph of in-memory sources (path -> text); imports of files outside the set are dropped. */
export function buildImportGraph(sources: ReadonlyMap<string, string>): ImportGraph {
  const files = new Set(sources.keys());
  const graph = new Map<string, string[]>();
  for (const [file, text] of sources) {
    const targets = importedModules(text).map((m) => resolve(m, file, files)).filter((t): t is string => t !== undefined);
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Every .ts file below `dir` (relative to `root`), read into memory. */
export function readSources(root: string, dir: string): Map<string, string> {
  const entries = fs.readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' });
  const files = entries.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => path.posix.join(dir, f.split(path.sep).join('/'))).sort();
  return new Map(files.map((f) => [f, fs.readFileSync(path.join(root, f), 'utf8')]));
}

/**
 * Every import cycle: the files of each strongly connected component (Tarjan) that has more than
 * one file or a file importing itself, sorted. Empty when the graph is acyclic.
 */
export function findCycles(graph: ImportGraph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];

  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      const selfLoop = component.length === 1 && (graph.get(node) ?? []).includes(node);
      if (component.length > 1 || selfLoop) components.push(component);
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => component.sort()).sort((a, b) => a[0].localeCompare(b[0]));
}

/** The rules an import graph is checked against. */
export interface Architecture {
  /** Layer names, top to bottom: a file may import its own layer or one below it. */
  readonly layers: readonly string[];
  /** The layer of a file; undefined when no layer claims it (itself a violation). */
  readonly layerOf: (file: string) => string | undefined;
  /** The component a file belongs to, for the rule between components; undefined for the others. */
  readonly componentOf: (file: string) => string | undefined;
  /** Layers whose files are a component's private parts (constructs), as opposed to its settings. */
  readonly privateLayers: readonly string[];
  /** Component -> the components whose private parts it may import. */
  readonly componentEdges: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: string;
}

/**
 * Every import that breaks the architecture: from a file of no layer, upward (into a higher
 * layer), or into another component's private parts along an edge that is not declared.
 */
export function layerViolations(graph: ImportGraph, a: Architecture): Violation[] {
  const violations: Violation[] = [];
  const rank = (layer: string | undefined) => (layer === undefined ? -1 : a.layers.indexOf(layer));
  for (const [from, targets] of graph) {
    const fromLayer = a.layerOf(from);
    if (rank(fromLayer) < 0) {
      violations.push({ from, to: from, rule: `belongs to no layer (layers: ${a.layers.join(', ')}): add its folder to the layer table` });
      continue;
    }
    for (const to of targets) {
      const toLayer = a.layerOf(to);
      if (rank(toLayer) < 0) continue; // reported as the importer of nothing above
      if (rank(toLayer) < rank(fromLayer)) {
        violations.push({ from, to, rule: `imports upward: ${fromLayer} may import only ${a.layers.slice(rank(fromLayer)).join(', ')}, not ${toLayer}` });
        continue;
      }
      const fromComponent = a.componentOf(from);
      const toComponent = a.componentOf(to);
      if (fromComponent && toComponent && fromComponent !== toComponent && a.privateLayers.includes(toLayer!)
        && !(a.componentEdges[fromComponent] ?? []).includes(toComponent)) {
        violations.push({ from, to, rule: `${fromComponent} imports a private part of ${toComponent}: import only its settings (${toComponent}/schema.ts, endpoints.ts, ...) or declare the edge` });
      }
    }
  }
  return violations;
}
