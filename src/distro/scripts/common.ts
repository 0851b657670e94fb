/**
 * Shared pieces of every script: shell quoting, heredocs, the prelude, and a small library of bash
 * helpers (logging, atomic writes, "applied" markers, bounded waits). A helper is included in a
 * script only when the body calls it, so each script stays short and shellcheck-clean.
 */
import { isIP } from 'node:net';
import { InputError } from '../../errors.js';
import type { Script, ScriptFile } from './types.js';

/** Where ksctl keeps its own state on a machine (markers, staged files, air-gap uploads). */
export const HOST_STATE_DIR = '/var/lib/ksctl';
/** Where uploaded air-gap artifacts land unless a tool needs them elsewhere. */
export const AIRGAP_DIR = `${HOST_STATE_DIR}/airgap`;

/** Quote a value for bash: safe words stay bare, everything else is single-quoted. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `cat <<'EOF' ... EOF` with no expansion; refuses content that would end the heredoc early. */
export function heredoc(content: string, delimiter = 'KSCTL_EOF'): string {
  const text = content.endsWith('\n') ? content.slice(0, -1) : content;
  if (text.split('\n').includes(delimiter)) throw new Error(`heredoc content contains its delimiter ${delimiter}`);
  return `<<'${delimiter}'\n${text}\n${delimiter}`;
}

/** Bash helpers, by name. Each is a complete function definition. */
const HELPERS: Record<string, string> = {
  log: `log() { printf '[ksctl] %s\\n' "$*"; }`,
  warn: `warn() { printf '[ksctl] WARNING: %s\\n' "$*" >&2; }`,
  die: `die() { printf '[ksctl] ERROR: %s\\n' "$*" >&2; exit 1; }`,
  require_env: `# Fails (without printing values) when a variable ksctl supplies at run time is missing.
require_env() {
  local name
  for name in "$@"; do
    if [ -z "\${!name:-}" ]; then die "environment variable \${name} must be set by ksctl"; fi
  done
}`,
  require_file: `# Uploaded files must be present and non-empty.
require_file() {
  local f
  for f in "$@"; do
    if [ ! -s "$f" ]; then die "missing \${f}: ksctl uploads it before running this script"; fi
  done
}`,
  ensure_dir: `# ensure_dir DIR MODE: create when missing, then fix the mode.
ensure_dir() {
  if [ ! -d "$1" ]; then mkdir -p "$1"; fi
  chmod "$2" "$1"
}`,
  write_file: `# write_file DEST MODE OWNER < content: atomic (temp file + rename), untouched when identical.
write_file() {
  local dest=$1 mode=$2 owner=$3 tmp
  tmp="\${dest}.ksctl-tmp"
  if [ ! -d "\${dest%/*}" ]; then mkdir -p "\${dest%/*}"; fi
  (umask 077 && cat >"$tmp")
  chmod "$mode" "$tmp"
  chown "$owner" "$tmp"
  if [ -f "$dest" ] && cmp -s "$tmp" "$dest"; then
    rm -f "$tmp"
    chmod "$mode" "$dest"
    chown "$owner" "$dest"
  else
    mv -f "$tmp" "$dest"
  fi
}`,
  sum_files: `# sum_files FILE...: one checksum over the files' contents.
sum_files() { cat "$@" | sha256sum | cut -d' ' -f1; }`,
  needs_apply: `# needs_apply KEY SUM: true when SUM is not what was last applied under KEY (see mark_applied).
needs_apply() {
  local applied=""
  if [ -f "${HOST_STATE_DIR}/applied/$1" ]; then applied=$(cat "${HOST_STATE_DIR}/applied/$1"); fi
  [ "$applied" != "$2" ]
}`,
  mark_applied: `# mark_applied KEY SUM: record that SUM is now in effect (written last, so a crash re-applies).
mark_applied() { printf '%s\\n' "$2" | write_file "${HOST_STATE_DIR}/applied/$1" 0644 root:root; }`,
  apt_install: `# apt_install PKG...: apt-get update once per run, then install; waits for the dpkg lock.
apt_install() {
  if [ -z "\${KSCTL_APT_UPDATED:-}" ]; then
    apt-get -o DPkg::Lock::Timeout=300 update -q
    KSCTL_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "$@"
}`,
  wait_for: `# wait_for TIMEOUT INTERVAL WHAT CMD [ARGS...]: poll CMD until it succeeds or the deadline passes.
wait_for() {
  local timeout=$1 interval=$2 what=$3 deadline out=""
  shift 3
  deadline=$(( $(date +%s) + timeout ))
  while true; do
    if out=$("$@" 2>&1); then return 0; fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      printf '[ksctl] ERROR: timed out after %ss waiting for %s; last output:\\n' "$timeout" "$what" >&2
      printf '%s\\n' "$out" | tail -n 20 >&2
      return 1
    fi
    sleep "$interval"
  done
}`,
};

