/**
 * A logger that lower layers receive instead of printing. Lines go to the per-cluster log file and,
 * with --verbose, to stderr; every line passes through the redactor first.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** A child logger whose lines are prefixed (e.g. a machine name). */
  child(prefix: string): Logger;
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
