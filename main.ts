// Entry point for `cdk8s synth`, which writes a scratch copy to cdk8s.out/.
// `npm run synth` (scripts/synth.ts) is the supported path: it writes dist/ atomically.
import * as path from 'node:path';
import { ENVIRONMENTS } from './environments';
import { synthesizeEnvironment } from './lib/synthesize';

const outdir = process.env.CDK8S_OUTDIR ?? 'cdk8s.out';
for (const [name, overrides] of Object.entries(ENVIRONMENTS)) {
  synthesizeEnvironment(name, overrides, path.join(outdir, name));
}
