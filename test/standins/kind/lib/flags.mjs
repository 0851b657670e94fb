// kind stand-in: pflag-style flag parsing and flag help (as cobra/pflag v1.0.5 do it):
// --name=x, --name x, -n x, -nx, -n=x, -qA, bool --retain[=false], "--" ends flags;
// errors: "unknown flag: --x", "unknown shorthand flag: 'x' in -xyz",
// "flag needs an argument: --name", `invalid argument "x" for "--wait" flag: ...`.
import { KindError } from './errors.mjs';
import { parseDuration } from './duration.mjs';

const TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

const displayName = (f) => (f.short ? `-${f.short}, --${f.name}` : `--${f.name}`);

function convert(flag, raw) {
  const invalid = (why) =>
    new KindError(`invalid argument ${JSON.stringify(raw)} for ${JSON.stringify(displayName(flag))} flag: ${why}`);
  switch (flag.type) {
    case 'bool':
      if (TRUE.includes(raw)) return true;
      if (FALSE.includes(raw)) return false;
      throw invalid(`strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
    case 'int32': {
      if (!/^[+-]?\d+$/.test(raw)) throw invalid(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
      const n = Number(raw);
      if (n < -(2 ** 31) || n >= 2 ** 31)
        throw invalid(`strconv.ParseInt: parsing ${JSON.stringify(raw)}: value out of range`);
      return n;
    }
    case 'duration':
      try {
        return parseDuration(raw);
      } catch (err) {
        throw invalid(err.message);
      }
    default:
      return raw;
  }
}

/** Parses argv against flags; returns { values, changed, args }. */
export function parseFlags(flags, argv) {
  const values = Object.fromEntries(flags.map((f) => [f.name, f.default]));
  const changed = new Set();
  const args = [];
  const set = (flag, raw) => {
    values[flag.name] = convert(flag, raw);
    changed.add(flag.name);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const flag = flags.find((f) => f.name === name);
      if (!flag) throw new KindError(`unknown flag: --${name}`);
      if (eq >= 0) set(flag, a.slice(eq + 1));
      else if (flag.type === 'bool') set(flag, 'true');
      else if (i + 1 < argv.length) set(flag, argv[++i]);
      else throw new KindError(`flag needs an argument: ${a}`);
    } else if (a.startsWith('-') && a.length > 1) {
      const shorts = a.slice(1);
      for (let j = 0; j < shorts.length; j++) {
        const c = shorts[j];
        const flag = flags.find((f) => f.short === c);
        if (!flag) throw new KindError(`unknown shorthand flag: '${c}' in -${shorts}`);
        if (shorts[j + 1] === '=') {
          set(flag, shorts.slice(j + 2));
          break;
        }
        if (flag.type === 'bool') {
          set(flag, 'true');
        } else if (j + 1 < shorts.length) {
          set(flag, shorts.slice(j + 1));
          break;
        } else if (i + 1 < argv.length) {
          set(flag, argv[++i]);
        } else {
          throw new KindError(`flag needs an argument: '${c}' in -${shorts}`);
        }
      }
    } else {
      args.push(a);
    }
  }
  return { values, changed, args };
}

/** Does this flag token consume the next argument? (cobra's stripFlags, used to find commands) */
export function takesValue(flags, token) {
  if (token.includes('=')) return false;
  const flag = token.startsWith('--')
    ? flags.find((f) => f.name === token.slice(2))
    : token.length === 2
      ? flags.find((f) => f.short === token[1])
      : { type: 'bool' };
  return flag?.type !== 'bool';
}

const TYPE_NAMES = { string: 'string', int32: 'int32', duration: 'duration', bool: '' };
const isZero = (f) => f.default === '' || f.default === 0 || f.default === false;

/** pflag FlagUsages: sorted, aligned, with non-zero defaults. */
export function flagUsages(flags) {
  const rows = [...flags]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((f) => {
      let left = f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`;
      if (TYPE_NAMES[f.type]) left += ` ${TYPE_NAMES[f.type]}`;
      let usage = f.usage;
      if (!isZero(f))
        usage += f.type === 'string' ? ` (default ${JSON.stringify(f.default)})` : ` (default ${f.default})`;
      return [left, usage];
    });
  const width = Math.max(...rows.map(([left]) => left.length)) + 1;
  return rows.map(([left, usage]) => `${left} ${' '.repeat(width - left.length)} ${usage}`).join('\n');
}
