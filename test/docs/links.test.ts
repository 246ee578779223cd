import * as fs from 'node:fs';
import * as path from 'node:path';
import { brokenLinks, headingAnchors, headingSlug, linkTargets } from './markdown-links';

const ROOT = path.join(__dirname, '..', '..');
const DOCS = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`);
const FILES = ['README.md', ...DOCS];
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

describe('README.md and docs/', () => {
  test.each(FILES)('every relative link of %s points at a file and a heading that exist', (file) => {
    expect(brokenLinks(ROOT, file)).toEqual([]);
  });

  test('the README links every document of docs/', () => {
    const linked = new Set(linkTargets(read('README.md')).map((t) => path.posix.normalize(t.split('#')[0])));
    expect(DOCS.filter((d) => !linked.has(d))).toEqual([]);
  });

  test('the README stays at most 20 KB', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(20480);
  });

  test('no document refers to an issue number or to files outside the repository', () => {
    const outside = FILES.filter((f) => /\bissue #\d+|\/work\/|(^|[\s(`"'])(\.\.\/)*shared\//im.test(read(f)));
    expect(outside).toEqual([]);
  });
});

describe('the link check fails on what it guards against', () => {
  const fixture = new Map([
    ['README.md', [
      '# Title', '', '## Deploy to a cluster', '', '## Deploy to a cluster', '',
      '[ok](docs/a.md#the-edge-and-tls) [self](#deploy-to-a-cluster-1) [web](https://example.com/x#y) [dir](lib)',
      '[missing file](docs/b.md) [missing anchor](docs/a.md#no-such-heading) [outside](../secret.md)',
      '`[in code](docs/none.md)`',
      '```', '[in a block](docs/none.md)', '```',
    ].join('\n')],
    ['docs/a.md', '# A\n\n## The edge and `TLS`\n'],
    ['lib', ''],
  ]);
  const problems = brokenLinks('/nonexistent', 'README.md', (f) => fixture.get(f));

  test('a link to a missing file, a missing anchor and outside the repository are each reported', () => {
    expect(problems).toEqual([
      'README.md: docs/b.md points at docs/b.md, which does not exist',
      'README.md: docs/a.md#no-such-heading: docs/a.md has no heading with the anchor #no-such-heading',
      'README.md: ../secret.md points outside the repository',
    ]);
  });

  test('headings get GitHub\'s anchors: punctuation dropped, spaces to "-", repeats numbered', () => {
    expect(headingSlug('Images, and why')).toBe('images-and-why');
    expect(headingSlug('Layers of lib/')).toBe('layers-of-lib');
    expect(headingSlug('Database tier: PostgreSQL with Patroni, PgBouncer in front')).toBe('database-tier-postgresql-with-patroni-pgbouncer-in-front');
    expect([...headingAnchors('# A\n## Step 1\n## Step 1\n## `npm run diff`\n')]).toEqual(['a', 'step-1', 'step-1-1', 'npm-run-diff']);
  });
});
