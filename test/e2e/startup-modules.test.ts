/**
 * Start-up stays light: `--help` (fast path and full CLI), `get clusters` and `switch` load neither
 * @kubernetes/client-node (≈0.45 s to load; only the Kubernetes API client, src/managers/kubernetes/,
 * imports it, on first use) nor a cloud SDK. Every module the process loads, CommonJS or ES module, is
 * recorded by test/helpers/module-trace; the recorder is first shown to see client-node when it loads.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, sandbox } from '../helpers/cli.js';

const PRELOAD = path.join(ROOT, 'test/helpers/module-trace/preload.cjs');
const HEAVY = /@kubernetes\/client-node|@aws-sdk\/|@azure\/arm-|@google-cloud\//;

function trace(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): string[] {
  const file = path.join(env.HOME!, '..', `trace-${Math.random().toString(36).slice(2)}.txt`);
  spawnSync(process.execPath, ['--require', PRELOAD, ...args], {
    cwd,
    env: { ...env, KSCTL_MODULE_TRACE: file },
    encoding: 'utf8',
  });
  try {
    return readFileSync(file, 'utf8').trim().split('\n');
  } finally {
    rmSync(file, { force: true });
  }
}

describe('start-up loads no Kubernetes client and no cloud SDK', () => {
  it('the recorder sees @kubernetes/client-node when something does load it', () => {
    const sb = sandbox();
    try {
      const loaded = trace(['--input-type=module', '-e', "await import('@kubernetes/client-node')"], sb.env);
      expect(loaded.some((l) => l.includes('@kubernetes/client-node/dist/index.js'))).toBe(true);
    } finally {
      sb.cleanup();
    }
  });

  it.each([
    [['--help'], {}],
    [['--help'], { KSCTL_NO_FAST_PATH: '1' }],
    [['get', 'clusters'], {}],
    [['get', 'clusters'], { KSCTL_NO_FAST_PATH: '1' }],
    [['switch', 'nope'], {}],
  ])('ksctl %j %j', (args, extra) => {
    const sb = sandbox(extra);
    try {
      const loaded = trace([BIN, ...args], sb.env);
      expect(loaded.length).toBeGreaterThan(3); // the recorder ran
      expect(loaded.filter((l) => HEAVY.test(l))).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
