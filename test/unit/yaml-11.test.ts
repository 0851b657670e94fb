/**
 * The shared YAML writer and the kubectl-like reader: what ksctl writes reads back exactly in YAML 1.1
 * (the real kubectl, PyYAML as cloud-init uses it, the yaml library in 1.1 mode) and YAML 1.2; and the
 * small block reader agrees with the full parser on everything it accepts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parse12 } from 'yaml';
import { leanParse, UNSUPPORTED } from '../../src/util/yaml-lean.js';
import { fullParse, parseYaml11 } from '../../src/util/yaml-read.js';
import { toYaml } from '../../src/util/yaml-write.js';

/** Names YAML 1.1 readers take for something else unless quoted, and other awkward strings. */
const TRICKY = [
  'on',
  'off',
  'yes',
  'no',
  'y',
  'n',
  'Y',
  'N',
  'On',
  'OFF',
  'True',
  'false',
  '~',
  'null',
  'Null',
  'NULL',
  '',
  '1:20',
  '190:20:30',
  '0o7',
  '010',
  '08',
  '0x1F',
  '0b101',
  '1_000',
  '+1',
  '-1',
  '1e3',
  '1.5',
  '.5',
  '.inf',
  '-.inf',
  '.NaN',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '<<',
  '=',
  ' lead',
  'trail ',
  'a: b',
  'a #b',
  '#x',
  '- x',
  '-x',
  '--flag',
  '@x',
  '`x',
  '!x',
  '&x',
  '*x',
  '|',
  '>',
  '%x',
  '?x',
  ':x',
  'x:',
  '{}',
  '[]',
  '"q"',
  "'q'",
  'a,b',
  'é',
  '\u2028',
  'tab\there',
  'a\nb',
  'a\nb\n',
  'a\nb\n\n',
  '\na',
  ' a\nb',
  'a \nb',
  'line\r\nbreak',
  '2h',
  '10.0.0.0/16',
  '1.31.6',
  'https://1.2.3.4:6443',
  'ksctl-local-local-on',
  'ssh-ed25519 AAAAC3 ksctl',
];

const doc = (s: string) => ({ name: s, list: [s, { k: s }], [s || 'empty']: s, nested: { value: s } });

let dir: string | undefined;
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));
const tmp = () => (dir ??= mkdtempSync(path.join(os.tmpdir(), 'ksctl-yaml11-')));

describe('toYaml', () => {
  it.each(TRICKY.map((s) => [JSON.stringify(s), s]))(
    'round-trips %s through YAML 1.1 and 1.2 readers',
    async (_label, s) => {
      const text = toYaml(doc(s));
      expect(parse12(text)).toEqual(doc(s));
      expect(await fullParse(text)).toEqual(doc(s));
      expect(await parseYaml11(text)).toEqual(doc(s));
    },
  );

  it('writes numbers, booleans, nulls, empty collections and nested lists as themselves', async () => {
    const v = {
      n: 3,
      f: 1.5,
      big: 1e21,
      neg: -0.25,
      t: true,
      f2: false,
      z: null,
      e: {},
      a: [],
      nested: [[1, 'x'], [], [{}]],
      inf: Infinity,
    };
    const text = toYaml(v);
    expect(parse12(text)).toEqual(v);
    expect(await fullParse(text)).toEqual(v);
  });

  it('keeps certificates and scripts readable (literal blocks) and plain names plain', () => {
    const text = toYaml({
      name: 'ksctl-aws-us-east-1-dev',
      server: 'https://10.0.0.1:6443',
      cert: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    });
    expect(text).toBe(
      'name: ksctl-aws-us-east-1-dev\nserver: https://10.0.0.1:6443\ncert: |\n  -----BEGIN CERTIFICATE-----\n  MIIB\n  -----END CERTIFICATE-----\n',
    );
  });

  it('is read back exactly by PyYAML (YAML 1.1, what cloud-init uses)', () => {
    const file = path.join(tmp(), 'py.yaml');
    const all = TRICKY.map(doc);
    writeFileSync(file, toYaml(all));
    const r = spawnSync(
      'python3',
      ['-c', 'import sys, yaml, json; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', file],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(all);
  });

  it('writes kubeconfigs the real kubectl loads, with every awkward name intact', () => {
    const names = TRICKY.filter((s) => s !== '' && !/[\n\r\u2028\t]/.test(s));
    const kc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: names.map((n) => ({
        name: n,
        cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true },
      })),
      users: names.map((n) => ({ name: n, user: { token: n } })),
      contexts: names.map((n) => ({ name: n, context: { cluster: n, user: n, namespace: 'default' } })),
      'current-context': 'on',
      preferences: {},
    };
    const file = path.join(tmp(), 'kubeconfig');
    writeFileSync(file, toYaml(kc));
    const r = spawnSync('kubectl', ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], {
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout) as {
      clusters: { name: string }[];
      users: { name: string; user: { token: string } }[];
      contexts: { name: string; context: { cluster: string } }[];
      'current-context': string;
    };
    expect(seen.clusters.map((c) => c.name).sort()).toEqual([...names].sort());
    expect(seen.users.map((u) => u.user.token).sort()).toEqual([...names].sort());
    expect(seen.contexts.map((c) => c.context.cluster).sort()).toEqual([...names].sort());
    expect(seen['current-context']).toBe('on');
  });
});

