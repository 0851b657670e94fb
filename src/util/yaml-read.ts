/**
 * Reading YAML the way kubectl does (YAML 1.1 through go-yaml v2): `on`, `yes`, `y` are booleans, `~` is
 * null, `010` is octal; but no sexagesimals and no timestamps (go-yaml v2 leaves both as strings when
 * decoding into untyped values, as kubeconfigs are). A value ksctl reads from a user's kubeconfig and writes
 * back therefore means to kubectl what it meant before.
 *
 * Most kubeconfigs are plain block YAML (written by kubectl, kind, ksctl): a small reader handles exactly
 * that subset and gives up on anything else (anchors, tags, flow collections, numbers, folded scalars,
 * ...), which then goes to the full `yaml` library with the same schema. Both give the same result for
 * what the small one accepts (tested), and `switch` does not pay for loading the library.
 */
import { leanParse, UNSUPPORTED } from './yaml-lean.js';

/** Parses one YAML document as a YAML 1.1 reader like kubectl's would. Throws the library's error on bad YAML. */
export async function parseYaml11(text: string): Promise<unknown> {
  const lean = leanParse(text);
  if (lean !== UNSUPPORTED) return lean;
  return fullParse(text);
}

/** The full parser only (for the equivalence tests). */
export async function fullParse(text: string): Promise<unknown> {
  return (await import('./yaml-read-full.js')).parseYaml11Full(text);
}
