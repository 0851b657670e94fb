/**
 * The full YAML parser (the `yaml` library) with the schema kubectl reads with: YAML 1.1 as go-yaml v2
 * resolves it for untyped values (no sexagesimals, no timestamps; `0o17` is an int). Loaded only when
 * the small reader (yaml-lean.ts) cannot read a text, or where start-up time does not matter.
 */
import { parse, type ParseOptions, type DocumentOptions, type SchemaOptions, type ToJSOptions } from 'yaml';

const OPTIONS: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions = {
  version: '1.1',
  customTags: (tags) => [
    ...tags.filter((t) => typeof t === 'string' || (t.tag !== 'tag:yaml.org,2002:timestamp' && t.format !== 'TIME')),
    {
      tag: 'tag:yaml.org,2002:int',
      default: true,
      test: /^[-+]?0o[0-7_]+$/,
      resolve: (s: string) => {
        const n = parseInt(s.replace(/_/g, '').replace('0o', ''), 8);
        return s.startsWith('-') ? -n : n;
      },
    },
  ],
};

/** Parses one document as kubectl (YAML 1.1, go-yaml v2) would; throws the library's error on bad YAML. */
export function parseYaml11Full(text: string): unknown {
  return parse(text, OPTIONS);
}
