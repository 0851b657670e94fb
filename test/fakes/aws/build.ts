/** The FakeAws preload and harness, compiled (see test/fakes/build.ts). */
import { join } from 'node:path';
import { buildFake } from '../build.js';

export { projectRoot } from '../build.js';

export async function buildFakeAws(): Promise<{ install: string; harness: string }> {
  const out = await buildFake('aws');
  return { install: join(out, 'test/fakes/aws/install.js'), harness: join(out, 'test/fakes/aws/harness.js') };
}