describe('reading as kubectl does', () => {
  it('reads YAML 1.1 booleans, nulls and octals, but not sexagesimals or timestamps', async () => {
    const text = 'a: yes\nb: off\nc: ~\nd: 010\ne: 1:20\nf: 2001-12-14\ng: 0o17\nh: "on"\n';
    expect(await parseYaml11(text)).toEqual({
      a: true,
      b: false,
      c: null,
      d: 8,
      e: '1:20',
      f: '2001-12-14',
      g: 15,
      h: 'on',
    });
  });

  it('an unquoted `yes` a user wrote keeps meaning true after ksctl rewrites the file', async () => {
    const v = await parseYaml11('clusters:\n- name: x\n  cluster:\n    insecure-skip-tls-verify: yes\n');
    expect(toYaml(v)).toContain('insecure-skip-tls-verify: true');
  });
});

/** Documents the small reader accepts must come out exactly as from the full parser; the rest it hands over. */
const CORPUS = [
  'a: b\n',
  'a:\n- x\n- y: z\n  w: v\n',
  'a:\n  - x\n  -   p: q\n      r: s\n',
  '- - a\n  - b\n- c\n',
  'k: |\n  line1\n\n  line2\n\nm: x\n',
  'k: |-\n  a\n  b\n',
  'k: |\n  a\n',
  'k: |\n  a',
  "k: 'it''s'\n",
  'k: "a\\nb\\u00e9"\n',
  'k: on\nm: Off\nnn: ~\no: null\np:\n',
  'k: a # c\n# full\nl: "x" # c\n',
  'k: {}\nl: []\n',
  '"on": 1\n',
  "'x y': z\n",
  'k: a:b\n',
  'k: -foo\n',
  'k: a b  c\n',
  '---\na: b\n',
  'a: b\n  c\n',
  'a:\n  b: c\n d: e\n',
  'a: &x b\nc: *x\n',
  'k: |+\n  a\n\n',
  'k: >\n  a\n',
  '',
  '# only\n',
  'a: b\nb: c\na: d\n',
  'k: |\n\n  a\n',
  'k: |\n    \n  a\n',
  'k: 0o17\n',
  'k: 1:20\n',
  'k: 2001-12-14\n',
  'k: 010\n',
  'k: 2h\n',
  'k: 10.0.0.0/16\n',
  'k: 1.31.6\n',
  'k: 0x1g\n',
  'k: !!str 1\n',
  'k: [a, b]\n',
  'k: {a: b}\n',
  'k:\ta\n',
  'a: b\r\n',
  '- a\n-\n  - b\n',
  'a:\n  b:\n    c: |\n      x\n      y\n  d: e\n',
];

describe('small block reader', () => {
  it.each(CORPUS.map((t) => [JSON.stringify(t), t]))('agrees with the full parser on %s', async (_label, text) => {
    const lean = leanParse(text);
    if (lean === UNSUPPORTED) return;
    expect(lean).toEqual(await fullParse(text));
  });

  it('reads what toYaml and kubectl write without the full parser', () => {
    const kc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'a', cluster: { server: 'https://x:1', 'certificate-authority-data': 'LS0t' } }],
      contexts: [],
      'current-context': 'a',
      preferences: {},
    };
    expect(leanParse(toYaml(kc))).toEqual(kc);
    // As kubectl itself writes a kubeconfig (go-yaml v2: sorted keys, indentless lists).
    const kubectlStyle =
      'apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: kind-dev\ncontexts:\n- context:\n    cluster: kind-dev\n    user: kind-dev\n  name: kind-dev\ncurrent-context: kind-dev\nkind: Config\npreferences: {}\nusers:\n- name: kind-dev\n  user:\n    token: abc.def\n';
    expect(leanParse(kubectlStyle)).not.toBe(UNSUPPORTED);
  });

  it.each(TRICKY.map((s) => [JSON.stringify(s), s]))(
    'agrees with the full parser on what toYaml writes for %s',
    async (_label, s) => {
      const text = toYaml(doc(s));
      const lean = leanParse(text);
      if (lean !== UNSUPPORTED) expect(lean).toEqual(doc(s));
    },
  );
});
