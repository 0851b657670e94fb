/** `~` and `~/…` as a shell expands them (the user's home directory); any other path made absolute. */
import os from 'node:os';
import path from 'node:path';

export function expandHome(p: string, home: string = os.homedir()): string {
  if (p === '~') return home;
  return p.startsWith('~/') ? path.join(home, p.slice(2)) : path.resolve(p);
}
