/**
 * Paths of `sent` whose value did not come back from an SDK's serialize → deserialize (or a proto's
 * encode → decode): dropped, renamed or changed. What the request-model tests compare with.
 */
export function lostPaths(sent: unknown, back: unknown, at = ''): string[] {
  if (sent === undefined) return [];
  // An empty list or map carries nothing: proto3 and the SDK serializers leave it out, and nothing is lost.
  const empty = Array.isArray(sent)
    ? sent.length === 0
    : !!sent && typeof sent === 'object' && Object.keys(sent).length === 0;
  if (empty && back === undefined) return [];
  if (Array.isArray(sent)) {
    if (!Array.isArray(back)) return [at || '(root)'];
    return sent.flatMap((x, i) => lostPaths(x, back[i], `${at}[${i}]`));
  }
  if (sent && typeof sent === 'object') {
    if (!back || typeof back !== 'object') return [at || '(root)'];
    return Object.entries(sent).flatMap(([k, v]) =>
      lostPaths(v, (back as Record<string, unknown>)[k], at ? `${at}.${k}` : k),
    );
  }
  return sent === back ? [] : [at];
}
