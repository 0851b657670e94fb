/**
 * A workbench for the day-2 commands' unit tests: real cluster state (LocalStateStore in a temporary
 * directory), a recording ClusterLifecycle behind CommandEnv.lifecycleFor, and a scripted IoHost that
 * is a terminal or not (and, as the console host decides, never interactive with --yes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyDefaults } from '../../src/api/defaults.js';
import type { SpecInput } from '../../src/api/input.js';
import { assertValidSpec } from '../../src/api/validate.js';
import { clusterIdOf, type ClusterSpec } from '../../src/api/types.js';
import type { CommandEnv, GlobalOptions } from '../../src/commands/context.js';
import { LocalStateStore } from '../../src/state/local/store.js';
import { newClusterState } from '../../src/state/new-state.js';
import { recordingLifecycle, type RecordingLifecycle } from './recording-lifecycle.js';
import { scriptedIo, type Answer, type ScriptedIo } from './scripted-io.js';

/** An EKS cluster `apps` with two pools (one bounded and labelled, one spot) and an allowed CIDR. */
export const EKS_APPS: SpecInput = {
  name: 'apps',
  provider: 'aws',
  type: 'managed',
  region: 'us-east-1',
  network: { allowCidrs: ['203.0.113.0/24'] },
  nodePools: [
    { name: 'general', count: 3, min: 1, max: 5, size: 't3.large', labels: { tier: 'web' } },
    { name: 'batch', count: 2, size: 'm7g.large', spot: true },
  ],
};
export const APPS_ID = { provider: 'aws', region: 'us-east-1', name: 'apps' };

export interface Day2Bench {
  dir: string;
  rec: RecordingLifecycle;
  /** The spec each saved cluster has, by name. */
  specs: Map<string, ClusterSpec>;
  /** The state file of `apps`, byte for byte. */
  stateBytes(): Buffer;
  /** A command environment whose person answers `answers` when `terminal` (default: no terminal, as CI). */
  env(answers?: Answer[], opts?: { terminal?: boolean }): { cenv: CommandEnv; io: () => ScriptedIo };
  globals(more?: Partial<GlobalOptions>): GlobalOptions;
  cleanup(): void;
}

export async function day2Bench(clusters: SpecInput[] = [EKS_APPS]): Promise<Day2Bench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-day2-'));
  const stateDir = path.join(dir, 'state');
  const specs = new Map<string, ClusterSpec>();
  const rec = recordingLifecycle((id) => specs.get(id.name)!);
  for (const input of clusters) {
    const spec = assertValidSpec(applyDefaults(input));
    specs.set(spec.name, spec);
    const h = await new LocalStateStore(stateDir).lock(clusterIdOf(spec), 'test');
    try {
      await h.save({ ...newClusterState(spec), phase: 'ready' });
    } finally {
      h.release();
    }
  }
  return {
    dir,
    rec,
    specs,
    stateBytes: () => readFileSync(path.join(stateDir, 'clusters/aws/us-east-1/apps/state.json')),
    env(answers = [], opts = {}) {
      let last: ScriptedIo | undefined;
      const cenv: CommandEnv = {
        env: { HOME: dir },
        signal: new AbortController().signal,
        io: (g) => (last ??= scriptedIo(answers, { interactive: (opts.terminal ?? false) && !g.yes })),
        argv: ['test'],
        lifecycleFor: (type, deps) => rec.lifecycleFor(type, deps),
      };
      return { cenv, io: () => last! };
    },
    globals: (more = {}) => ({ verbose: false, color: false, yes: false, stateDir, ...more }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
