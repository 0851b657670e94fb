/**
 * A stand-in for S3's checksum check on receipt, in front of moto's server: moto 5.2.6 stores the
 * `x-amz-checksum-*` value a request names without computing it (moto/s3/responses.py `_get_checksum`:
 * "TODO: AWS computes the provided value and verifies it's the same"), so on its own it would accept a
 * wrong checksum, or a damaged part. This proxy does what S3 does first: every PUT that names a CRC32
 * is refused (400 BadDigest, S3's error body) unless the CRC32 of the bytes that arrived matches; the
 * rest goes to moto unchanged. It records each request, and can damage one part on the way (a byte
 * flipped, as a bad link would) to show what ksctl does when S3 refuses a part. And it can hold one
 * request (never forwarded) so a test can kill ksctl while that request is in flight, at a known point.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32 } from 'node:zlib';

export interface SeenRequest {
  method: string;
  /** The S3 operation, from the method and query (the SDK's path-style requests). */
  op:
    'CreateMultipartUpload' | 'UploadPart' | 'CompleteMultipartUpload' | 'AbortMultipartUpload' | 'PutObject' | 'other';
  partNumber?: number;
  crc32?: string;
  contentSha256?: string;
  bytes: number;
  status: number;
}

export interface ChecksumProxy {
  endpoint: string;
  seen: SeenRequest[];
  /** Flip a byte in this part number's body on its way (undefined: none). */
  damagePart?: number;
  /**
   * Hold the next request `match` accepts: it is not forwarded; `arrived` resolves when it comes, and
   * `drop()` closes its connection unanswered (as a client killed mid-request would leave it).
   */
  holdNext(match: (r: { method: string; op: SeenRequest['op']; path: string }) => boolean): Hold;
  stop(): Promise<void>;
}

export interface Hold {
  arrived: Promise<void>;
  drop(): void;
}

const opOf = (method: string, q: URLSearchParams): SeenRequest['op'] => {
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'PUT' && q.has('partNumber') && q.has('uploadId')) return 'UploadPart';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (method === 'PUT' && [...q.keys()].every((k) => k === 'x-id')) return 'PutObject'; // the SDK adds ?x-id=PutObject
  return 'other';
};

const badDigest = (crc: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>BadDigest</Code><Message>The CRC32 you specified did not match the calculated checksum.</Message><ExpectedChecksum>${crc}</ExpectedChecksum></Error>`;

export async function startChecksumProxy(target: string): Promise<ChecksumProxy> {
  const up = new URL(target);
  let hold:
    { match: Parameters<ChecksumProxy['holdNext']>[0]; arrive: () => void; res?: http.ServerResponse } | undefined;
  const proxy: ChecksumProxy = {
    endpoint: '',
    seen: [],
    holdNext(match) {
      let arrive = () => undefined as void;
      const arrived = new Promise<void>((r) => (arrive = r));
      const h: NonNullable<typeof hold> = { match, arrive };
      hold = h;
      return {
        arrived,
        drop: () => {
          if (hold === h) hold = undefined;
          h.res?.socket?.destroy();
        },
      };
    },
    stop: async () => undefined,
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const u = new URL(req.url ?? '/', 'http://proxy');
      const op = opOf(req.method ?? 'GET', u.searchParams);
      const partNumber = op === 'UploadPart' ? Number(u.searchParams.get('partNumber')) : undefined;
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        op,
        ...(partNumber ? { partNumber } : {}),
        ...(req.headers['x-amz-checksum-crc32'] ? { crc32: String(req.headers['x-amz-checksum-crc32']) } : {}),
        ...(req.headers['x-amz-content-sha256'] ? { contentSha256: String(req.headers['x-amz-content-sha256']) } : {}),
        bytes: body.length,
        status: 0,
      };
      proxy.seen.push(seen);
      if (hold && !hold.res && hold.match({ method: seen.method, op, path: u.pathname })) {
        hold.res = res;
        hold.arrive();
        return;
      }
      if (partNumber !== undefined && partNumber === proxy.damagePart && body.length > 0)
        body.writeUInt8(body.readUInt8(body.length >> 1) ^ 0x01, body.length >> 1);
      const named = req.headers['x-amz-checksum-crc32'];
      if (req.method === 'PUT' && typeof named === 'string') {
        const b = Buffer.alloc(4);
        b.writeUInt32BE(crc32(body) >>> 0);
        if (b.toString('base64') !== named) {
          seen.status = 400;
          res.writeHead(400, { 'content-type': 'application/xml' }).end(badDigest(named));
          return;
        }
      }
      const out = http.request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
        (r) => {
          seen.status = r.statusCode ?? 0;
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      out.on('error', (e) => res.writeHead(502).end(String(e)));
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return proxy;
}
