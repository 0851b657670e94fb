/**
 * One colour decision for the whole process. `--no-color` or a non-empty NO_COLOR (no-color.org) turns
 * colour off everywhere: our own output, listr2's progress (colorette), prompts (yoctocolors, i.e.
 * Node's tty.hasColors) and commander's help. Those libraries read process.env when they load, and
 * FORCE_COLOR wins over NO_COLOR in Node's own rule, so the decision is written into process.env before
 * any of them is imported (they all load lazily, after this runs).
 */
export function colorRequestedOff(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const end = argv.indexOf('--');
  const flags = end === -1 ? argv : argv.slice(0, end);
  return flags.includes('--no-color') || (env.NO_COLOR !== undefined && env.NO_COLOR !== '');
}

/** Makes every colour library in this process agree with `off`. */
export function applyColorChoice(off: boolean, env: NodeJS.ProcessEnv = process.env): void {
  if (off) {
    env.NO_COLOR = '1';
    env.NODE_DISABLE_COLORS = '1';
    delete env.FORCE_COLOR;
  } else if (env.NO_COLOR === '') {
    // An empty NO_COLOR means "not set" (no-color.org); colorette would read it as set.
    delete env.NO_COLOR;
  }
}
