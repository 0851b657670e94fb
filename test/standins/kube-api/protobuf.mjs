// TEST STAND-IN support (not shipped): kubectl 1.32's typed generators (`kubectl create
// namespace|configmap|secret`) send Kubernetes protobuf ("k8s\0" + runtime.Unknown) instead of
// JSON. This decodes those three kinds — the fields those commands set — into JSON objects; any
// other protobuf body is refused with 415 by the server.

/** Read protobuf fields of buf as [fieldNumber, wireType, value] (value: number or Buffer). */
function fields(buf) {
  const out = [];
  let i = 0;
  const varint = () => {
    let v = 0n; let shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(varint());
    const [num, wire] = [key >> 3, key & 7];
    if (wire === 0) out.push([num, wire, Number(varint())]);
    else if (wire === 2) { const len = Number(varint()); out.push([num, wire, buf.subarray(i, i + len)]); i += len; }
    else if (wire === 1) { i += 8; } else if (wire === 5) { i += 4; } else throw new Error(`protobuf: unsupported wire type ${wire}`);
  }
  return out;
}

const str = (b) => b.toString('utf8');

function map(entries, bytes = false) {
  const out = {};
  for (const e of entries) {
    const f = Object.fromEntries(fields(e).map(([n, , v]) => [n, v]));
    out[str(f[1] ?? Buffer.alloc(0))] = bytes ? Buffer.from(f[2] ?? []).toString('base64') : str(f[2] ?? Buffer.alloc(0));
  }
  return out;
}

const all = (fs, n) => fs.filter(([k]) => k === n).map(([, , v]) => v);
const one = (fs, n) => all(fs, n)[0];

function objectMeta(buf) {
  const f = fields(buf);
  const m = {};
  if (one(f, 1)) m.name = str(one(f, 1));
  if (one(f, 2)) m.generateName = str(one(f, 2));
  if (one(f, 3)) m.namespace = str(one(f, 3));
  if (all(f, 11).length) m.labels = map(all(f, 11));
  if (all(f, 12).length) m.annotations = map(all(f, 12));
  return m;
}

/** Decode a "k8s\0"-prefixed body into a JSON object; throws for kinds it does not know. */
export function decodeK8sProtobuf(body) {
  if (body.subarray(0, 4).toString('latin1') !== 'k8s\0') throw new Error('not a Kubernetes protobuf body');
  const unknown = fields(body.subarray(4));
  const tm = fields(one(unknown, 1) ?? Buffer.alloc(0));
  const apiVersion = str(one(tm, 1) ?? Buffer.alloc(0));
  const kind = str(one(tm, 2) ?? Buffer.alloc(0));
  const raw = fields(one(unknown, 2) ?? Buffer.alloc(0));
  const obj = { apiVersion, kind, metadata: objectMeta(one(raw, 1) ?? Buffer.alloc(0)) };
  if (kind === 'Namespace') return obj;
  if (kind === 'ConfigMap') {
    if (all(raw, 2).length) obj.data = map(all(raw, 2));
    if (all(raw, 3).length) obj.binaryData = map(all(raw, 3), true);
    return obj;
  }
  if (kind === 'Secret') {
    if (all(raw, 2).length) obj.data = map(all(raw, 2), true);
    if (one(raw, 3)) obj.type = str(one(raw, 3));
    if (all(raw, 4).length) obj.stringData = map(all(raw, 4));
    return obj;
  }
  throw new Error(`protobuf bodies of kind ${kind} are not supported by the stand-in`);
}
