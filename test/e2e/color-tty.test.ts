/**
 * `--no-color` and NO_COLOR turn colour off everywhere, even when FORCE_COLOR asks for it: prompts
 * (@inquirer), listr2's progress and commander's help, read from a real terminal (tmux) with its
 * colour escapes (capture-pane -e). The first test proves the terminal shows colour when allowed.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, sandbox, type Sandbox } from '../helpers/cli.js';
import { Tmux } from '../helpers/tmux.js';

let sb: Sandbox;
let term: Tmux;
beforeEach(() => {
  sb = sandbox();
  term = new Tmux();
});
afterEach(() => {
  term.kill();
  sb.cleanup();
});

/** A colour terminal that forces colour; NO_COLOR and CI removed from the sandbox's defaults. */
const colourEnv = (extra: NodeJS.ProcessEnv = {}) => {
  const { CI: _ci, NO_COLOR: _nc, ...env } = sb.env;
  return { ...env, TERM: 'xterm-256color', FORCE_COLOR: '1', ...extra };
};
// eslint-disable-next-line no-control-regex -- ESC starts the colour codes this test looks for
const SGR = /\x1b\[[0-9;]*m/;

describe('colour', () => {
  it('is shown on a colour terminal when nothing turns it off (the control)', async () => {
    term.start(`${process.execPath} ${BIN} create cluster`, colourEnv());
    await term.waitFor(/Cluster name/);
    expect(term.screen(true)).toMatch(SGR);
  });

  it.each([
    ['--no-color', ['--no-color'], {}],
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
  ])('%s: prompts have no colour', async (_what, flags, env) => {
    term.start(`${process.execPath} ${BIN} ${flags.join(' ')} create cluster`, colourEnv(env));
    await term.waitFor(/Cluster name/);
    term.type('dev');
    term.send('Enter');
    await term.waitFor(/Provider/);
    expect(term.screen(true)).not.toMatch(SGR);
  });

  it.each([
    ['--no-color', ['--no-color'], {}],
    ['NO_COLOR=1', [], { NO_COLOR: '1' }],
  ])('%s: listr2 progress and help have no colour', async (_what, flags, env) => {
    term.start(
      `${process.execPath} ${BIN} ${flags.join(' ')} --yes create cluster dev --provider local --no-switch && ${process.execPath} ${BIN} ${flags.join(' ')} --help`,
      colourEnv(env),
    );
    const s = await term.waitFor(/\[exit \d+\]/, 30_000);
    expect(s).toContain('Cluster dev is ready');
    expect(s).toContain('Usage: ksctl');
    expect(s).toContain('[exit 0]');
    expect(term.screen(true)).not.toMatch(SGR);
  });

  it('listr2 progress is coloured without them (the control)', async () => {
    term.start(`${process.execPath} ${BIN} --yes create cluster dev --provider local --no-switch`, colourEnv());
    await term.waitFor(/\[exit 0\]/, 30_000);
    expect(term.screen(true)).toMatch(SGR);
  });
});
