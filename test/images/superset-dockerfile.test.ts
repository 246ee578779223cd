import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS } from '../../lib/config/platform-defaults';

// images/superset/Dockerfile adds drivers to the official image. redis-py is already in that
// image: apache-superset depends on it and the image installs Superset's own pinned
// requirements/base.txt. Installing it again with a range of our own (it said redis>=5,<6) can
// replace the version Superset and kombu were released and tested with. The Dockerfile keeps the
// image's redis-py and fails the build if the result is inconsistent or lacks RedisCluster.

const DOCKERFILE = fs.readFileSync(path.join(__dirname, '..', '..', 'images', 'superset', 'Dockerfile'), 'utf8');
/** The RUN instructions, continuation lines joined. */
const runs = DOCKERFILE.replace(/\\\n/g, ' ').split('\n').filter((l) => /^RUN\s/.test(l));
/** Every package spec a `uv pip install` / `pip install` line names. */
const installed = runs.flatMap((r) => [...r.matchAll(/(?:uv )?pip install ([^&;]+)/g)].flatMap((m) => m[1].split(/\s+/).filter((a) => a && !a.startsWith('-') && !a.startsWith('/tmp/'))))
  .map((spec) => spec.replace(/^["']|["']$/g, ''));

describe('images/superset/Dockerfile', () => {
  test('installs the PostgreSQL driver and statsd (and Flower in its own stage), each pinned exactly', () => {
    expect(installed.map((s) => s.split(/[=<>!~]/)[0]).sort()).toEqual(['flower', 'psycopg2-binary', 'statsd']);
    // Flower only in the flower stage: web, workers and beat do not carry it.
    const lean = DOCKERFILE.slice(0, DOCKERFILE.indexOf('AS browser'));
    expect(lean).not.toMatch(/flower==/);
    for (const spec of installed) expect(spec).toMatch(/^[a-z0-9-]+==\d+(\.\d+)+$/);
  });

  test('does not install or constrain redis-py: the image keeps the version Superset pins', () => {
    expect(installed.filter((s) => /^redis\b/i.test(s))).toEqual([]);
  });

  test('fails the build when the installed packages disagree or redis-py has no RedisCluster (>= 4.1)', () => {
    const checks = runs.join('\n');
    expect(checks).toMatch(/uv pip check/);
    expect(checks).toMatch(/import [^"]*redis\.cluster/);
    expect(checks).toMatch(/redis\.__version__[^"]*>= \(4, 1\)/);
  });

  test('DRIVERS installs the named extras of apache-superset, within the ranges that release declares, and fails on an unknown one', () => {
    expect(DOCKERFILE).toMatch(/^ARG DRIVERS=""$/m);
    expect(runs.join('\n')).toMatch(/python \/tmp\/driver-requirements\.py "\$\{DRIVERS\}" > \/tmp\/drivers\.txt .*uv pip install --no-cache -r \/tmp\/drivers\.txt && uv pip check/);
  });

  test('the default image tag is the revision of this file that has these changes', () => {
    expect(DEFAULTS.superset.image.tag).toBe('6.1.0-k8s.3');
    expect(DOCKERFILE).toMatch(/-t <registry>\/superset:6\.1\.0-k8s\.3 images\/superset/);
  });
});
