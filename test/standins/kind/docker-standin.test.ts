// Tests for the docker stand-in (bin/docker): only what ksctl's preflight uses.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox } from './test-helpers.js';

const CANNOT_CONNECT =
  'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?';
let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

describe('docker stand-in', () => {
  it('answers docker info / version', () => {
    expect(sb.docker(['info', '--format', '{{.ServerVersion}}'])).toMatchObject({
      code: 0,
      stdout: '28.2.2\n',
      stderr: '',
    });
    expect(sb.docker(['version', '--format', '{{.Server.Version}}'])).toMatchObject({ code: 0, stdout: '28.2.2\n' });
    expect(sb.docker(['info']).stdout).toContain(' Server Version: 28.2.2\n');
    expect(sb.docker(['version']).code).toBe(0);
    expect(sb.docker(['--version']).stdout).toMatch(/^Docker version 28\.2\.2, build \w+\n$/);
  });

  it('refuses everything else', () => {
    const r = sb.docker(['ps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not supported');
  });

  it('DOCKER_STANDIN_DOWN=1 behaves like docker 28 without a daemon', () => {
    const down = { DOCKER_STANDIN_DOWN: '1' };
    // with --format, real docker 28 prints the error but renders an empty server info and exits 0
    expect(sb.docker(['info', '--format', '{{.ServerVersion}}'], down)).toMatchObject({
      code: 0,
      stdout: '\n',
      stderr: `${CANNOT_CONNECT}\n`,
    });
    const plain = sb.docker(['info'], down);
    expect(plain).toMatchObject({ code: 1, stderr: `ERROR: ${CANNOT_CONNECT}\nerrors pretty printing info\n` });
    expect(plain.stdout).toContain('Server:\n');
    expect(sb.docker(['version'], down)).toMatchObject({ code: 1, stderr: `${CANNOT_CONNECT}\n` });
  });
});
