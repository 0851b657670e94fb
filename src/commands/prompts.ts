/**
 * Asking a person for what they did not give, then showing the summary and confirming. Only called
 * when the IoHost is interactive; the questions go through its Prompter (tests answer them).
 */
import {
  PROVIDER_TYPES,
  REGIONS,
  SSH_DEFAULT_REGION,
  DEFAULT_REGION,
  DEFAULT_SIZES,
  supportedVersions,
  DEFAULT_KUBERNETES_VERSION,
  CLOUD_DEFAULT_VERSION,
} from '../api/catalog.js';
import { applyDefaults } from '../api/defaults.js';
import type { SpecInput } from '../api/input.js';
import { checkName } from '../api/validate.js';
import { PROVIDERS, type ClusterSpec } from '../api/types.js';
import type { Prompter } from '../io/types.js';

const countValidator =
  (min: number, odd = false) =>
  (v: number | undefined) =>
    v === undefined || !Number.isInteger(v) || v < min
      ? `enter a whole number >= ${min}`
      : odd && v !== 0 && v % 2 === 0
        ? 'etcd needs an odd number of members (or 0 for embedded)'
        : true;

export async function promptForSpec(given: SpecInput, prompt: Prompter): Promise<SpecInput> {
  const [input, select, number] = [prompt.input.bind(prompt), prompt.select.bind(prompt), prompt.number.bind(prompt)];
  const out: SpecInput = structuredClone(given);
  out.name ??= await input({ message: 'Cluster name', validate: (v) => checkName(v)[0]?.message ?? true });
  out.provider ??= await select({ message: 'Provider', choices: PROVIDERS.map((p) => ({ value: p })) });
  const provider = out.provider;
  const types = PROVIDER_TYPES[provider];
  out.type ??=
    types.length === 1
      ? types[0]
      : await select({ message: 'Cluster type', choices: types.map((t) => ({ value: t })) });
  if (out.region === undefined) {
    out.region =
      provider === 'ssh'
        ? await input({ message: 'Region label', default: SSH_DEFAULT_REGION })
        : provider === 'local'
          ? 'local'
          : await select({
              message: 'Region',
              choices: REGIONS[provider].map((r) => ({ value: r })),
              default: DEFAULT_REGION[provider],
            });
  }
  const selfManaged = out.type === 'selfmanaged';
  if (selfManaged && out.distribution === undefined) {
    out.distribution = await select({
      message: 'Distribution',
      choices: [{ value: 'k3s' as const }, { value: 'kubeadm' as const }],
    });
  }
  if (out.kubernetesVersion === undefined) {
    const versions = supportedVersions(provider, out.type!);
    if (selfManaged && versions) {
      out.kubernetesVersion = await select({
        message: 'Kubernetes version',
        choices: versions.map((v) => ({ value: v })),
        default: DEFAULT_KUBERNETES_VERSION,
      });
    } else {
      // Managed and kind: the cloud's (kind's) own default unless another is chosen.
      const cloudDefault = provider === 'local' ? "kind's default" : "the cloud's default";
      const picked = versions
        ? await select({
            message: 'Kubernetes version',
            choices: [{ name: cloudDefault, value: '' }, ...versions.map((v) => ({ value: v }))],
            default: '',
          })
        : (await input({ message: `Kubernetes version (empty: ${cloudDefault})`, default: '' })).trim();
      if (picked) out.kubernetesVersion = picked;
    }
  }
  const defaults = applyDefaults(out);
  const sized = provider === 'aws' || provider === 'azure' || provider === 'gcp';
  if (provider !== 'ssh') {
    if ((selfManaged || provider === 'local') && out.controlPlane?.count === undefined) {
      out.controlPlane = {
        ...out.controlPlane,
        count: await number({
          message: 'Control planes',
          default: defaults.controlPlane.count,
          validate: countValidator(1),
        }),
      };
    }
    if (out.workers?.count === undefined) {
      out.workers = {
        ...out.workers,
        count: await number({ message: 'Workers', default: defaults.workers.count, validate: countValidator(0) }),
      };
    }
    if (selfManaged && out.etcd?.count === undefined) {
      out.etcd = {
        ...out.etcd,
        count: await number({
          message: 'External etcd members (0 = embedded)',
          default: defaults.etcd.count,
          validate: countValidator(0, true),
        }),
      };
    }
  }
  if (sized) {
    const sizes = DEFAULT_SIZES[provider];
    if (out.workers?.size === undefined)
      out.workers = { ...out.workers, size: await input({ message: 'Worker size', default: sizes.worker }) };
    if (selfManaged) {
      if (out.controlPlane?.size === undefined)
        out.controlPlane = {
          ...out.controlPlane,
          size: await input({ message: 'Control plane size', default: sizes.controlplane }),
        };
      if ((out.etcd?.count ?? defaults.etcd.count) > 0 && out.etcd?.size === undefined)
        out.etcd = { ...out.etcd, size: await input({ message: 'etcd size', default: sizes.etcd }) };
      if (out.loadBalancer?.size === undefined)
        out.loadBalancer = { size: await input({ message: 'Load balancer size', default: sizes.loadbalancer }) };
    }
  }
  return out;
}

export function summary(spec: ClusterSpec): string {
  const rows: [string, string][] = [
    ['name', spec.name],
    ['provider', `${spec.provider} (${spec.type})`],
    ['region', spec.region],
    ...(spec.distribution ? ([['distribution', spec.distribution]] as [string, string][]) : []),
    ['kubernetes', spec.kubernetesVersion ?? (spec.provider === 'local' ? "kind's default" : CLOUD_DEFAULT_VERSION)],
    ['control planes', `${spec.controlPlane.count}${spec.controlPlane.size ? ` × ${spec.controlPlane.size}` : ''}`],
    [
      'workers',
      `${spec.workers.count}${spec.workers.size ? ` × ${spec.workers.size}` : ''}${spec.workers.spot ? ' (spot)' : ''}`,
    ],
  ];
  if (spec.type === 'selfmanaged') {
    rows.push([
      'etcd',
      spec.etcd.count === 0 ? 'embedded' : `${spec.etcd.count}${spec.etcd.size ? ` × ${spec.etcd.size}` : ''}`,
    ]);
    rows.push(['load balancer', spec.loadBalancer.size || 'yes']);
  }
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`).join('\n');
}

export function confirmCreate(spec: ClusterSpec, prompt: Prompter): Promise<boolean> {
  return prompt.confirm({ message: `Create cluster ${spec.name}?`, default: true });
}
