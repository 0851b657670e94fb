/**
 * Local clusters with kind. kind does the work; ksctl keeps the kubeconfig, the state and the context
 * in the user's kubeconfig. kind's own cluster name is `ksctl-<name>` (see kind-config.ts).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClusterSpec } from '../../api/types.js';
import { PrerequisiteError, ProviderError } from '../../errors.js';
import type { Step, StepContext } from '../../pipeline/types.js';
import { runProgram, type RunResult } from '../../util/process.js';
import { redact } from '../../util/redact.js';
import type { ManagedCloud, PlannedResource } from '../types.js';
import { imageVersion, kindClusterName, kindConfig, kindNodeImage, kindWorkerPools } from './kind-config.js';

const KIND_DEFAULT_IMAGE = "kind's default node image";

const KIND_INSTALL =
  'install kind: https://kind.sigs.k8s.io/docs/user/quick-start/#installation (e.g. `go install sigs.k8s.io/kind@v0.27.0`)';
const DOCKER_INSTALL =
  'install and start Docker: https://docs.docker.com/engine/install/ (or `apt-get install docker.io`)';

async function kind(ctx: StepContext, args: string[]): Promise<RunResult> {
  const r = await runProgram('kind', args, { signal: ctx.signal, onLine: (l) => ctx.log.info(l) });
  if (r.spawnError?.code === 'ENOENT')
    throw new PrerequisiteError('kind is not installed (not found on PATH)', { hint: KIND_INSTALL });
  if (r.spawnError) throw new ProviderError(`cannot run kind: ${r.spawnError.message}`);
  return r;
}

function failure(what: string, r: RunResult): ProviderError {
  const detail = redact((r.stderr || r.stdout).trim().split('\n').filter(Boolean).slice(-3).join('; '));
  return new ProviderError(`kind ${what} failed (exit ${r.code}): ${detail}`);
}

async function clusterExists(ctx: StepContext, name: string): Promise<boolean> {
  const r = await kind(ctx, ['get', 'clusters']);
  if (r.code !== 0) throw failure('get clusters', r);
  return r.stdout
    .split('\n')
    .map((l) => l.trim())
    .includes(name);
}

function createStep(spec: ClusterSpec): Step {
  const name = kindClusterName(spec);
  return {
    id: 'kind/cluster',
    title: `Create kind cluster ${name}`,
    needs: [],
    target: name,
    details: {
      image: kindNodeImage(spec) ?? KIND_DEFAULT_IMAGE,
      controlPlanes: spec.controlPlane.count,
      workers: kindWorkerPools(spec).reduce((n, p) => n + p.count, 0),
    },
    async run(ctx) {
      if (await clusterExists(ctx, name)) {
        // A cluster left by an interrupted create may be half-made: keep it only if it answers.
        const probe = await kind(ctx, ['get', 'kubeconfig', '--name', name]);
        if (probe.code === 0) {
          ctx.log.info(`kind cluster ${name} already exists; adopting it`);
          await record(ctx, name);
          return;
        }
        ctx.log.warn(`kind cluster ${name} exists but is incomplete; recreating it`);
        const del = await kind(ctx, ['delete', 'cluster', '--name', name]);
        if (del.code !== 0) throw failure('delete cluster', del);
      }
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ksctl-kind-'));
      try {
        const config = path.join(dir, 'kind.yaml');
        await fs.writeFile(config, kindConfig(spec), { mode: 0o600 });
        // kind exports a kubeconfig on create; send it to a private scratch file, not the user's.
        const scratch = path.join(dir, 'kubeconfig');
        const image = kindNodeImage(spec);
        const r = await kind(ctx, [
          'create',
          'cluster',
          '--name',
          name,
          '--config',
          config,
          ...(image ? ['--image', image] : []),
          '--kubeconfig',
          scratch,
          '--wait',
          '5m',
        ]);
        if (r.code !== 0) throw failure('create cluster', r);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
      await record(ctx, name);
    },
  };
}

async function record(ctx: StepContext, name: string): Promise<void> {
  await ctx.cluster.update((s) => {
    s.resources['kind/cluster'] ??= { kind: 'kind-cluster', id: name, name, createdAt: new Date().toISOString() };
    const image = kindNodeImage(s.spec);
    s.versions.nodeImage = image ?? KIND_DEFAULT_IMAGE;
    // No image asked for: kind chose its own default image, whose version ksctl does not assume.
    const version = image && imageVersion(image);
    if (version) s.versions.kubernetes = version;
  });
}

export function createLocalProvider(): ManagedCloud {
  return {
    provider: 'local',
    kind: 'managed',
    async preflight(ctx) {
      const k = await runProgram('kind', ['version'], { signal: ctx.signal });
      if (k.spawnError?.code === 'ENOENT')
        throw new PrerequisiteError('kind is not installed (not found on PATH)', { hint: KIND_INSTALL });
      const d = await runProgram('docker', ['info', '--format', '{{.ServerVersion}}'], { signal: ctx.signal });
      if (d.spawnError?.code === 'ENOENT')
        throw new PrerequisiteError('docker is not installed (not found on PATH); kind needs it', {
          hint: DOCKER_INSTALL,
        });
      // `docker info --format` exits 0 with an empty answer when the daemon is down (docker/cli#5900).
      if (d.code !== 0 || d.stdout.trim() === '') {
        throw new PrerequisiteError(`Docker is not running: ${(d.stderr || d.stdout).trim().split('\n')[0] ?? ''}`, {
          hint: 'start the Docker daemon (e.g. `systemctl start docker`)',
        });
      }
    },
    async resolveKubernetesVersion(ctx) {
      const image = kindNodeImage(ctx.spec);
      return image ? imageVersion(image) : undefined;
    },
    plannedResources(spec): PlannedResource[] {
      return [
        {
          kind: 'kind-cluster',
          name: kindClusterName(spec),
          details: { image: kindNodeImage(spec) ?? KIND_DEFAULT_IMAGE, config: kindConfig(spec) },
        },
      ];
    },
    createSteps: (spec) => [createStep(spec)],
    async kubeconfig(ctx) {
      const name = kindClusterName(ctx.spec);
      const r = await kind(ctx, ['get', 'kubeconfig', '--name', name]);
      if (r.code !== 0) throw failure('get kubeconfig', r);
      return r.stdout;
    },
    async destroy(ctx) {
      const name = kindClusterName(ctx.spec);
      const r = await kind(ctx, ['delete', 'cluster', '--name', name]);
      if (r.code !== 0) throw failure('delete cluster', r);
    },
  };
}
