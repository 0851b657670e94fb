/**
 * Compiles a fake cloud's subprocess preload (test/fakes/<cloud>/install.ts, and what it imports:
 * the provider it drives) to JavaScript, since Node 20 cannot run TypeScript and this project has no
 * tsx: `tsc -p test/fakes/<cloud>/tsconfig.json` into node_modules/.cache/ksctl-fake-<cloud> (inside
 * the project, so the SDK packages resolve). Once per process and cloud; each cloud has its own
 * output directory, so test files of different clouds never write the same files at once.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type FakeCloud = 'aws' | 'azure' | 'gcp';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../..');
export const fakeOutDir = (cloud: FakeCloud) => join(projectRoot, `node_modules/.cache/ksctl-fake-${cloud}`);

const built = new Map<FakeCloud, Promise<string>>();

/** The compiled output directory; `<dir>/test/fakes/<cloud>/install.js` is the preload. */
export function buildFake(cloud: FakeCloud): Promise<string> {
  let p = built.get(cloud);
  if (!p) {
    p = (async () => {
      const out = fakeOutDir(cloud);
      execFileSync(
        process.execPath,
        [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', join(here, cloud, 'tsconfig.json')],
        { stdio: 'pipe' },
      );
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
      return out;
    })();
    built.set(cloud, p);
  }
  return p;
}

/** The compiled preload of `cloud`, for `node --import <it> bin/ksctl.js ...`. */
export async function buildPreload(cloud: FakeCloud): Promise<string> {
  return join(await buildFake(cloud), `test/fakes/${cloud}/install.js`);
}
