#!/usr/bin/env node
// TEST FAKE of systemctl, for the local install.sh test only (on test hosts a shared systemctl
// stand-in plays this part). Understands daemon-reload, enable, disable, is-active, restart,
// start and stop for units in $FAKE_SYSTEMD_DIR: ExecStart runs detached (own process group) with
// the unit's EnvironmentFile entries; its pid goes to $FAKE_SYSTEMD_DIR/<unit>.pid.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const dir = process.env.FAKE_SYSTEMD_DIR;
const [cmd, unitArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const unit = unitArg && path.basename(unitArg).replace(/\.service$/, '');
const pidFile = () => path.join(dir, `${unit}.pid`);

function stop() {
  try {
    process.kill(-Number(fs.readFileSync(pidFile(), 'utf8')), 'SIGTERM');
  } catch {
    /* not running */
  }
  fs.rmSync(pidFile(), { force: true });
}

function start() {
  const text = fs.readFileSync(path.join(dir, `${unit}.service`), 'utf8').replace(/\\\n/g, ' ');
  const env = { ...process.env };
  for (const m of text.matchAll(/^EnvironmentFile=-?(.+)$/gm)) {
    if (!fs.existsSync(m[1])) continue;
    for (const line of fs.readFileSync(m[1], 'utf8').split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) env[line.slice(0, i)] = line.slice(i + 1);
    }
  }
  const exec = /^ExecStart=(.+)$/m.exec(text)[1];
  const log = fs.openSync(path.join(dir, `${unit}.log`), 'a');
  const child = spawn('sh', ['-c', `exec ${exec}`], { env, detached: true, stdio: ['ignore', log, log] });
  fs.writeFileSync(pidFile(), String(child.pid));
  child.unref();
}

if (cmd === 'restart') {
  stop();
  start();
} else if (cmd === 'start') start();
else if (cmd === 'stop') stop();
else if (cmd === 'is-active') process.exit(fs.existsSync(pidFile()) ? 0 : 3);
