/**
 * The list index (src/state/local/list-index.ts) is a cache: whatever it holds, `get clusters` lists
 * exactly what reading every state file gives. Listings run with a clock LATER seconds ahead, so files
 * written by the test are old enough to be recorded (a file changed within 2 s of a listing is not).
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import type { ClusterId, Provider } from '../../src/api/types.js';
import { MAX_LIST_INDEX_BYTES } from '../../src/state/local/list-index.js';
import { listSummaries } from '../../src/state/local/list.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { newClusterState } from '../../src/state/new-state.js';
import { STATE_SCHEMA_VERSION, type ClusterState } from '../../src/state/types.js';

const LATER = () => Date.now() + 10_000;
let root: string;
let indexFile: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'ksctl-list-index-'));
  indexFile = path.join(root, 'clusters', 'list-index.json');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const stateFile = (id: ClusterId) => path.join(root, 'clusters', id.provider, id.region, id.name, 'state.json');

function stateOf(name: string, provider: Provider = 'local', region = 'local'): ClusterState {
  const spec = applyDefaults({
    name,
    provider,
    region,
    ...(provider === 'ssh' ? { type: 'selfmanaged' as const } : {}),
  });
  return {
    ...newClusterState(spec, new Date('2026-01-01T00:00:00Z')),
    phase: 'ready',
    versions: { kubernetes: 'v1.37.2' },
    kubeconfig: { context: `ctx-${name}` },
  };
}

/** Writes a cluster the way ksctl does: under its lock, by atomic rename; a kubeconfig with a token beside it. */
async function plant(state: ClusterState): Promise<void> {
  const store = new LocalStateStore(root);
  const h = await store.lock(state.id, 'test');
  await h.save(state);
  await h.secrets.put('kubeconfig', `users:\n- name: u\n  user:\n    token: secret-token-of-${state.id.name}\n`);
  h.release();
}

/** What every state file says, read in full (no index involved). */
function fullListing() {
  rmSync(indexFile, { force: true });
  const listing = listSummaries(root, 0); // a clock at 1970: nothing is old enough to be recorded
  expect(() => statSync(indexFile)).toThrow(/ENOENT/);
  return listing;
}

/** Entries: [state file identity, type, phase, distribution, kubernetesVersion, controlPlanes, workers, context, createdAt]. */
function index(): { clusters: Record<string, unknown[]> } {
  return JSON.parse(readFileSync(indexFile, 'utf8'));
}

