/**
 * Crash-safety of the local state through the CLI: racing processes, killed lock holders, Ctrl-C,
 * corrupt and future state files, and secrets that must never leave their 0600 files.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ksctl, sandbox, startKsctl, type CliResult, type Sandbox } from '../helpers/cli.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

const clusterDir = (name: string) => path.join(sb.ksctlHome, 'clusters', 'local', 'local', name);
const stateFile = (name: string) => path.join(clusterDir(name), 'state.json');

async function waitFor(cond: () => boolean, what: string, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('racing processes', () => {
  it('eight creates of one cluster: exactly one proceeds, the others exit 3 naming the holder', async () => {
    const env = { ...sb.env, KIND_STANDIN_CREATE_DELAY_MS: '300' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () => ksctl(['create', 'cluster', 'dev', '--provider', 'local'], env)),
    );
    const ok = results.filter((r) => r.code === 0);
    const locked = results.filter((r) => r.code === 3);
    expect(ok).toHaveLength(1);
    expect(locked).toHaveLength(7);
    for (const r of locked)
      expect(r.stderr).toMatch(
        /cluster dev \(local\/local\) is locked by pid \d+ on \S+ running "ksctl create cluster dev --provider local" since \d{4}-/,
      );
    const state = JSON.parse(readFileSync(stateFile('dev'), 'utf8')) as { phase: string; runs: unknown[] };
    expect(state.phase).toBe('ready');
    expect(state.runs).toHaveLength(1);
    expect(existsSync(path.join(clusterDir('dev'), 'lock'))).toBe(false);
  });

  it('eight creates of different clusters in one store: every state file is whole', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        ksctl(['create', 'cluster', `c${i}`, '--provider', 'local', '--no-switch'], sb.env),
      ),
    );
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0));
    for (let i = 0; i < 8; i++)
      expect(JSON.parse(readFileSync(stateFile(`c${i}`), 'utf8'))).toMatchObject({ phase: 'ready' });
    const list = JSON.parse((await ksctl(['get', 'clusters', '-o', 'json'], sb.env)).stdout) as unknown[];
    expect(list).toHaveLength(8);
  });

  it('takes over the lock of a holder that was killed, and resumes', async () => {
    const env = { ...sb.env, KIND_STANDIN_CREATE_DELAY_MS: '2000' };
    const first = startKsctl(['create', 'cluster', 'dev', '--provider', 'local'], env);
    await waitFor(
      () => existsSync(stateFile('dev')) && readFileSync(stateFile('dev'), 'utf8').includes('"running"'),
      'the step to start',
    );
    first.child.kill('SIGKILL');
    await first.done;
    expect(existsSync(path.join(clusterDir('dev'), 'lock'))).toBe(true); // SIGKILL leaves it behind

    const second = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], sb.env);
    expect(second.code, second.stderr).toBe(0);
    const state = JSON.parse(readFileSync(stateFile('dev'), 'utf8')) as {
      phase: string;
      steps: { id: string; status: string }[];
    };
    expect(state.phase).toBe('ready');
    expect(state.steps.filter((s) => s.id === 'kind/cluster').map((s) => s.status)).toEqual(['running', 'done']);
  });
});

describe('Ctrl-C', () => {
  it('stops cleanly with exit 130, records where it stopped, and a re-run resumes', async () => {
    const env = { ...sb.env, KIND_STANDIN_CREATE_DELAY_MS: '1500' };
    const run = startKsctl(['create', 'cluster', 'dev', '--provider', 'local'], env);
    let seen = '';
    run.child.stderr!.on('data', (d: Buffer) => (seen += d.toString()));
    await waitFor(() => seen.includes('start  Create kind cluster'), 'the step to start');
    run.child.kill('SIGINT');
    const r: CliResult = await run.done;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Interrupted/);
    const state = JSON.parse(readFileSync(stateFile('dev'), 'utf8')) as {
      phase: string;
      steps: { status: string }[];
      runs: { result: string }[];
    };
    expect(state.phase).toBe('interrupted');
    expect(state.steps[0]!.status).toBe('interrupted');
    expect(state.runs[0]!.result).toBe('interrupted');
    expect(existsSync(path.join(clusterDir('dev'), 'lock'))).toBe(false);

    const again = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], sb.env);
    expect(again.code, again.stderr).toBe(0);
    expect((JSON.parse(readFileSync(stateFile('dev'), 'utf8')) as { phase: string }).phase).toBe('ready');
  });
});

describe('state files ksctl does not understand', () => {
  it.each([
    ['corrupt', '{"schemaVersion": 1, "id": {"name": "dev"', /does not parse .*left untouched/],
    [
      'from the future',
      JSON.stringify({ schemaVersion: 99, id: { provider: 'local', region: 'local', name: 'dev' }, phase: 'ready' }),
      /schemaVersion 99, newer than this ksctl understands \(2\); it was left untouched/,
    ],
  ])('a %s state file is reported clearly and never overwritten', async (_what, text, message) => {
    mkdirSync(clusterDir('dev'), { recursive: true });
    writeFileSync(stateFile('dev'), text);
    const before = readFileSync(stateFile('dev'));

    const get = await ksctl(['get', 'cluster', 'dev'], sb.env);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(message);
    const list = await ksctl(['get', 'clusters'], sb.env);
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(message);
    const create = await ksctl(['create', 'cluster', 'dev', '--provider', 'local'], sb.env);
    expect(create.code).toBe(1);
    expect(create.stderr).toMatch(message);
    const del = await ksctl(['delete', 'cluster', 'dev'], sb.env);
    expect(del.code).toBe(1);

    expect(readFileSync(stateFile('dev')).equals(before)).toBe(true);
    expect(readdirSync(clusterDir('dev'))).toEqual(['state.json']);
  });
});

describe('secrets', () => {
  it('never reach stdout, stderr, state.json or the log, and live in 0600 files', async () => {
    const outputs: CliResult[] = [];
    const env = { ...sb.env };
    outputs.push(await ksctl(['--verbose', 'create', 'cluster', 'dev', '--provider', 'local'], env));
    outputs.push(await ksctl(['get', 'clusters', '-o', 'json'], env));
    outputs.push(await ksctl(['get', 'cluster', 'dev', '-o', 'json'], env));
    outputs.push(await ksctl(['get', 'cluster', 'dev', '-o', 'yaml'], env));
    outputs.push(await ksctl(['get', 'cluster', 'dev'], env));
    outputs.push(await ksctl(['--verbose', 'switch', 'dev', '-o', 'json'], env));
    outputs.push(await ksctl(['--verbose', 'create', 'cluster', 'dev', '--provider', 'local'], env));
    expect(outputs.map((o) => o.code)).toEqual([0, 0, 0, 0, 0, 0, 0]);

    const secretsDir = path.join(clusterDir('dev'), 'secrets');
    expect(statSync(secretsDir).mode & 0o777).toBe(0o700);
    const kubeconfig = readFileSync(path.join(secretsDir, 'kubeconfig'), 'utf8');
    expect(statSync(path.join(secretsDir, 'kubeconfig')).mode & 0o777).toBe(0o600);
    const planted = [...kubeconfig.matchAll(/client-(?:key|certificate)-data: (\S+)/g)].map((m) => m[1]!);
    expect(planted).toHaveLength(2);
    const key = Buffer.from(planted[0]!, 'base64').toString(); // the PEM key itself
    const haystacks = [
      ...outputs.flatMap((o) => [o.stdout, o.stderr]),
      readFileSync(stateFile('dev'), 'utf8'),
      existsSync(path.join(clusterDir('dev'), 'ksctl.log'))
        ? readFileSync(path.join(clusterDir('dev'), 'ksctl.log'), 'utf8')
        : '',
    ];
    for (const h of haystacks) {
      for (const s of [...planted, ...key.split('\n').filter((l) => l.length > 20)]) expect(h).not.toContain(s);
    }
    expect(statSync(stateFile('dev')).mode & 0o077 & 0o022).toBe(0); // not world-writable
  });
});
