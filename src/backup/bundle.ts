/**
 * A bundle's plaintext: what a restore needs. Layout: 4-byte big-endian length of a JSON header, the
 * header ({ files: [{ name, size }], secrets: { name: value } }), then the files' bytes in header
 * order. Sizes lead, so the header is written before the first file byte is read and a reader knows
 * where each file ends while it streams (stream.ts); the whole is encrypted (crypto.ts), never stored plain.
 */
export interface BundleContents {
  /** Binary payloads by name (`snapshot.db`). */
  files: Record<string, Buffer>;
  /** Secret store entries restore needs besides the data (CAs, the k3s server token). */
  secrets: Record<string, string>;
}

export interface BundleHeader {
  files: { name: string; size: number }[];
  secrets: Record<string, string>;
}

/** The bytes before the first file: the length prefix and the header. */
export function headerBytes(header: BundleHeader): Buffer {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([len, h]);
}

export function packBundle(c: BundleContents): Buffer {
  const header: BundleHeader = {
    files: Object.entries(c.files).map(([name, b]) => ({ name, size: b.length })),
    secrets: c.secrets,
  };
  return Buffer.concat([headerBytes(header), ...Object.values(c.files)]);
}

/** A header at the start of `b`, and where the files begin; undefined until enough bytes are there. */
export function readHeader(b: Buffer): { header: BundleHeader; end: number } | undefined {
  if (b.length < 4) return undefined;
  const hl = b.readUInt32BE(0);
  if (hl > 16 * 1024 * 1024) throw new Error('bundle header is implausibly large');
  if (4 + hl > b.length) return undefined;
  const header = JSON.parse(b.subarray(4, 4 + hl).toString('utf8')) as BundleHeader;
  if (!Array.isArray(header.files) || typeof header.secrets !== 'object') throw new Error('bundle header is malformed');
  return { header, end: 4 + hl };
}

export function unpackBundle(b: Buffer): BundleContents {
  if (b.length < 4) throw new Error('bundle is truncated');
  const h = readHeader(b);
  if (!h) throw new Error('bundle header is truncated');
  const files: Record<string, Buffer> = {};
  let off = h.end;
  for (const f of h.header.files) {
    if (off + f.size > b.length) throw new Error(`bundle file ${f.name} is truncated`);
    files[f.name] = b.subarray(off, off + f.size);
    off += f.size;
  }
  if (off !== b.length) throw new Error('bundle has trailing bytes');
  return { files, secrets: h.header.secrets };
}
