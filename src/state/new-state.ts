/** A fresh ClusterState for a spec that has never been created. */
import { randomUUID } from 'node:crypto';
import { clusterIdOf, type ClusterSpec } from '../api/types.js';
import { STATE_SCHEMA_VERSION, type ClusterState } from './types.js';

export function newClusterState(spec: ClusterSpec, now = new Date()): ClusterState {
  const ts = now.toISOString();
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    id: clusterIdOf(spec),
    type: spec.type,
    phase: 'creating',
    spec,
    uid: randomUUID(),
    createdAt: ts,
    updatedAt: ts,
    resources: {},
    machines: {},
    versions: {},
    steps: [],
    runs: [],
  };
}
