// kind stand-in: cobra-like dispatch for the command tree in commands.mjs — finding the
// command, flags, argument rules, help output, and kind's error printing ("ERROR: ..." on
// stderr, exit 1; -q silences all of stderr).
import { root } from './commands.mjs';
import { KindError } from './errors.mjs';
import { flagUsages, parseFlags, takesValue } from './flags.mjs';
import { logError, makeLogger } from './log.mjs';

const HELP = (cmd) => ({ name: 'help', short: 'h', type: 'bool', default: false, usage: `help for ${cmd.name}` });
const VERSION_FLAG = { name: 'version', type: 'bool', default: false, usage: 'version for kind' };
const HELP_CMD = { name: 'help', short: 'Help about any command', helpCommand: true, anyArgs: true };

const out = (text) => process.stdout.write(text);
const children = (cmd) =>
  cmd === root ? [...cmd.children, HELP_CMD].sort((a, b) => a.name.localeCompare(b.name)) : (cmd.children ?? []);

function lineage(cmd) {
  const walk = (c, trail) => {
    if (c === cmd) return [...trail, c];
    for (const child of children(c)) {
      const found = walk(child, [...trail, c]);
      if (found) return found;
    }
    return null;
  };
  return walk(root, []);
}

const commandPath = (cmd) =>
  lineage(cmd)
    .map((c) => c.name)
    .join(' ');
const inheritedFlags = (cmd) =>
  lineage(cmd)
    .slice(0, -1)
    .flatMap((c) => c.persistentFlags ?? []);
const localFlags = (cmd) => [
  ...(cmd.persistentFlags ?? []),
  ...(cmd.flags ?? []),
  HELP(cmd),
  ...(cmd === root ? [VERSION_FLAG] : []),
];

/** cobra's default help: long description, usage, sub-commands, flags. */
export function helpText(cmd) {
  const path = commandPath(cmd);
  const subs = children(cmd);
  const parts = [`${(cmd.long || cmd.short).trimEnd()}\n\nUsage:`];
  if (cmd.run)
    parts.push(
      `\n  ${[
        ...lineage(cmd)
          .slice(0, -1)
          .map((c) => c.name),
        cmd.use ?? cmd.name,
      ].join(' ')} [flags]`,
    );
  if (subs.length) parts.push(`\n  ${path} [command]`);
  if (subs.length) {
    const pad = Math.max(11, ...subs.map((s) => s.name.length));
    parts.push(`\n\nAvailable Commands:${subs.map((s) => `\n  ${s.name.padEnd(pad)} ${s.short}`).join('')}`);
  }
  parts.push(`\n\nFlags:\n${flagUsages(localFlags(cmd))}`);
  const inherited = inheritedFlags(cmd);
  if (inherited.length) parts.push(`\n\nGlobal Flags:\n${flagUsages(inherited)}`);
  if (subs.length) parts.push(`\n\nUse "${path} [command] --help" for more information about a command.`);
  return `${parts.join('')}\n`;
}

/** cobra's Find: walk sub-command names, skipping flags (and the values they take). */
function findCommand(argv) {
  let cmd = root;
  const rest = [];
  let searching = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!searching || a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      rest.push(a);
      if (takesValue([...inheritedFlags(cmd), ...localFlags(cmd)], a) && i + 1 < argv.length) rest.push(argv[++i]);
      continue;
    }
    const child = children(cmd).find((c) => c.name === a);
    if (child) cmd = child;
    else {
      rest.push(a);
      searching = false;
    }
  }
  return { cmd, rest };
}

function levenshtein(a, b) {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

function unknownCommand(cmd, arg) {
  let msg = `unknown command ${JSON.stringify(arg)} for ${JSON.stringify(commandPath(cmd))}`;
  if (cmd === root) {
    const lower = arg.toLowerCase();
    const suggestions = children(cmd)
      .map((c) => c.name)
      .filter((n) => levenshtein(lower, n) <= 2 || n.startsWith(lower));
    if (suggestions.length) msg += `\n\nDid you mean this?\n${suggestions.map((s) => `\t${s}\n`).join('')}`;
  }
  return new KindError(msg);
}

/** app.checkQuiet: -q/--quiet anywhere before "--" silences stderr, even for parse errors. */
function checkQuiet(argv) {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some(
    (a) => a === '-q' || a === '--quiet' || /^--quiet=(1|t|T|TRUE|true|True)$/.test(a),
  );
}

export async function main(argv) {
  const quiet = checkQuiet(argv);
  let logger = makeLogger({ quiet });
  try {
    const { cmd, rest } = findCommand(argv);
    if (cmd.raw) {
      await cmd.run();
      return 0;
    }
    const { values, changed, args } = parseFlags([...inheritedFlags(cmd), ...localFlags(cmd)], rest);
    if (cmd.helpCommand) {
      const { cmd: target, rest: unknown } = findCommand(args);
      if (unknown.length) out(`Unknown help topic ${JSON.stringify(unknown)}\n`);
      out(helpText(target));
    } else if (values.help) {
      out(helpText(cmd));
    } else if (cmd === root && values.version) {
      out(`kind version ${root.version}\n`);
    } else if (args.length && (cmd.noArgs || cmd === root)) {
      throw unknownCommand(cmd, args[0]);
    } else if (cmd === root) {
      out(helpText(cmd)); // a root command without Run: cobra prints help and succeeds
    } else if (!cmd.run) {
      out(helpText(cmd)); // kind's group commands: help, then an error
      throw new KindError('Subcommand is required');
    } else {
      logger = makeLogger({ quiet: quiet || values.quiet });
      await cmd.run({ flags: values, changed, args, logger, out });
    }
    return 0;
  } catch (err) {
    logError(logger, err instanceof KindError ? err : new KindError(err?.stack ?? String(err)));
    return 1;
  }
}
