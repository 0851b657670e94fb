import type { ESLint, Rule } from 'eslint';

/** Rank of each top-level folder (or file) of src/: higher imports lower. */
export declare const RANKS: Readonly<Record<string, number>>;
declare const plugin: ESLint.Plugin & { rules: { layers: Rule.RuleModule } };
export default plugin;
