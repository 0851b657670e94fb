/**
 * A real terminal for prompt tests: tmux on its own socket, driven with send-keys and read with
 * capture-pane, as a person would type and read.
 */
import { execFileSync } from 'node:child_process';

export class Tmux {
  private readonly socket = `ksctl-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly session = 'ksctl';

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }

  /** Starts `command` in a fresh 120x40 terminal with exactly `env`. */
  start(command: string, env: NodeJS.ProcessEnv): void {
    const exports = Object.entries(env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${shellQuote(v!)}`)
      .join(' ');
    this.tmux(
      'new-session',
      '-d',
      '-s',
      this.session,
      '-x',
      '120',
      '-y',
      '40',
      `env -i ${exports} ${command}; echo "[exit $?]"; sleep 600`,
    );
  }

  send(...keys: string[]): void {
    this.tmux('send-keys', '-t', this.session, ...keys);
  }

  type(text: string): void {
    this.tmux('send-keys', '-t', this.session, '-l', text);
  }

  /** The screen as text; with `escapes`, the colour and attribute escapes too (capture-pane -e). */
  screen(escapes = false): string {
    return this.tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', this.session, '-S', '-200');
  }

  async waitFor(pattern: RegExp, ms = 15_000): Promise<string> {
    const until = Date.now() + ms;
    for (;;) {
      const s = this.screen();
      if (pattern.test(s)) return s;
      if (Date.now() > until) throw new Error(`timed out waiting for ${pattern} on screen:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }
}

function shellQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}
