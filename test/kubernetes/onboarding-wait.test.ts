/**
 * `waitOnboarded` against an API that answers as one behind a load balancer does while other control
 * planes join: no connection, 5xx, 401/403 from an API server still syncing its caches. These are asked
 * again until the deadline; a TLS refusal or a lasting 403 ends the wait at once or after the settle time.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClient } from '../../src/managers/kubernetes/client.js';
import { apiError } from '../../src/managers/kubernetes/errors.js';
import { OnboardingError, waitOnboarded } from '../../src/managers/kubernetes/onboarding.js';

const SERVER = 'https://10.0.0.10:6443';
const readyNode = {
  metadata: { name: 'w-0', creationTimestamp: new Date('2026-12-07T00:00:00Z'), labels: {} },
  spec: { providerID: 'ksctl://up/w-0' },
  status: { conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-12-07T00:00:00Z') }] },
};
const want = { labels: {}, taints: [], providerID: 'ksctl://up/w-0' };

/** A client whose readNode throws the errors of `script` in turn, then answers with a Ready node. */
function scripted(script: Error[]): KubeClient & { calls: number } {
  const c = {
    server: SERVER,
    calls: 0,
    core: {
      readNode: () => {
        const next = script[c.calls++];
        return next === undefined ? Promise.resolve(readyNode) : Promise.reject(next);
      },
    },
    mergePatch: {},
    async call<T>(what: string, fn: (core: never) => Promise<T>): Promise<T> {
      try {
        return await fn(c.core as never);
      } catch (e) {
        throw apiError(e, what, SERVER);
      }
    },
    close() {},
  };
  return c as unknown as KubeClient & { calls: number };
}

const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
/** What client-node throws for an HTTP error: its ApiException carries `code` and the body. */
const httpError = (code: number, body: string) => Object.assign(new Error(`HTTP ${code}`), { code, body });
const unavailable = httpError(503, '{"message":"service unavailable","reason":"ServiceUnavailable"}');
const forbidden = httpError(403, '{"message":"nodes \\"w-0\\" is forbidden","reason":"Forbidden"}');
const badCert = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });

afterEach(() => vi.useRealTimers());

describe('waitOnboarded while the API behind the load balancer settles', () => {
  it('asks again after no connection, 503 and 403, and returns the node once it passes', async () => {
    vi.useFakeTimers();
    const c = scripted([reset, unavailable, forbidden, forbidden]);
    const p = waitOnboarded(c, 'w-0', want, 600_000);
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(p).resolves.toMatchObject({ name: 'w-0', ready: true });
    expect(c.calls).toBe(5);
  });

  it('fails at once on a certificate the CA does not verify', async () => {
    const c = scripted([badCert]);
    await expect(waitOnboarded(c, 'w-0', want, 600_000)).rejects.toThrow(/CERT_HAS_EXPIRED/);
    expect(c.calls).toBe(1);
  });

  it('takes 403 in a row for a refusal after a minute, not the whole onboarding timeout', async () => {
    vi.useFakeTimers();
    const c = scripted(Array.from({ length: 1_000 }, () => forbidden));
    const p = waitOnboarded(c, 'w-0', want, 600_000);
    const outcome = p.then(
      () => 'passed',
      (e: Error) => e,
    );
    await vi.advanceTimersByTimeAsync(59_000);
    expect(c.calls).toBeGreaterThan(50);
    await vi.advanceTimersByTimeAsync(2_000);
    const e = await outcome;
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/forbidden \(HTTP 403 Forbidden\)/);
  });

  it('counts 403s from the first one even when a down API server answers in between (a round robin)', async () => {
    vi.useFakeTimers();
    const c = scripted(Array.from({ length: 1_000 }, (_, i) => (i % 2 ? unavailable : forbidden)));
    const outcome = waitOnboarded(c, 'w-0', want, 600_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(61_000);
    const e = await outcome;
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/HTTP 403/);
  });

  it('fails at once on a name that does not resolve (not a connection that broke)', async () => {
    const c = scripted([Object.assign(new Error('getaddrinfo ENOTFOUND lb.example'), { code: 'ENOTFOUND' })]);
    await expect(waitOnboarded(c, 'w-0', want, 600_000)).rejects.toThrow(/ENOTFOUND/);
    expect(c.calls).toBe(1);
  });

  it('names the last API error among the gaps when the deadline passes with the API still down', async () => {
    vi.useFakeTimers();
    const c = scripted(Array.from({ length: 1_000 }, () => unavailable));
    const outcome = waitOnboarded(c, 'w-0', want, 10_000).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(11_000);
    const e = await outcome;
    expect(e).toBeInstanceOf(OnboardingError);
    expect((e as OnboardingError).gaps).toEqual([
      `the API server did not answer: read node w-0: service unavailable (HTTP 503 ServiceUnavailable)`,
    ]);
  });
});
