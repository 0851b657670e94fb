// TEST STAND-IN support (not shipped): server-side printing. kubectl 1.32 asks for
// `as=Table;g=meta.k8s.io;v=v1` on `get` and prints the server's columns, so the stand-in renders
// the same columns kube-apiserver does (NAME STATUS ROLES AGE VERSION for nodes, etc.).

/** apimachinery's duration.HumanDuration, which the AGE column uses. */
export function humanDuration(ms) {
  const sec = Math.floor(ms / 1000);
  if (sec < 0) return '0s';
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 10) return sec % 60 ? `${min}m${sec % 60}s` : `${min}m`;
  if (min < 180) return `${min}m`;
  const h = Math.floor(min / 60);
  if (h < 8) return min % 60 ? `${h}h${min % 60}m` : `${h}h`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 ? `${Math.floor(h / 24)}d${h % 24}h` : `${Math.floor(h / 24)}d`;
  if (h < 24 * 730) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / 8760); const d = Math.floor(h / 24) % 365;
  return h < 24 * 365 * 8 && d ? `${y}y${d}d` : `${y}y`;
}

const age = (o) => (o.metadata?.creationTimestamp ? humanDuration(Date.now() - Date.parse(o.metadata.creationTimestamp)) : '<unknown>');
const col = (name, type = 'string', priority = 0, format = '') => ({ name, type, format, description: name, priority });

function nodeStatus(n) {
  const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
  const s = [ready?.status === 'True' ? 'Ready' : 'NotReady'];
  if (n.spec?.unschedulable) s.push('SchedulingDisabled');
  return s.join(',');
}

function nodeRoles(n) {
  const roles = Object.keys(n.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/')).map((k) => k.slice('node-role.kubernetes.io/'.length));
  if (n.metadata?.labels?.['kubernetes.io/role']) roles.push(n.metadata.labels['kubernetes.io/role']);
  return roles.length ? [...new Set(roles)].sort().join(',') : '<none>';
}

const addr = (n, type) => n.status?.addresses?.find((a) => a.type === type)?.address ?? '<none>';

const PRINTERS = {
  nodes: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Roles'), col('Age'), col('Version'),
      col('Internal-IP', 'string', 1), col('External-IP', 'string', 1), col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1), col('Container-Runtime', 'string', 1)],
    cells: (n) => [n.metadata.name, nodeStatus(n), nodeRoles(n), age(n), n.status?.nodeInfo?.kubeletVersion ?? '',
      addr(n, 'InternalIP'), addr(n, 'ExternalIP'), n.status?.nodeInfo?.osImage ?? '<unknown>',
      n.status?.nodeInfo?.kernelVersion ?? '<unknown>', n.status?.nodeInfo?.containerRuntimeVersion ?? '<unknown>'],
  },
  namespaces: {
    columns: [col('Name', 'string', 0, 'name'), col('Status'), col('Age')],
    cells: (o) => [o.metadata.name, o.status?.phase ?? 'Active', age(o)],
  },
  pods: {
    columns: [col('Name', 'string', 0, 'name'), col('Ready'), col('Status'), col('Restarts', 'string'), col('Age'),
      col('IP', 'string', 1), col('Node', 'string', 1)],
    cells: (o) => {
      const cs = o.status?.containerStatuses ?? [];
      const restarts = cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
      return [o.metadata.name, `${cs.filter((c) => c.ready).length}/${o.spec?.containers?.length ?? 0}`, o.status?.phase ?? 'Pending',
        String(restarts), age(o), o.status?.podIP ?? '<none>', o.spec?.nodeName ?? '<none>'];
    },
  },
  secrets: {
    columns: [col('Name', 'string', 0, 'name'), col('Type'), col('Data', 'integer'), col('Age')],
    cells: (o) => [o.metadata.name, o.type ?? 'Opaque', Object.keys(o.data ?? {}).length, age(o)],
  },
  daemonsets: {
    columns: [col('Name', 'string', 0, 'name'), col('Desired', 'integer'), col('Current', 'integer'), col('Ready', 'integer'),
      col('Up-to-date', 'integer'), col('Available', 'integer'), col('Node Selector'), col('Age'),
      col('Containers', 'string', 1), col('Images', 'string', 1)],
    cells: (o) => {
      const st = o.status ?? {};
      const sel = Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(',') || '<none>';
      const cs = o.spec?.template?.spec?.containers ?? [];
      return [o.metadata.name, st.desiredNumberScheduled ?? 0, st.currentNumberScheduled ?? 0, st.numberReady ?? 0,
        st.updatedNumberScheduled ?? 0, st.numberAvailable ?? 0, sel, age(o), cs.map((c) => c.name).join(','), cs.map((c) => c.image).join(',')];
    },
  },
  configmaps: {
    columns: [col('Name', 'string', 0, 'name'), col('Data', 'integer'), col('Age')],
    cells: (o) => [o.metadata.name, Object.keys(o.data ?? {}).length, age(o)],
  },
};

const GENERIC = { columns: [col('Name', 'string', 0, 'name'), col('Age')], cells: (o) => [o.metadata.name, age(o)] };

/** True when the Accept header asks for a meta.k8s.io Table. */
export function wantsTable(accept = '') {
  return /as=Table/.test(accept);
}

/** A meta.k8s.io/v1 Table of the given objects; rows carry PartialObjectMetadata like the real one. */
export function toTable(resource, objects, resourceVersion) {
  const p = PRINTERS[resource] ?? GENERIC;
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: String(resourceVersion ?? '') },
    columnDefinitions: p.columns,
    rows: objects.map((o) => ({
      cells: p.cells(o),
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
