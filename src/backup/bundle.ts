/**
 * A bundle's plaintext: what a restore needs, in one buffer. Layout: 4-byte big-endian length of a
 * JSON header, the header ({ files: [{ name, size }], secrets: { name: value } }), then the files'
 * bytes in header order. The whole thing is then encrypted (crypto.ts); it is never stored plain.
 */
export interface BundleContents {
  /** Binary payloads by name (`snapshot.db`). */
  files: Record<string, Buffer>;
  /** Secret store entries restore needs besides the data (CAs, the k3s server token). */
  secrets: Record<string, string>;
}

interface Header {
  files: { name: string; size: number }[];
  secrets: Record<string, string>;
}

export function packBundle(c: BundleContents): Buffer {
  const header: Header = {
    files: Object.entries(c.files).map(([name, b]) => ({ name, size: b.length })),
    secrets: c.secrets,
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(h.length);
  return Buffer.concat([len, h, ...Object.values(c.files)]);
}

export function unpackBundle(b: Buffer): BundleContents {
  if (b.length < 4) throw new Error('bundle is truncated');
  const hl = b.readUInt32BE(0);
  if (4 + hl > b.length) throw new Error('bundle header is truncated');
  const header = JSON.parse(b.subarray(4, 4 + hl).toString('utf8')) as Header;
  const files: Record<string, Buffer> = {};
  let off = 4 + hl;
  for (const f of header.files) {
    if (off + f.size > b.length) throw new Error(`bundle file ${f.name} is truncated`);
    files[f.name] = b.subarray(off, off + f.size);
    off += f.size;
  }
  if (off !== b.length) throw new Error('bundle has trailing bytes');
  return { files, secrets: header.secrets };
}
