/**
 * The fast path's V8 code cache (bin/ksctl.js loadFast, dist/fast/fast.cjs.v8cache) may only ever make
 * start-up faster: a missing, foreign, corrupt, stale or unwritable cache gives the same output as none.
 * Each case runs a private copy of bin/ and dist/fast/ (the real build's files).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ROOT, sandbox, type Sandbox } from '../helpers/cli.js';

const nodeHasItsOwnCache = 'enableCompileCache' in (await import('node:module'));

let sb: Sandbox;
let copy: string;
let fastDir: string;
let cacheFile: string;

beforeEach(() => {
  sb = sandbox();
  copy = path.join(sb.dir, 'install');
  fastDir = path.join(copy, 'dist', 'fast');
  cacheFile = path.join(fastDir, 'fast.cjs.v8cache');
  mkdirSync(fastDir, { recursive: true });
  cpSync(path.join(ROOT, 'bin'), path.join(copy, 'bin'), { recursive: true });
  for (const f of ['fast.cjs', 'help.txt']) cpSync(path.join(ROOT, 'dist', 'fast', f), path.join(fastDir, f));
  symlinkSync(path.join(ROOT, 'dist', 'bundle'), path.join(copy, 'dist', 'bundle'));
  symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
});
afterEach(() => sb.cleanup());

function run(args = ['get', 'clusters']): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(copy, 'bin', 'ksctl.js'), ...args], {
    env: sb.env,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const expected = { code: 0, stdout: 'No clusters found.\n', stderr: '' };
const header = (buf: Buffer) => buf.toString('latin1', 2, 2 + buf.readUInt16LE(0));
const identity = () => {
  const st = statSync(path.join(fastDir, 'fast.cjs'), { bigint: true });
  return `${process.version} ${process.arch} ${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
};

describe.skipIf(nodeHasItsOwnCache)('the fast path code cache (Node 20)', () => {
  it('is made by a run without one, naming this Node and this fast.cjs, and then used as it is', () => {
    expect(run()).toEqual(expected);
    const made = statSync(cacheFile, { bigint: true });
    expect(header(readFileSync(cacheFile))).toBe(identity());
    expect(run()).toEqual(expected);
    const after = statSync(cacheFile, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([made.ino, made.mtimeNs]); // accepted, so not remade
  });

  it.each([
    ['one byte long', () => Buffer.from([7])],
    ['without a header', () => Buffer.alloc(4096)],
    [
      'of another Node',
      () => withHeader(`v0.0.1 ${process.arch} ${identity().split(' ')[2]}`, Buffer.from('x'.repeat(4096))),
    ],
    ['garbage V8 rejects', () => withHeader(identity(), Buffer.from('not V8 code cache data'.repeat(100)))],
  ])('a cache that is %s is ignored and remade', (_what, content) => {
    writeFileSync(cacheFile, content());
    expect(run()).toEqual(expected);
    expect(header(readFileSync(cacheFile))).toBe(identity());
    expect(run()).toEqual(expected);
  });

  it('is not used for another fast.cjs of the same length (V8 checks only the length)', () => {
    expect(run()).toEqual(expected); // makes the cache of the original
    const file = path.join(fastDir, 'fast.cjs');
    const source = readFileSync(file, 'utf8');
    expect(source).toContain('No clusters found.');
    const stale = readFileSync(cacheFile);
    rmSync(file);
    writeFileSync(file, source.replace('No clusters found.', 'No clusters FOUND.'));
    writeFileSync(cacheFile, stale);
    expect(run()).toEqual({ ...expected, stdout: 'No clusters FOUND.\n' });
  });

  it('runs the same where the cache cannot be written, and leaves nothing behind', () => {
    mkdirSync(cacheFile); // nothing can be renamed onto it, as on a read-only install
    expect(run()).toEqual(expected);
    expect(run(['switch', 'nope']).stderr).toMatch(/no cluster named "nope"/);
    expect(readdirSync(fastDir).sort()).toEqual(['fast.cjs', 'fast.cjs.v8cache', 'help.txt']);
    expect(statSync(cacheFile).isDirectory()).toBe(true);
  });
});

function withHeader(id: string, payload: Buffer): Buffer {
  const h = Buffer.from(id, 'latin1');
  const len = Buffer.alloc(2);
  len.writeUInt16LE(h.length);
  return Buffer.concat([len, h, payload]);
}
