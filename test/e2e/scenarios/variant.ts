import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { synthesizeEnvironment, overridesFor } from '../../../lib/synthesize';
import { deepMerge } from '../../../lib/config/merge';
import { ENVIRONMENTS } from '../../../environments';
import type { EnvironmentOverrides } from '../../../lib/config/platform-schema';
import { loadManifestFile } from '../harness/manifests';
import type { KubeObject } from '../harness/store';

/**
 * The manifests of `environment` with `change` merged into its overrides, synthesized as
 * `npm run synth` does (into a temporary folder, removed again): what an operator would apply
 * after editing environments/<name>.ts. Returned per file, in file order.
 */
export function synthesizedVariant(environment: string, change: EnvironmentOverrides): Array<{ file: string; objects: KubeObject[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-variant-'));
  try {
    const overrides = deepMerge(overridesFor(environment, ENVIRONMENTS), change) as EnvironmentOverrides;
    synthesizeEnvironment(environment, overrides, dir);
    return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((file) => ({ file, objects: loadManifestFile(path.join(dir, file)) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
