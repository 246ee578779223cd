import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseKey, BUILDER_VERSION, contentDigest, packagesKey, packagesOf, rootKey } from './root-key';
import type { RootRecipe } from './root-recipe';

const recipe = (over: Partial<RootRecipe> = {}): RootRecipe => ({
  name: 'demo',
  suite: 'sid',
  packages: ['valkey-server', 'tzdata'],
  users: [{ name: 'valkey', uid: 999, group: 'valkey', gid: 999, home: '/data', shell: '/bin/sh' }],
  locales: [],
  files: [],
  directories: [],
  symlinks: [],
  writes: [],
  versionPackage: 'valkey-server',
  ...over,
});

describe('root cache keys', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'hI-key-'));
    writeFileSync(join(dir, 'a.sh'), 'echo a\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the package list is sorted, de-duplicated and includes what the kubelet needs', () => {
    expect(packagesOf(recipe({ packages: ['tzdata', 'valkey-server', 'tzdata'] }))).toEqual(['coreutils', 'dash', 'libc-bin', 'tzdata', 'util-linux', 'valkey-server']);
  });

  test('the order of packages does not change the key; a package, the suite or a user does', () => {
    const key = packagesKey(recipe());
    expect(packagesKey(recipe({ packages: ['tzdata', 'valkey-server'] }))).toBe(key);
    expect(packagesKey(recipe({ packages: ['valkey-server', 'tzdata', 'curl'] }))).not.toBe(key);
    expect(packagesKey(recipe({ suite: 'trixie' }))).not.toBe(key);
    expect(packagesKey(recipe({ users: [] }))).not.toBe(key);
  });

  test('a copied file\'s content changes the root key but not the packages layer', () => {
    const withFile = recipe({ files: [{ from: 'a.sh', to: '/a.sh' }] });
    const before = rootKey(withFile, dir);
    expect(rootKey(withFile, dir)).toBe(before);
    writeFileSync(join(dir, 'a.sh'), 'echo b\n');
    expect(rootKey(withFile, dir)).not.toBe(before);
    expect(packagesKey(withFile)).toBe(packagesKey(recipe()));
  });

  test('keys are file-name safe, per suite for the base, and carry the builder version', () => {
    expect(baseKey('sid')).toMatch(/^base-sid-[0-9a-f]{20}$/);
    expect(baseKey('sid')).not.toBe(baseKey('trixie'));
    expect(packagesKey(recipe())).toMatch(/^pkgs-[0-9a-f]{20}$/);
    expect(rootKey(recipe(), dir)).toMatch(/^[0-9a-f]{20}$/);
    expect(BUILDER_VERSION).toBeGreaterThan(0);
  });

  test('a folder\'s digest covers names, contents and the executable bit', () => {
    const sub = mkdtempSync(join(dir, 'f-'));
    writeFileSync(join(sub, 'x'), '1');
    const first = contentDigest(sub);
    writeFileSync(join(sub, 'x'), '1', { mode: 0o755 });
    expect(contentDigest(sub)).toBe(first); // writeFileSync keeps the mode of an existing file
    rmSync(join(sub, 'x'));
    writeFileSync(join(sub, 'x'), '1', { mode: 0o755 });
    expect(contentDigest(sub)).not.toBe(first);
    writeFileSync(join(sub, 'y'), '');
    expect(contentDigest(sub)).not.toBe(first);
  });
});
