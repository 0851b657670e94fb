/** The operator's public address, as every cloud provider looks it up by default. */
const CHECKIP_URL = 'https://checkip.amazonaws.com';

/** Asks checkip.amazonaws.com (5 s budget). Any failure means "unknown", never an exception. */
export async function checkIpLookup(signal?: AbortSignal): Promise<string | undefined> {
  try {
    const timeout = AbortSignal.timeout(5000);
    const res = await fetch(CHECKIP_URL, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
    if (!res.ok) return undefined;
    const ip = (await res.text()).trim();
    return ip.length > 0 && ip.length < 64 ? ip : undefined;
  } catch {
    return undefined;
  }
}