/** Which helpers each helper uses, so including one pulls in the others. */
const HELPER_DEPS: Record<string, string[]> = {
  require_env: ['die'],
  require_file: ['die'],
  mark_applied: ['write_file'],
};

const HELPER_ORDER = Object.keys(HELPERS);

function helpersFor(body: string): string[] {
  const wanted = new Set<string>();
  const add = (name: string): void => {
    if (wanted.has(name)) return;
    wanted.add(name);
    for (const dep of HELPER_DEPS[name] ?? []) add(dep);
  };
  for (const name of HELPER_ORDER) {
    if (new RegExp(`(^|[\\s;(|&!])${name}(\\s|$)`, 'm').test(body)) add(name);
  }
  return HELPER_ORDER.filter((n) => wanted.has(n));
}

export interface ScriptDefinition {
  name: string;
  description: string;
  /** Body lines (after the prelude and helpers). */
  body: string[];
  env?: Record<string, string>;
  secretEnv?: string[];
  files?: ScriptFile[];
}

/** Assemble a Script: shebang, strict mode, a header comment, the helpers the body uses, the body. */
export function makeScript(def: ScriptDefinition): Script {
  const lines = [...def.body];
  if (def.secretEnv?.length) lines.unshift(`require_env ${def.secretEnv.join(' ')}`);
  const main = lines.join('\n');
  const parts = [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    `# ksctl ${def.name}: ${def.description.replace(/\n/g, ' ')}`,
    '# Generated by ksctl; safe to re-run: every step checks before it acts.',
    ...helpersFor(main).map((n) => HELPERS[n] as string),
    main,
  ];
  const script: Script = { name: def.name, description: def.description, body: `${parts.join('\n')}\n` };
  if (def.env && Object.keys(def.env).length) script.env = { ...def.env };
  if (def.secretEnv?.length) script.secretEnv = [...def.secretEnv];
  if (def.files?.length) script.files = def.files.map((f) => ({ ...f }));
  return script;
}

/** Machine and cluster names end up in unit files, YAML and flags: keep them to a safe alphabet. */
export function assertName(value: string, field: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/.test(value)) {
    throw new InputError(`${field} "${value}" must be 1-63 letters, digits, '.', '_' or '-'`, [field]);
  }
}

/** An IP address or a DNS name. */
export function assertAddress(value: string, field: string): void {
  const dns =
    /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
  if (!isIP(value) && !dns.test(value))
    throw new InputError(`${field} "${value}" is not an IP address or DNS name`, [field]);
}

export function assertPort(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new InputError(`${field} ${value} is not a port`, [field]);
}

export function assertUnique(values: string[], field: string): void {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) throw new InputError(`${field} lists "${v}" twice`, [field]);
    seen.add(v);
  }
}

/** `host:port`, bracketing IPv6 literals. */
export function hostPort(address: string, port: number): string {
  return isIP(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export function httpsUrl(address: string, port: number): string {
  return `https://${hostPort(address, port)}`;
}

/** Sort by name, then address: generated files never depend on input order. */
export function sortEndpoints<T extends { name: string; address: string }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) => (a.name === b.name ? cmp(a.address, b.address) : cmp(a.name, b.name)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
