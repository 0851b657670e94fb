/**
 * An interactive `create cluster` driven through the IoHost's Prompter by scripted answers, without a
 * terminal (the real terminal is covered by test/e2e/prompts-tty.test.ts): what is asked, in which
 * order, with which defaults; a refused answer asked again; the summary; a "no" that creates nothing.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDefaults } from '../../src/api/defaults.js';
import { createCluster, resolveSpec } from '../../src/commands/create-action.js';
import type { CommandEnv, GlobalOptions } from '../../src/commands/context.js';
import { InterruptedError } from '../../src/errors.js';
import { scriptedIo, type Answer, type ScriptedIo } from '../helpers/scripted-io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'ksctl-interactive-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cenvOf = (io: ScriptedIo): CommandEnv => ({
  env: { HOME: dir, KSCTL_HOME: path.join(dir, 'ksctl') },
  signal: new AbortController().signal,
  io: () => io,
  argv: ['create', 'cluster'],
});
const globals = (): GlobalOptions => ({ verbose: false, color: false, yes: false, stateDir: path.join(dir, 'state') });

/** A self-managed AWS cluster, every default taken but the name (refused once), the distribution and the workers. */
const AWS_ANSWERS: Answer[] = [
  { ask: /^Cluster name$/, answer: 'Bad_Name' },
  { ask: /^Cluster name$/, answer: 'demo' },
  { ask: /^Provider$/, answer: 'aws' },
  { ask: /^Cluster type$/, answer: 'selfmanaged' },
  { ask: /^Region$/, answer: undefined },
  { ask: /^Distribution$/, answer: 'kubeadm' },
  { ask: /^Kubernetes version$/, answer: undefined },
  { ask: /^Control planes$/, answer: undefined },
  { ask: /^Workers$/, answer: 2 },
  { ask: /^External etcd members/, answer: undefined },
  { ask: /^Worker size$/, answer: undefined },
  { ask: /^Control plane size$/, answer: undefined },
  { ask: /^etcd size$/, answer: undefined },
  { ask: /^Load balancer size$/, answer: undefined },
];

describe('interactive create through the IoHost', () => {
  it('asks for what is missing, in order, with the defaults, and re-asks a refused answer', async () => {
    const io = scriptedIo(AWS_ANSWERS);
    const spec = await resolveSpec({}, cenvOf(io), io.prompt);
    expect(io.unused).toEqual([]);
    expect(io.refused).toEqual([expect.stringMatching(/^Cluster name: .*"Bad_Name" is not a DNS label/)]);
    expect(spec).toEqual(
      applyDefaults({
        name: 'demo',
        provider: 'aws',
        type: 'selfmanaged',
        distribution: 'kubeadm',
        workers: { count: 2 },
      }),
    );
  });

  it('asks nothing that flags gave', async () => {
    const io = scriptedIo([{ ask: /^Control planes$/, answer: 1 }]);
    const spec = await resolveSpec(
      { name: 'dev', provider: 'local', workers: 0, k8sVersion: '1.36' },
      cenvOf(io),
      io.prompt,
    );
    expect(io.asked).toEqual(['Control planes']);
    expect(spec).toEqual(
      applyDefaults({
        name: 'dev',
        provider: 'local',
        kubernetesVersion: '1.36',
        workers: { count: 0 },
        controlPlane: { count: 1 },
      }),
    );
  });

  it('shows the summary and creates nothing when the answer is no', async () => {
    const io = scriptedIo([...AWS_ANSWERS, { ask: /^Create cluster demo\?$/, answer: false }]);
    await expect(createCluster({}, globals(), cenvOf(io))).rejects.toThrow(
      new InterruptedError('cancelled: nothing was created'),
    );
    expect(io.unused).toEqual([]);
    const shown = io.stderr.join('\n');
    expect(shown).toMatch(/provider\s+aws \(selfmanaged\)/);
    expect(shown).toMatch(/distribution\s+kubeadm/);
    expect(shown).toMatch(/workers\s+2 × t3\.large/);
    expect(existsSync(path.join(dir, 'state')) ? readdirSync(path.join(dir, 'state')) : []).toEqual([]);
  });

  it('Ctrl-C at a question is an interruption, and nothing is written', async () => {
    const io = scriptedIo([
      { ask: /^Cluster name$/, answer: 'demo' },
      { ask: /^Provider$/, cancel: true },
    ]);
    await expect(createCluster({}, globals(), cenvOf(io))).rejects.toBeInstanceOf(InterruptedError);
    expect(existsSync(path.join(dir, 'state'))).toBe(false);
  });

  it('without a person to ask, a missing value is an error naming it', async () => {
    const io = scriptedIo([], { interactive: false });
    await expect(createCluster({}, globals(), cenvOf(io))).rejects.toThrow(/name/);
    expect(io.asked).toEqual([]);
  });
});
