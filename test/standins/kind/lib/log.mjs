// kind stand-in: kind's CLI logger and status lines, as printed when stderr is not a terminal
// (kind only draws its spinner and colours on a TTY; the stand-in never does).

/** kind prints everything at V(0), so -v is accepted but changes nothing here. */
export function makeLogger({ quiet = false } = {}) {
  const write = (msg) => {
    if (quiet) return; // -q: kind swaps the logger for a no-op and discards stderr
    process.stderr.write(msg.endsWith('\n') ? msg : `${msg}\n`);
  };
  return { info: write, warn: write, error: write };
}

/** cli.Status: " • msg  ..." when a phase starts, " ✓ msg" / " ✗ msg" when it ends. */
export class Status {
  constructor(logger) {
    this.logger = logger;
    this.status = '';
  }

  start(status) {
    this.end(true);
    this.status = status;
    this.logger.info(` • ${status}  ...\n`);
  }

  end(success) {
    if (!this.status) return;
    this.logger.info(success ? ` ✓ ${this.status}\n` : ` ✗ ${this.status}\n`);
    this.status = '';
  }
}

/** kind's app.logError: "ERROR: ..." and, for failed commands, their output. */
export function logError(logger, err) {
  logger.error(`ERROR: ${err.message}`);
  if (err.output !== undefined) logger.error(`\nCommand Output: ${err.output}`);
}
