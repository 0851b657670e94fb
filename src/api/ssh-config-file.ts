/**
 * Reading the OpenSSH client config for the ssh provider, as ssh(1) reads it: the user's file
 * (`~/.ssh/config`) then the system's (`/etc/ssh/ssh_config`), or with `spec.ssh.configFile` only
 * that file (like `ssh -F`). Parsing and Host/Match evaluation are the `ssh-config` package's; this
 * file only follows `Include` (which the package leaves as a plain directive) and turns failures into
 * input errors. Loaded lazily: only `create` with `--provider ssh` pays for it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import SSHConfig, { glob } from 'ssh-config';
import { InputError } from '../errors.js';
import { expandHome } from '../util/home.js';
import type { LocalUser, SshConfigLookup } from './ssh-config.js';

export const SYSTEM_CONFIG = '/etc/ssh/ssh_config';
/** ssh(1)'s READCONF_MAX_DEPTH: deeper Include nesting is an error (and stops include loops). */
const MAX_DEPTH = 16;
const FIELD = 'spec.ssh.configFile';

/**
 * The lookup for a spec's machines, or undefined when no config applies. `configFile` "none" reads
 * nothing; a named file must exist, the default ones may be absent.
 */
export function loadSshConfig(
  configFile: string | undefined,
  local: LocalUser,
  systemFile = SYSTEM_CONFIG,
): SshConfigLookup | undefined {
  if (configFile?.toLowerCase() === 'none') return undefined;
  const files = configFile
    ? [{ file: expandHome(configFile, local.home), required: true }]
    : [
        { file: path.join(local.home, '.ssh', 'config'), required: false },
        { file: systemFile, required: false },
      ];
  const texts = files.flatMap(({ file, required }) => {
    const text = readConfig(file, required);
    if (text === undefined) return [];
    // Relative Include paths: ~/.ssh for the user's files, /etc/ssh for the system's (ssh_config(5)).
    const base = file === systemFile ? path.dirname(systemFile) : path.join(local.home, '.ssh');
    return [withIncludes(text, file, base, local, 0)];
  });
  if (texts.length === 0) return undefined;
  let config: SSHConfig;
  try {
    config = SSHConfig.parse(texts.join('\n'));
  } catch (e) {
    throw new InputError(
      `cannot parse the SSH config (${files.map((f) => f.file).join(', ')}): ${(e as Error).message}`,
      [FIELD],
    );
  }
  // `Match exec` would run commands from the config at spec-resolution time: skipped (documented).
  return (host) => config.compute(host, { ignoreCase: true, matchExec: false });
}

function readConfig(file: string, required: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!required && code === 'ENOENT') return undefined;
    throw new InputError(`${FIELD}: cannot read SSH config ${file} (${code ?? (e as Error).message})`, [FIELD], {
      hint: 'name an existing OpenSSH client config, or "none" to read none',
    });
  }
}

const INCLUDE = /^\s*include(?:\s*=\s*|\s+)(.+?)\s*$/i;
const SECTION = /^\s*(host|match)(\s*=\s*|\s+)/i;

/**
 * Text with every Include replaced by the files it names (in glob order), as ssh(1) reads them. An
 * Include inside a Host/Match block applies under that block: after the included text the block's
 * header is repeated, so the lines that follow the Include stay under their own block.
 */
function withIncludes(text: string, file: string, base: string, local: LocalUser, depth: number): string {
  if (depth > MAX_DEPTH)
    throw new InputError(`${FIELD}: Include nesting in ${file} is deeper than ${MAX_DEPTH} (a loop?)`, [FIELD]);
  let section: string | undefined;
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (SECTION.test(line)) section = line;
    const inc = INCLUDE.exec(line);
    if (!inc) {
      out.push(line);
      continue;
    }
    for (const pattern of inc[1]!.split(/\s+/).filter(Boolean)) {
      for (const f of expandInclude(pattern.replace(/^"|"$/g, ''), base, local)) {
        const included = readConfig(f, false);
        if (included !== undefined) out.push(withIncludes(included, f, base, local, depth + 1));
      }
    }
    if (section) out.push(section);
  }
  return out.join('\n');
}

/** Files an Include pattern names; wildcards in the last path element (the common `config.d/*`). */
function expandInclude(pattern: string, base: string, local: LocalUser): string[] {
  const abs = pattern.startsWith('~') ? expandHome(pattern, local.home) : path.resolve(base, pattern);
  const dir = path.dirname(abs);
  const name = path.basename(abs);
  if (!/[*?]/.test(name)) return [abs];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return []; // like glob(3): a missing directory matches nothing
  }
  return entries
    .filter((e) => !e.startsWith('.') && glob(name, e))
    .sort()
    .map((e) => path.join(dir, e));
}
