// Entry point for `cdk8s synth` (cdk8s.yaml): writes every environment to cdk8s.out/<env>/ with the
// same code, so the same bytes, as `npm run synth` writes to dist/<env>/ (npm run check:cdk8s).
// cdk8s synth empties its output folder before this runs, which is why it is a scratch folder and
// not dist/.
import { isInputError, synthToRoot } from './scripts/synth';

try {
  synthToRoot({ environments: [], outRoot: process.env.CDK8S_OUTDIR ?? 'cdk8s.out' });
} catch (error) {
  console.error(isInputError(error) ? error.message : error);
  process.exitCode = 1;
}
