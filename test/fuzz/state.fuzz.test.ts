/**
 * Property: a state file or kubeconfig ksctl cannot use (truncated, corrupted, from a future schema,
 * foreign JSON/YAML, not UTF-8) gives a clear error naming the file and is left byte for byte as it
 * was: by the read-only commands, by the ones that take the cluster's lock (create, delete), and by
 * `switch`, which merges into the user's kubeconfig.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { newClusterState } from '../../src/state/new-state.js';
import { STATE_SCHEMA_VERSION } from '../../src/state/types.js';
import { STACK_TRACE, fuzzParams, fuzzSandbox, runInProcess, type FuzzSandbox } from './in-process.js';

let sb: FuzzSandbox;
let ran = 0;
const outcomes = new Map<string, number>();
const count = (o: string) => outcomes.set(o, (outcomes.get(o) ?? 0) + 1);

const clusterDir = () => path.join(sb.stateDir, 'clusters', 'local', 'local', 'dev');
const stateFile = () => path.join(clusterDir(), 'state.json');

function validState(): Record<string, unknown> {
  const s = newClusterState(applyDefaults({ name: 'dev', provider: 'local' }));
  return { ...s, phase: 'ready', kubeconfig: { context: 'kind-dev', server: 'https://127.0.0.1:6443' } };
}

const validKubeconfig = {
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [{ name: 'other', cluster: { server: 'https://10.0.0.1:6443' } }],
  users: [{ name: 'other', user: { token: 'not-a-real-token-123' } }],
  contexts: [{ name: 'other', context: { cluster: 'other', user: 'other' } }],
  'current-context': 'other',
};

/** Damage to a text: cut, flipped bytes, inserted bytes (NUL, invalid UTF-8 included). */
const damage = (text: string) =>
  fc.oneof(
    // A strict prefix of the content (not just its trailing newline).
    fc.nat().map((n) => Buffer.from(text).subarray(0, n % Math.max(1, text.trimEnd().length))),
    fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([at, bytes]) => {
      const b = Buffer.from(text);
      const i = at % b.length;
      return Buffer.concat([b.subarray(0, i), bytes, b.subarray(i + bytes.length)]);
    }),
  );

