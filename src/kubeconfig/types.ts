/** The parts of a kubeconfig ksctl reads and writes; unknown fields are carried through untouched. */
export interface NamedEntry {
  name: string;
  [key: string]: unknown;
}

export interface Kubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters?: NamedEntry[];
  users?: NamedEntry[];
  contexts?: NamedEntry[];
  'current-context'?: string;
  preferences?: unknown;
  [key: string]: unknown;
}

export const SECTIONS = ['clusters', 'users', 'contexts'] as const;
export type Section = (typeof SECTIONS)[number];

/** Where to read and write, decided like kubectl does (see loading.ts). */
export interface KubeconfigTarget {
  /** --kubeconfig: that file only. */
  explicit?: string;
  /** Files from $KUBECONFIG, in order (empty entries dropped). */
  envFiles: string[];
  /** ~/.kube/config */
  homeFile: string;
}
