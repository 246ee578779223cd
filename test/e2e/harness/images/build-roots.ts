// npx tsx test/e2e/harness/images/build-roots.ts [--list] [--prune] [--cache DIR] [image ...]
//
// Builds (or finds in the cache) the root filesystems that stand in for the images, so CI can
// build them up front; prints each root, whether it was built or cached, how long it took, its
// size and the stand-in's version of the image's main package. --list prints the table only;
// --prune then deletes cached layers that no entry of the table uses any more.
// Without images: every image of the table. Needs root (debootstrap, chroot, mounts).
import { DebianImageStandIns } from './debian-image-stand-ins';
import { IMAGE_TABLE } from './image-table';
import { packagesOf } from './root-key';
import { rootSize } from './root-builder';

async function main(argv: string[]): Promise<void> {
  const list = argv.includes('--list');
  const cacheAt = argv.indexOf('--cache');
  const cacheDir = cacheAt >= 0 ? argv[cacheAt + 1] : undefined;
  const images = argv.filter((a, i) => !a.startsWith('--') && argv[i - 1] !== '--cache');
  const wanted = images.length > 0 ? images : IMAGE_TABLE.map((s) => `${s.repositories[0]}:any`);
  if (list) {
    for (const spec of IMAGE_TABLE) {
      console.log(`${spec.repositories.join(', ')}\n  root ${spec.recipe.name}: Debian ${spec.recipe.suite}, ${packagesOf(spec.recipe).join(' ')}`);
    }
    return;
  }
  if (process.getuid?.() !== 0) throw new Error('build-roots needs root (debootstrap, chroot and mounts): run it with sudo');
  const standIns = new DebianImageStandIns({ cacheDir });
  const started = Date.now();
  const builds = await standIns.build(wanted, (line) => console.log(line));
  for (const b of builds) {
    const spec = IMAGE_TABLE.find((s) => s.recipe.name === b.name)!;
    const version = standIns.versionOf(spec);
    const size = (await rootSize(b.path)) / 1024 / 1024;
    console.log(
      `${b.name.padEnd(20)} ${(b.built ? `built in ${b.seconds.toFixed(1)} s` : 'cached').padEnd(16)} ${size.toFixed(0).padStart(4)} MiB  ${spec.recipe.versionPackage} ${version} (Debian ${spec.recipe.suite})  ${b.path}`,
    );
  }
  console.log(`${builds.length} roots ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (argv.includes('--prune')) {
    for (const removed of standIns.prune()) console.log(`pruned ${removed}`);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`build-roots: ${err.message}`);
  process.exit(1);
});
