/**
 * ESLint rule `ksctl/layers`: src/ flows one way (docs/development.md; shared/ARCHITECTURE.md, "The one-way flow").
 * Each folder of src/ has a rank; a file may import its own folder or a folder of a lower rank, never a
 * sibling of the same rank (cloud code does not know distro, distro does not know which cloud made a
 * machine, neither prints through io) and never a higher one. Imports are resolved to files, so the check
 * does not depend on how many `../` a path has; type-only imports count too (a type is a dependency).
 */
import path from 'node:path';

/** Higher imports lower. src/errors.ts is the base every layer may throw from. */
export const RANKS = {
  cli: 8,
  commands: 7,
  managers: 6,
  cloud: 5,
  backup: 5,
  distro: 5,
  kubeconfig: 5,
  io: 5,
  pipeline: 4,
  state: 3,
  api: 2,
  util: 1,
  errors: 0,
};

const ORDER =
  'cli → commands → managers → cloud | backup | distro | kubeconfig | io → pipeline → state → api → util → errors';

/** The top-level folder (or file, without extension) of src/ that `file` is in; undefined outside src/. */
function layerOf(srcDir, file) {
  const rel = path.relative(srcDir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0].replace(/\.[cm]?[jt]s$/, '');
}

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: {
    type: 'problem',
    docs: { description: 'src/ layers import only their own folder or lower layers' },
    schema: [],
    messages: {
      upward: "src/{{from}} may not import src/{{to}} ('{{spec}}'): layers flow one way: " + ORDER,
      outside:
        "src/ may not import '{{spec}}' from outside src/ (tests, benchmarks and scripts depend on src, not back)",
      unknown: 'src/{{layer}} has no rank in scripts/eslint-layers.mjs: add it to RANKS where it belongs',
    },
  },
  create(context) {
    const srcDir = path.join(context.cwd, 'src');
    const from = layerOf(srcDir, context.filename);
    if (from === undefined) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(context.filename), spec);
      const to = layerOf(srcDir, target);
      if (to === undefined) return context.report({ node, messageId: 'outside', data: { spec } });
      if (to === from) return;
      for (const layer of [from, to]) {
        if (!(layer in RANKS)) return context.report({ node, messageId: 'unknown', data: { layer } });
      }
      if (RANKS[to] >= RANKS[from]) context.report({ node, messageId: 'upward', data: { from, to, spec } });
    };
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
      // `import('../x.js').T` in a type position
      TSImportType: (node) => {
        const arg = node.argument;
        if (arg?.type === 'TSLiteralType' && arg.literal.type === 'Literal') check(arg, arg.literal.value);
      },
    };
  },
};

export default { meta: { name: 'ksctl' }, rules: { layers } };
