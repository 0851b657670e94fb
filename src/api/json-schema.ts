/** The JSON Schema of the cluster file, made from the same zod definition the loader uses. */
import { z } from 'zod';
import { ClusterFileSchema } from './v1alpha1/schema.js';

export function clusterFileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ClusterFileSchema, { target: 'draft-2020-12', io: 'input' }),
    $id: 'https://ksctl.io/schemas/cluster-v1alpha1.json',
    title: 'ksctl Cluster (ksctl.io/v1alpha1)',
  };
}
