/**
 * Who may reach SSH and the API port: the spec's allowCidrs, else the operator's own public address
 * (looked up through the runtime). Unknown → an input error asking for `--allow-cidr`.
 */
import { isIP } from 'node:net';
import type { ClusterSpec } from '../../api/types.js';
import { InputError } from '../../errors.js';
import { isCidr, isIpv6 } from './cidr.js';
/** Anything that can look up the operator's public address (each provider's runtime). */
export interface PublicIpLookup {
  lookupPublicIp(signal?: AbortSignal): Promise<string | undefined>;
}

export async function resolveOperatorCidrs(
  spec: ClusterSpec,
  runtime: PublicIpLookup,
  signal?: AbortSignal,
): Promise<string[]> {
  const given = spec.network.allowCidrs ?? [];
  if (given.length > 0) {
    const bad = given.filter((c) => !isCidr(c));
    if (bad.length > 0) throw new InputError(`not a CIDR: ${bad.join(', ')}`, ['spec.network.allowCidrs']);
    return [...given];
  }
  const ip = (await runtime.lookupPublicIp(signal))?.trim();
  const family = ip ? isIP(ip) : 0;
  if (!ip || family === 0) {
    throw new InputError(
      'could not find your public IP address to open SSH and the API port to',
      ['spec.network.allowCidrs'],
      {
        hint: 'pass --allow-cidr <your-ip>/32 (or a wider range)',
      },
    );
  }
  return [family === 6 ? `${ip}/128` : `${ip}/32`];
}

/**
 * The operator CIDRs, looked up once per provider instance (every step asks); a failed lookup is
 * not cached, so the next step tries again.
 */
export class OperatorCidrs {
  private cached: Promise<string[]> | undefined;

  constructor(private readonly runtime: () => PublicIpLookup) {}

  get(spec: ClusterSpec, signal?: AbortSignal): Promise<string[]> {
    if (!this.cached) {
      this.cached = resolveOperatorCidrs(spec, this.runtime(), signal);
      this.cached.catch(() => (this.cached = undefined));
    }
    return this.cached;
  }

  /** IPv4 ranges only: managed API endpoints (EKS, GKE) accept no IPv6. `service` names the endpoint. */
  async ipv4(spec: ClusterSpec, service: string, signal?: AbortSignal): Promise<string[]> {
    const v4 = (await this.get(spec, signal)).filter((c) => !isIpv6(c));
    if (v4.length === 0) {
      throw new InputError(
        `the ${service} API endpoint can only be limited to IPv4 ranges`,
        ['spec.network.allowCidrs'],
        {
          hint: 'pass --allow-cidr with your IPv4 address',
        },
      );
    }
    return v4;
  }
}