function stateDocs(): fc.Arbitrary<Buffer> {
  const good = validState();
  const text = `${JSON.stringify(good, null, 2)}\n`;
  const field = fc.constantFrom(
    'id',
    'type',
    'phase',
    'spec',
    'resources',
    'machines',
    'steps',
    'runs',
    'schemaVersion',
    'spec.workers',
    'spec.machines',
    'id.name',
    'resources.network',
    'machines.m0',
    'kubeconfig',
    'versions',
    'lastError',
    'createdAt',
  );
  const replaced = fc.tuple(field, fc.anything({ maxDepth: 2 })).map(([f, v]) => {
    const doc = structuredClone(good) as Record<string, Record<string, unknown>>;
    const [a, b] = f.split('.') as [string, string | undefined];
    if (b) doc[a] = { ...(doc[a] as object), [b]: v };
    else (doc as Record<string, unknown>)[a] = v;
    return Buffer.from(JSON.stringify(doc) ?? 'null');
  });
  return fc.oneof(
    damage(text),
    replaced,
    fc
      .integer({ min: STATE_SCHEMA_VERSION + 1, max: 1e9 })
      .map((v) => Buffer.from(JSON.stringify({ ...good, schemaVersion: v }))),
    fc.jsonValue({ maxDepth: 3 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.constant(Buffer.from(JSON.stringify({ ...good, id: { provider: 'aws', region: 'us-east-1', name: 'other' } }))),
    fc.integer({ min: 1000, max: 200_000 }).map((n) => Buffer.from(`${'['.repeat(n)}${']'.repeat(n)}`)),
    fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  );
}

function kubeconfigDocs(): fc.Arbitrary<Buffer> {
  const text = stringify(validKubeconfig);
  return fc.oneof(
    damage(text),
    fc.anything({ maxDepth: 3 }).map((v) => Buffer.from(stringify(v) ?? '')),
    fc.constant(Buffer.from('clusters: {a: 1}\n')),
    fc.constant(Buffer.from('contexts: [1, 2]\ncurrent-context: [x]\n')),
    fc.integer({ min: 1000, max: 100_000 }).map((n) => Buffer.from(`clusters: ${'['.repeat(n)}${']'.repeat(n)}\n`)),
    fc.integer({ min: 2, max: 10 }).map((levels) => {
      const lines = ['a0: &a0 [x,x,x,x,x,x,x,x,x]'];
      for (let i = 1; i < levels; i++)
        lines.push(
          `a${i}: &a${i} [${Array(9)
            .fill(`*a${i - 1}`)
            .join(',')}]`,
        );
      return Buffer.from(`${lines.join('\n')}\nclusters: *a${levels - 1}\n`);
    }),
  );
}

beforeAll(() => {
  sb = fuzzSandbox();
});
afterAll(() => {
  console.log(`state fuzz: ${ran} cases; outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
  sb?.cleanup();
});

describe('state store fuzzing', () => {
  it('state files ksctl cannot use: a clear error, the file untouched', async () => {
    await fc.assert(
      fc.asyncProperty(stateDocs(), async (bytes) => {
        ran++;
        mkdirSync(clusterDir(), { recursive: true });
        writeFileSync(stateFile(), bytes);
        const get = await runInProcess(['get', 'cluster', 'dev'], sb.env);
        expect(get.stderr).not.toMatch(STACK_TRACE);
        if (get.code === 0) {
          count('readable');
          return; // a damage that left a usable document (a changed string, say): nothing to refuse
        }
        count(
          `refused: ${get.stderr
            .split('\n')[0]!
            .replace(/\/\S+\/state\.json/, 'state.json')
            .replace(/\(.*/, '')
            .replace(/\d+/g, 'N')
            .slice(0, 60)}`,
        );
        const ctx = `state.json:\n${bytes.toString('utf8').slice(0, 800)}\nstderr: ${get.stderr}`;
        expect(get.code, ctx).toBe(1);
        expect(get.stderr, ctx).toContain(stateFile());
        expect(get.stderr, ctx).toMatch(/left untouched/);
        for (const argv of [
          ['get', 'clusters'],
          ['create', 'cluster', 'dev', '-p', 'local'],
          ['delete', 'cluster', 'dev', '--yes'],
          ['switch', 'dev'],
        ]) {
          const r = await runInProcess(argv, sb.env);
          expect(r.stderr, `${argv.join(' ')}\n${ctx}`).not.toMatch(STACK_TRACE);
          expect(r.stderr, `${argv.join(' ')}\n${ctx}`).toMatch(/left untouched/);
          expect([0, 1], `${argv.join(' ')}\n${ctx}`).toContain(r.code); // `get clusters` lists the others and reports this one
        }
        expect(readFileSync(stateFile()).equals(bytes), ctx).toBe(true);
        expect(readdirSync(clusterDir()), ctx).toEqual(['state.json']);
      }),
      fuzzParams(300),
    );
  });

  it('kubeconfigs ksctl cannot merge into: a clear error, the file untouched', async () => {
    mkdirSync(path.join(clusterDir(), 'secrets'), { recursive: true, mode: 0o700 });
    writeFileSync(stateFile(), JSON.stringify(validState()));
    const own = {
      ...validKubeconfig,
      clusters: [{ name: 'kind-dev', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [{ name: 'kind-dev', user: { token: 'abc' } }],
      contexts: [{ name: 'kind-dev', context: { cluster: 'kind-dev', user: 'kind-dev' } }],
      'current-context': 'kind-dev',
    };
    writeFileSync(path.join(clusterDir(), 'secrets', 'kubeconfig'), stringify(own), { mode: 0o600 });
    const target = path.join(sb.inputDir, 'kubeconfig');
    await fc.assert(
      fc.asyncProperty(kubeconfigDocs(), async (bytes) => {
        ran++;
        writeFileSync(target, bytes);
        const r = await runInProcess(['switch', 'dev'], { ...sb.env, KUBECONFIG: target });
        const ctx = `kubeconfig:\n${bytes.toString('utf8').slice(0, 800)}\nstderr: ${r.stderr}`;
        expect(r.stderr, ctx).not.toMatch(STACK_TRACE);
        if (r.code === 0) {
          count('kubeconfig merged');
          return;
        }
        count(`kubeconfig refused: ${r.stderr.split('\n')[0]!.replace(target, 'FILE').slice(0, 50)}`);
        expect(r.code, ctx).toBe(2);
        expect(r.stderr, ctx).toContain(target);
        expect(readFileSync(target).equals(bytes), ctx).toBe(true);
        expect(
          readdirSync(sb.inputDir).filter((f) => f.startsWith('kubeconfig')),
          ctx,
        ).toEqual(['kubeconfig']);
      }),
      fuzzParams(300),
    );
  });
});
