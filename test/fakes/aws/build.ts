/**
 * Compiles the FakeAws preload (and the provider it drives) to JavaScript, since Node 20 cannot
 * run TypeScript and this project has no tsx: `tsc -p test/fakes/aws/tsconfig.json` into
 * node_modules/.cache/ksctl-fake-aws (inside the project, so `@aws-sdk/*` resolves). Once per process.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const projectRoot = resolve(here, '../../..');
export const fakeAwsOutDir = join(projectRoot, 'node_modules/.cache/ksctl-fake-aws');

let built: Promise<{ install: string; harness: string }> | undefined;

export function buildFakeAws(): Promise<{ install: string; harness: string }> {
  built ??= (async () => {
    execFileSync(process.execPath, [join(projectRoot, 'node_modules/typescript/bin/tsc'), '-p', join(here, 'tsconfig.json')], { stdio: 'pipe' });
    mkdirSync(fakeAwsOutDir, { recursive: true });
    writeFileSync(join(fakeAwsOutDir, 'package.json'), '{ "type": "module" }\n');
    return {
      install: join(fakeAwsOutDir, 'test/fakes/aws/install.js'),
      harness: join(fakeAwsOutDir, 'test/fakes/aws/harness.js'),
    };
  })();
  return built;
}
