// kind stand-in: errors shaped like kind's (pkg/errors + pkg/exec.RunError).
// A KindError may carry `output`: the captured output of a failed command, which kind
// prints after the error as "Command Output: ...".

export class KindError extends Error {
  constructor(message, { output } = {}) {
    super(message);
    this.output = output;
  }
}

/** errors.Wrap(err, msg): "msg: err", keeping any command output. */
export function wrap(err, msg) {
  return new KindError(`${msg}: ${err.message}`, { output: err.output });
}

/** errors.NewAggregate: one error prints as itself, several as "[a, b]" (deduplicated). */
export function aggregate(errs) {
  const msgs = [...new Set(errs.map((e) => e.message))];
  return new KindError(msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`);
}

/** shellescape.Quote, as used by kind to print commands. */
export function shellQuote(s) {
  if (s === '') return "''";
  if (!/[^\w@%+=:,./-]/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

/** exec.RunError: `command "docker ps ..." failed with error: exit status 1`. */
export function runError(argv, output, status = 1) {
  const pretty = argv.map(shellQuote).join(' ');
  return new KindError(`command "${pretty}" failed with error: exit status ${status}`, { output });
}

const ERRNO_TEXT = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EEXIST: 'file exists',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
};

/** A Go *fs.PathError message ("open /x: no such file or directory") from a Node fs error. */
export function pathError(op, path, err) {
  const text = ERRNO_TEXT[err.code] ?? String(err.message).toLowerCase();
  return new KindError(`${op} ${path}: ${text}`);
}

/** Go's strconv.Quote, close enough for the ASCII we print. */
export function goQuote(s) {
  return JSON.stringify(String(s));
}
