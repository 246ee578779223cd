// The baseline for `npm run bench`: the smallest cdk8s app (one chart, one ConfigMap),
// started and synthesized exactly the way scripts/synth.ts is.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Chart } from 'cdk8s';
import * as k8s from '../../imports/k8s';

const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-minimal-'));
const app = new App({ outdir, outputFileExtension: '.yaml' });
const chart = new Chart(app, 'minimal', { disableResourceNameHashes: true });
new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'minimal' }, data: { key: 'value' } });
app.synth();
fs.rmSync(outdir, { recursive: true, force: true });
