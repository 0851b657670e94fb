/**
 * Facts about instance types (vCPUs, architecture) and the Ubuntu 24.04 AMI per architecture, read
 * once per provider instance and cached.
 */
import { InputError, ProviderError } from '../../errors.js';
import type { AwsCtx } from './context.js';
import { hasCode, isNotFound } from './errors.js';
import type { InstanceTypeName } from './sdk.js';

export interface TypeInfo {
  vcpus: number;
  arch: 'amd64' | 'arm64';
}

const ubuntuParameter = (arch: string) =>
  `/aws/service/canonical/ubuntu/server/24.04/stable/current/${arch}/hvm/ebs-gp3/ami-id`;

export class InstanceCatalog {
  private readonly types = new Map<string, TypeInfo>();
  private readonly amis = new Map<string, Promise<string>>();

  /** vCPUs and architecture of each type; an unknown type is the user's input error. */
  async typeInfo(cloud: AwsCtx, types: string[]): Promise<Map<string, TypeInfo>> {
    const missing = [...new Set(types)].filter((t) => t && !this.types.has(t));
    for (let i = 0; i < missing.length; i += 100) {
      const batch = missing.slice(i, i + 100);
      try {
        const out = await cloud.aws.ec2.describeInstanceTypes({ InstanceTypes: batch as InstanceTypeName[] });
        for (const t of out.InstanceTypes ?? []) {
          const archs = t.ProcessorInfo?.SupportedArchitectures ?? [];
          this.types.set(t.InstanceType ?? '', {
            vcpus: t.VCpuInfo?.DefaultVCpus ?? 0,
            arch: archs.includes('x86_64') ? 'amd64' : 'arm64',
          });
        }
      } catch (e) {
        if (hasCode(e, 'InvalidInstanceType')) {
          throw new InputError(`unknown instance type among ${batch.join(', ')}`, ['spec.workers.size'], { cause: e });
        }
        throw e;
      }
    }
    return new Map(types.map((t) => [t, this.types.get(t) ?? { vcpus: 0, arch: 'amd64' as const }]));
  }

  /** The current Ubuntu 24.04 AMI for an architecture, from Canonical's public SSM parameter. */
  ami(cloud: AwsCtx, arch: 'amd64' | 'arm64'): Promise<string> {
    let p = this.amis.get(arch);
    if (!p) {
      p = (async () => {
        try {
          const out = await cloud.aws.ssm.getParameter({ Name: ubuntuParameter(arch) });
          const v = out.Parameter?.Value;
          if (!v) throw new ProviderError(`no Ubuntu 24.04 ${arch} image in ${cloud.spec.region}`);
          return v;
        } catch (e) {
          if (isNotFound(e))
            throw new ProviderError(`no Ubuntu 24.04 ${arch} image in ${cloud.spec.region}`, { cause: e });
          throw e;
        }
      })();
      p.catch(() => this.amis.delete(arch));
      this.amis.set(arch, p);
    }
    return p;
  }
}
