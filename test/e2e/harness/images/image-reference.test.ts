import { parseImageReference } from './image-reference';

describe('parseImageReference', () => {
  test.each([
    ['docker.io/valkey/valkey:9.1.4', 'docker.io/valkey/valkey', '9.1.4'],
    ['prom/statsd-exporter:v0.28.0', 'docker.io/prom/statsd-exporter', 'v0.28.0'],
    ['postgres', 'docker.io/library/postgres', 'latest'],
    ['ghcr.io/zalando/spilo-18:4.1-p2', 'ghcr.io/zalando/spilo-18', '4.1-p2'],
    ['registry.example.com:5000/superset-k8s/superset:6.1.0-k8s.1', 'registry.example.com:5000/superset-k8s/superset', '6.1.0-k8s.1'],
    ['localhost/ops', 'localhost/ops', 'latest'],
    ['Quay.io/PrometheusCommunity/pgbouncer-exporter:v0.11.0', 'quay.io/prometheuscommunity/pgbouncer-exporter', 'v0.11.0'],
  ])('%s -> %s tag %s', (image, repository, tag) => {
    expect(parseImageReference(image)).toEqual({ repository, tag });
  });

  test('a digest is kept apart from the tag', () => {
    expect(parseImageReference('docker.io/valkey/valkey:9.1.4@sha256:abc')).toEqual({ repository: 'docker.io/valkey/valkey', tag: '9.1.4', digest: 'sha256:abc' });
  });

  test.each(['', '  ', 'valkey/valkey:9 .1', 'valkey/valkey:'])('"%s" is refused, naming the reference', (image) => {
    expect(() => parseImageReference(image)).toThrow(/image reference ".*"/);
  });
});
