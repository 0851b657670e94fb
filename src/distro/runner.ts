/**
 * Runs one Script on one machine: uploads the files it lists (from the SecretStore or the air-gap
 * directory), exports its environment (secret values only through the executor's stdin channel, and
 * redacted), and pipes the body to `bash -s`.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, ProviderError } from '../errors.js';
import type { SecretStore } from '../state/types.js';
import type { Script } from './scripts/types.js';
import type { SshSession } from './ssh/types.js';

export interface ScriptRunContext {
  secrets: SecretStore;
  /** Directory holding air-gap artifacts on the operator's machine. */
  airgapDir?: string;
  /** Values for the script's `secretEnv` names. */
  secretEnv?: Record<string, string>;
  onLine?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
}

async function resolveContent(ref: string, ctx: ScriptRunContext, script: string): Promise<string | Buffer> {
  const [kind, ...rest] = ref.split(':');
  const name = rest.join(':');
  if (kind === 'secret') {
    const v = await ctx.secrets.get(name);
    if (v === undefined)
      throw new ProviderError(`script ${script} needs secret "${name}", which has not been generated`);
    return v;
  }
  if (kind === 'artifact') {
    if (!ctx.airgapDir)
      throw new InputError(`script ${script} needs the air-gap file "${name}": set spec.airgap.dir`, [
        'spec.airgap.dir',
      ]);
    const file = path.join(ctx.airgapDir, name);
    return fs.readFile(file).catch((e: NodeJS.ErrnoException) => {
      throw new InputError(`air-gap file ${file} is missing (${e.code ?? e.message}); script ${script} needs it`, [
        'spec.airgap.dir',
      ]);
    });
  }
  throw new Error(`unknown content reference ${ref}`);
}

export async function runScript(session: SshSession, script: Script, ctx: ScriptRunContext): Promise<string> {
  for (const f of script.files ?? []) {
    const data = await resolveContent(f.contentRef, ctx, script.name);
    await session.upload(f.path, data, { mode: f.mode, owner: f.owner ?? 'root:root' });
  }
  const secretValues: Record<string, string> = {};
  for (const name of script.secretEnv ?? []) {
    const v = ctx.secretEnv?.[name];
    if (v === undefined) throw new ProviderError(`script ${script.name} needs ${name}, which was not provided`);
    secretValues[name] = v;
  }
  const r = await session.exec('bash -s', {
    stdin: script.body,
    env: { ...(script.env ?? {}), ...secretValues },
    secrets: Object.values(secretValues),
    ...(ctx.onLine ? { onLine: (l: string) => ctx.onLine!(l) } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    timeoutMs: ctx.timeoutMs ?? 15 * 60_000,
  });
  return r.stdout;
}
