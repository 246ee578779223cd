import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './debian-image-stand-ins';
import { IMAGE_TABLE, imageSpecFor } from './image-table';
import { manifestImages } from './manifest-images';
import { KUBELET_PACKAGES } from './root-recipe';
import { packagesOf } from './root-key';

const distImages = [...manifestImages(join(REPO_ROOT, 'dist/dev')), ...manifestImages(join(REPO_ROOT, 'dist/prod'))];

describe('image table', () => {
  test('every image of dist/dev and dist/prod has a stand-in', () => {
    expect(distImages.length).toBeGreaterThanOrEqual(8);
    for (const image of distImages) expect(() => imageSpecFor(image)).not.toThrow();
  });

  test('every entry is used by a manifest (no dead entries)', () => {
    for (const spec of IMAGE_TABLE) {
      expect({ entry: spec.recipe.name, used: distImages.some((i) => imageSpecFor(i) === spec) }).toEqual({ entry: spec.recipe.name, used: true });
    }
  });

  test('the tag does not matter, and prom/statsd-exporter is the Docker Hub image', () => {
    expect(imageSpecFor('docker.io/valkey/valkey:8.0')).toBe(imageSpecFor('docker.io/valkey/valkey:9.1.4'));
    expect(imageSpecFor('prom/statsd-exporter:v0.28.0')).toBe(imageSpecFor('docker.io/prom/statsd-exporter:v0.30.0'));
  });

  test('an unknown image is refused, naming it and the file to extend', () => {
    expect(() => imageSpecFor('docker.io/library/nginx:1.27')).toThrow(/image "docker.io\/library\/nginx:1.27" \(repository docker.io\/library\/nginx\) has no stand-in: add an entry to test\/e2e\/harness\/images\/image-table.ts/);
  });

  test.each(IMAGE_TABLE.map((s) => [s.recipe.name, s] as const))('%s: files exist, kubelet tools are installed, facts are cited', (_name, spec) => {
    for (const f of spec.recipe.files) expect({ from: f.from, exists: existsSync(join(REPO_ROOT, f.from)) }).toEqual({ from: f.from, exists: true });
    for (const p of KUBELET_PACKAGES) expect(packagesOf(spec.recipe)).toContain(p);
    expect(spec.recipe.packages).toContain(spec.recipe.versionPackage);
    expect(spec.sources.length).toBeGreaterThan(0);
    expect(spec.differences.length).toBeGreaterThan(0);
    expect(spec.env.PATH).toMatch(/\/usr\/bin/);
    expect(spec.workingDir).toMatch(/^\//);
  });

  test('the Superset image keeps the real image\'s facts: uid/gid 1000, SUPERSET_HOME, the virtual environment first on PATH', () => {
    const spec = imageSpecFor('registry.example.com/superset-k8s/superset:6.1.0-k8s.1');
    expect(spec.user).toEqual({ uid: 1000, gid: 1000 });
    expect(spec.recipe.users).toEqual([expect.objectContaining({ name: 'superset', uid: 1000, gid: 1000, home: '/app/superset_home' })]);
    expect(spec.env.PATH.split(':')[0]).toBe('/app/.venv/bin');
    expect(spec.env.SUPERSET_HOME).toBe('/app/superset_home');
    expect(spec.cmd).toEqual(['/usr/bin/run-server.sh']);
    expect(spec.recipe.symlinks).toContainEqual({ path: '/app/.venv/bin/python', target: '/usr/bin/python3' });
  });

  test('the users the manifests run the databases as exist in their roots with the same ids', () => {
    expect(imageSpecFor('ghcr.io/zalando/spilo-18:4.1-p2').recipe.users).toEqual([expect.objectContaining({ name: 'postgres', uid: 101, gid: 103 })]);
    expect(imageSpecFor('ghcr.io/cloudnative-pg/pgbouncer:1.25.2').recipe.users).toEqual([expect.objectContaining({ uid: 998, gid: 996 })]);
    expect(imageSpecFor('docker.io/valkey/valkey:9.1.4').recipe.users).toEqual([expect.objectContaining({ uid: 999, gid: 999 })]);
    expect(imageSpecFor('registry.example.com/superset-k8s/superset-ops:18-ops.1').recipe.users).toEqual([expect.objectContaining({ uid: 999, gid: 999 })]);
  });
});
