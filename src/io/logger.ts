/** The Logger behind IoHost: stderr with --verbose, plus an optional append-only log file. Redacted. */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Logger, LogLevel } from '../util/log.js';
import { redact } from '../util/redact.js';

export class SinkLogger implements Logger {
  private file: string | undefined;

  constructor(
    private readonly verbose: boolean,
    private readonly stderr: (line: string) => void,
    private readonly prefix = '',
    private readonly parent?: SinkLogger,
  ) {}

  attachFile(file: string): void {
    mkdirSync(path.dirname(file), { recursive: true });
    this.file = file;
  }

  debug(msg: string): void {
    this.write('debug', msg);
  }
  info(msg: string): void {
    this.write('info', msg);
  }
  warn(msg: string): void {
    this.write('warn', msg);
  }
  error(msg: string): void {
    this.write('error', msg);
  }

  child(prefix: string): Logger {
    return new SinkLogger(this.verbose, this.stderr, `${this.prefix}${prefix}: `, this.parent ?? this);
  }

  private write(level: LogLevel, msg: string): void {
    const root = this.parent ?? this;
    const line = redact(`${this.prefix}${msg}`);
    if (root.file) {
      try {
        appendFileSync(root.file, `${new Date().toISOString()} ${level.padEnd(5)} ${line}\n`, { mode: 0o600 });
      } catch {
        // A log file we cannot write must not fail the operation.
      }
    }
    if (this.verbose || level === 'warn' || level === 'error')
      this.stderr(`${level === 'info' || level === 'debug' ? '' : `${level}: `}${line}`);
  }
}