describe('the list index', () => {
  beforeEach(async () => {
    await plant(stateOf('a'));
    await plant(stateOf('b'));
    await plant(stateOf('c', 'ssh', 'default'));
  });

  it('is written 0600 by a listing, holds one entry per cluster and no secret, and lists the same as full reads', () => {
    const first = listSummaries(root, LATER());
    expect(statSync(indexFile).mode & 0o777).toBe(0o600);
    const text = readFileSync(indexFile, 'utf8');
    expect(Object.keys(index().clusters).sort()).toEqual(['local/local/a', 'local/local/b', 'ssh/default/c']);
    expect(text).not.toMatch(/secret-token|token|BEGIN|password|sudo/i);
    for (const [key, e] of Object.entries(index().clusters)) {
      const [provider, region, name] = key.split('/') as [Provider, string, string];
      const s = first.clusters.find((c) => c.name === name && c.provider === provider && c.region === region)!;
      const st = statSync(stateFile({ provider, region, name }), { bigint: true });
      expect(e).toEqual([
        `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`,
        s.type,
        s.phase,
        s.distribution,
        s.kubernetesVersion,
        s.controlPlanes,
        s.workers,
        s.context,
        s.createdAt,
      ]);
    }
    const second = listSummaries(root, LATER());
    expect(second).toEqual(first);
    expect(second).toEqual(fullListing());
    expect(second.clusters.map((c) => c.name)).toEqual(['a', 'b', 'c']);
  });

  it('is used for a state file it recorded (an entry edited by hand shows), and only for that very file', async () => {
    listSummaries(root, LATER());
    const doc = index();
    doc.clusters['local/local/a']![2] = 'from-the-index';
    writeFileSync(
      indexFile,
      JSON.stringify({ format: 1, schemaVersion: STATE_SCHEMA_VERSION, clusters: doc.clusters }),
      { mode: 0o600 },
    );
    expect(listSummaries(root, LATER()).clusters[0]!.phase).toBe('from-the-index');
    // ksctl writes the state (atomic rename: a new inode): the index entry no longer applies.
    const store = new LocalStateStore(root);
    const h = await store.lock({ provider: 'local', region: 'local', name: 'a' }, 'test');
    await h.update((s) => {
      s.phase = 'failed';
    });
    h.release();
    const after = listSummaries(root, LATER());
    expect(after.clusters[0]!.phase).toBe('failed');
    expect(index().clusters['local/local/a']![2]).toBe('failed');
    expect(after).toEqual(fullListing());
  });

  it('re-reads a state file edited in place to the same size with its mtime set back (its ctime moved)', () => {
    listSummaries(root, LATER());
    const file = stateFile({ provider: 'local', region: 'local', name: 'b' });
    const ref = path.join(root, 'times');
    writeFileSync(ref, '');
    execFileSync('touch', ['-r', file, ref]); // keeps the mtime to the nanosecond (utimensat)
    const before = statSync(file, { bigint: true });
    writeFileSync(file, readFileSync(file, 'utf8').replace('"phase": "ready"', '"phase": "xxxxx"')); // same inode, same size
    execFileSync('touch', ['-m', '-r', ref, file]);
    const after = statSync(file, { bigint: true });
    expect([after.ino, after.size, after.mtimeNs]).toEqual([before.ino, before.size, before.mtimeNs]);
    expect(listSummaries(root, LATER()).clusters[1]!.phase).toBe('xxxxx');
  });

  it('does not record a state file changed within the last seconds', () => {
    const listing = listSummaries(root); // the real clock: every file was written just now
    expect(listing.clusters).toHaveLength(3);
    expect(() => statSync(indexFile)).toThrow(/ENOENT/);
  });

  it('follows clusters that disappear and appear; the last one gone removes the index', async () => {
    listSummaries(root, LATER());
    rmSync(path.dirname(stateFile({ provider: 'local', region: 'local', name: 'a' })), { recursive: true });
    await plant(stateOf('d', 'local', 'eu'));
    const listing = listSummaries(root, LATER());
    expect(listing.clusters.map((c) => `${c.name}/${c.region}`)).toEqual(['b/local', 'c/default', 'd/eu']);
    expect(Object.keys(index().clusters).sort()).toEqual(['local/eu/d', 'local/local/b', 'ssh/default/c']);
    // A directory left without its state file is no cluster, whatever the index says.
    rmSync(stateFile({ provider: 'local', region: 'local', name: 'b' }));
    expect(listSummaries(root, LATER()).clusters.map((c) => c.name)).toEqual(['c', 'd']);
    for (const name of ['c', 'd'])
      rmSync(path.join(root, 'clusters', name === 'c' ? 'ssh' : 'local'), { recursive: true, force: true });
    expect(listSummaries(root, LATER()).clusters).toEqual([]);
    expect(() => statSync(indexFile)).toThrow(/ENOENT/);
  });

  it('never caches a state file that does not read: it is reported on every listing', () => {
    const file = stateFile({ provider: 'local', region: 'local', name: 'b' });
    writeFileSync(file, '{ not json');
    for (let i = 0; i < 2; i++) {
      const listing = listSummaries(root, LATER());
      expect(listing.clusters.map((c) => c.name)).toEqual(['a', 'c']);
      expect(listing.problems).toEqual([
        { id: { provider: 'local', region: 'local', name: 'b' }, error: expect.stringMatching(/does not parse/) },
      ]);
    }
    expect(Object.keys(index().clusters).sort()).toEqual(['local/local/a', 'ssh/default/c']);
  });

  const corrupt: [string, () => void][] = [
    ['garbage', () => writeFileSync(indexFile, 'not json at all', { mode: 0o600 })],
    ['a torn write', () => writeFileSync(indexFile, readFileSync(indexFile, 'utf8').slice(0, 200), { mode: 0o600 })],
    ['invalid UTF-8', () => writeFileSync(indexFile, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { mode: 0o600 })],
    ['another format', () => writeFileSync(indexFile, JSON.stringify({ ...index(), format: 99 }), { mode: 0o600 })],
    [
      'another state schema',
      () => writeFileSync(indexFile, JSON.stringify({ ...index(), schemaVersion: 99 }), { mode: 0o600 }),
    ],
    ['an array', () => writeFileSync(indexFile, '[]', { mode: 0o600 })],
    [
      'over its size bound',
      () => writeFileSync(indexFile, JSON.stringify(index()).padEnd(MAX_LIST_INDEX_BYTES + 1, ' '), { mode: 0o600 }),
    ],
    ['group-writable', () => chmodSync(indexFile, 0o620)],
    ['owned by someone else', () => chownSync(indexFile, 4242, 4242)],
    ['a directory', () => (rmSync(indexFile), mkdirSync(indexFile))],
    [
      'entries of the wrong shape',
      () => {
        const doc = index();
        const [a, b, c] = Object.keys(doc.clusters) as [string, string, string];
        doc.clusters[a]![1] = 'evil';
        doc.clusters[b]![6] = '3; rm -rf /';
        doc.clusters[c] = [...doc.clusters[c]!, 'one more'];
        writeFileSync(
          indexFile,
          JSON.stringify({ format: 1, schemaVersion: STATE_SCHEMA_VERSION, clusters: doc.clusters }),
          { mode: 0o600 },
        );
      },
    ],
  ];
  it.each(corrupt)(
    'an index that is %s is ignored (every file read in full) and rebuilt where possible',
    (what, spoil) => {
      listSummaries(root, LATER());
      // Make what the index says differ from the files, so that using it would show.
      const doc = index();
      for (const e of Object.values(doc.clusters)) e[2] = 'stale';
      writeFileSync(
        indexFile,
        JSON.stringify({ format: 1, schemaVersion: STATE_SCHEMA_VERSION, clusters: doc.clusters }),
        { mode: 0o600 },
      );
      expect(listSummaries(root, LATER()).clusters.map((c) => c.phase)).toEqual(['stale', 'stale', 'stale']);
      spoil();
      const listing = listSummaries(root, LATER());
      expect(listing.clusters.map((c) => c.phase)).toEqual(['ready', 'ready', 'ready']);
      expect(listing.problems).toEqual([]);
      if (what === 'a directory') return; // nothing can be written there: listing still works
      expect(statSync(indexFile).mode & 0o777).toBe(0o600);
      expect(statSync(indexFile).uid).toBe(process.getuid!());
      expect(listSummaries(root, LATER())).toEqual(listing);
      expect(Object.keys(index().clusters)).toHaveLength(3);
    },
  );

  it('lists from a home where the index cannot be written', () => {
    rmSync(indexFile, { force: true });
    mkdirSync(indexFile); // rename onto it fails, as on a read-only file system
    const listing = listSummaries(root, LATER());
    expect(listing.clusters.map((c) => c.name)).toEqual(['a', 'b', 'c']);
    expect(listing).toEqual(listSummaries(root, LATER()));
  });

  it('reads afresh a state file saved elsewhere and moved in (as editors save)', () => {
    listSummaries(root, LATER());
    const a = stateFile({ provider: 'local', region: 'local', name: 'a' });
    const elsewhere = path.join(root, 'saved.json');
    const edited = JSON.parse(readFileSync(a, 'utf8')) as ClusterState;
    edited.phase = 'deleting';
    writeFileSync(elsewhere, JSON.stringify(edited, null, 2));
    renameSync(elsewhere, a);
    expect(listSummaries(root, LATER()).clusters[0]!.phase).toBe('deleting');
  });
});
