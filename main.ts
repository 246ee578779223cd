// Entry point for `cdk8s synth` (cdk8s.yaml): writes every environment to cdk8s.out/<env>/, the
// same bytes `npm run synth` writes to dist/<env>/ (npm run check:cdk8s). cdk8s synth empties its
// output folder before this runs, which is why it is a scratch folder and not dist/.
import * as path from 'node:path';
import { ENVIRONMENTS } from './environments';
import { synthesizeEnvironment } from './lib/synthesize';

const outdir = process.env.CDK8S_OUTDIR ?? 'cdk8s.out';
try {
  for (const [name, overrides] of Object.entries(ENVIRONMENTS)) {
    const result = synthesizeEnvironment(name, overrides, path.join(outdir, name));
    for (const w of result.warnings) console.error(`warning: ${name}: ${w}`);
  }
} catch (error) {
  const known = error instanceof Error && ['ConfigError', 'PolicyError'].includes(error.name);
  console.error(known ? (error as Error).message : error);
  process.exitCode = 1;
}
