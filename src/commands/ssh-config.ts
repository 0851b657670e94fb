/**
 * The ssh provider's machines may be Host aliases of the user's OpenSSH config: the options that let
 * applyDefaults resolve them. The config is read (lazily) only for the ssh provider.
 */
import type { DefaultsOptions } from '../api/defaults.js';

export async function sshConfigOptions(
  provider: string | undefined,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<DefaultsOptions> {
  if (provider !== 'ssh') return {};
  const { loadSshConfig } = await import('../api/ssh-config-file.js');
  const os = await import('node:os');
  const local = { home: env.HOME || os.homedir(), name: env.USER || os.userInfo().username };
  const lookup = loadSshConfig(configFile, local);
  return lookup ? { sshConfig: { lookup, local } } : {};
}
