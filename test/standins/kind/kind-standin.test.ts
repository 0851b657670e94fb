// Tests for the kind stand-in (bin/kind): run as a subprocess with a temp HOME; kubeconfig
// results are checked with the real kubectl.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { PROD_KUBECONFIG, Sandbox, entry } from './test-helpers.js';
import type { WireDoc } from '../../helpers/wire.js';

const HA_CONFIG = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: ha
nodes:
- role: control-plane
- role: control-plane
- role: worker
  image: kindest/node:v1.31.6
- role: worker
`;

let sb: Sandbox;
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('kind stand-in', { timeout: 60_000 }, () => {
  it('prints its version like kind v0.27.0', () => {
    expect(sb.kind(['version']).stdout).toMatch(/^kind v0\.27\.0 go1\.23\.6 linux\/(amd64|arm64)\n$/);
    expect(sb.kind(['version', '-q']).stdout).toBe('0.27.0\n');
    expect(sb.kind(['--version']).stdout).toBe('kind version 0.27.0\n');
  });

  it('create exports kind-kind into an existing kubeconfig without disturbing it', () => {
    sb.writeFile('.kube/config', PROD_KUBECONFIG);
    const before = YAML.parse(PROD_KUBECONFIG);
    const r = sb.kind(['create', 'cluster']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    for (const line of [
      'Creating cluster "kind" ...',
      ' ✓ Ensuring node image (kindest/node:v1.32.2) 🖼',
      ' ✓ Preparing nodes 📦 ',
      ' ✓ Starting control-plane 🕹️',
      'Set kubectl context to "kind-kind"',
      'kubectl cluster-info --context kind-kind',
    ]) {
      expect(r.stderr.split('\n')).toContain(line);
    }

    expect(sb.contexts()).toEqual(['kind-kind', 'prod']);
    expect(sb.kubectl(['config', 'current-context']).stdout).toBe('kind-kind\n');
    const cfg = sb.readYaml();
    for (const [list, name] of [
      ['clusters', 'prod'],
      ['users', 'prod-admin'],
      ['contexts', 'prod'],
    ] as const) {
      expect(entry(cfg, list, name)).toEqual(entry(before, list, name));
    }
    expect(entry(cfg, 'contexts', 'kind-kind').context).toEqual({ cluster: 'kind-kind', user: 'kind-kind' });
    const cluster = entry(cfg, 'clusters', 'kind-kind').cluster;
    expect(cluster.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);

    // real credentials: a client cert for kubernetes-admin signed by the cluster CA, and its key
    const user = entry(cfg, 'users', 'kind-kind').user;
    const ca = new crypto.X509Certificate(pem(cluster['certificate-authority-data']));
    const cert = new crypto.X509Certificate(pem(user['client-certificate-data']));
    expect(cert.subject).toContain('CN=kubernetes-admin');
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(pem(user['client-key-data'])).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
    expect(cert.checkPrivateKey(crypto.createPrivateKey(pem(user['client-key-data'])))).toBe(true);
  });

  it('get clusters / nodes / kubeconfig', () => {
    expect(sb.kind(['get', 'clusters'])).toMatchObject({ code: 0, stdout: '', stderr: 'No kind clusters found.\n' });
    const cfgFile = sb.writeFile('ha.yaml', HA_CONFIG);
    expect(sb.kind(['create', 'cluster', '--config', cfgFile, '-q']).code).toBe(0);
    expect(sb.kind(['create', 'cluster', '-q']).code).toBe(0);

    expect(sb.kind(['get', 'clusters']).stdout).toBe('ha\nkind\n');
    expect(sb.kind(['get', 'nodes', '--name', 'ha']).stdout.split('\n').filter(Boolean).sort()).toEqual([
      'ha-control-plane',
      'ha-control-plane2',
      'ha-external-load-balancer',
      'ha-worker',
      'ha-worker2',
    ]);
    expect(sb.kind(['get', 'nodes']).stdout).toBe('kind-control-plane\n');
    expect(sb.kind(['get', 'nodes', '--name', 'nope'])).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No kind nodes found for cluster "nope".\n',
    });

    const printed = sb.kind(['get', 'kubeconfig', '--name', 'ha']);
    expect(printed.code).toBe(0);
    expect(printed.stdout.endsWith('\n\n')).toBe(true); // kind Fprintln's the encoded YAML
    const cfg = YAML.parse(printed.stdout);
    expect(cfg['current-context']).toBe('kind-ha');
    expect(entry(cfg, 'clusters', 'kind-ha')).toEqual(entry(sb.readYaml(), 'clusters', 'kind-ha'));
    const internal = YAML.parse(sb.kind(['get', 'kubeconfig', '-n', 'ha', '--internal']).stdout);
    expect(entry(internal, 'clusters', 'kind-ha').cluster.server).toBe('https://ha-external-load-balancer:6443');
  });

  it('delete removes exactly its own entries, and succeeds for unknown clusters', () => {
    sb.writeFile('.kube/config', PROD_KUBECONFIG);
    sb.kind(['create', 'cluster', '-q']);
    sb.kind(['create', 'cluster', '--name', 'other', '-q']);
    expect(sb.contexts()).toEqual(['kind-kind', 'kind-other', 'prod']);

    const r = sb.kind(['delete', 'cluster']);
    expect(r).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'Deleting cluster "kind" ...\nDeleted nodes: ["kind-control-plane"]\n',
    });
    expect(sb.contexts()).toEqual(['kind-other', 'prod']);
    expect(sb.kubectl(['config', 'current-context']).stdout).toBe('kind-other\n');

    expect(sb.kind(['delete', 'cluster', '--name', 'other']).code).toBe(0);
    expect(sb.contexts()).toEqual(['prod']);
    const cur = sb.kubectl(['config', 'current-context']);
    expect(cur.code).toBe(1);
    expect(cur.stderr).toContain('current-context is not set');
    const cfg = sb.readYaml();
    expect(cfg.clusters.map((c: WireDoc) => c.name)).toEqual(['prod']);
    expect(cfg.users.map((u: WireDoc) => u.name)).toEqual(['prod-admin']);
    expect(sb.kind(['get', 'clusters']).stderr).toBe('No kind clusters found.\n');

    expect(sb.kind(['delete', 'cluster', '--name', 'nope'])).toMatchObject({
      code: 0,
      stderr: 'Deleting cluster "nope" ...\n',
    });
  });

  it('fails like kind for an existing cluster, a bad name and an unknown cluster', () => {
    sb.kind(['create', 'cluster', '-q']);
    expect(sb.kind(['create', 'cluster'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: failed to create cluster: node(s) already exist for a cluster with the name "kind"\n',
    });
    expect(sb.kind(['create', 'cluster', '--name', 'Bad_Name'])).toMatchObject({
      code: 1,
      stderr:
        "ERROR: failed to create cluster: 'Bad_Name' is not a valid cluster name, cluster names must match `^[a-z0-9.-]+$`\n",
    });
    const long = 'a'.repeat(51); // only a warning in kind, but the node's hostname gets too long for docker
    const r = sb.kind(['create', 'cluster', '--name', long]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `cluster name "${long}" is probably too long, this might not work properly on some systems\n`,
    );
    expect(r.stderr).toContain('ERROR: failed to create cluster: command "docker run --name');
    const unknown =
      "ERROR: could not locate any control plane nodes for cluster named 'nope'. Use the --name option to select a different cluster\n";
    expect(sb.kind(['get', 'kubeconfig', '--name', 'nope'])).toMatchObject({ code: 1, stdout: '', stderr: unknown });
    expect(sb.kind(['export', 'kubeconfig', '--name', 'nope'])).toMatchObject({ code: 1, stderr: unknown });
    expect(sb.kind(['get', 'clusters']).stdout).toBe('kind\n');
  });

  it('validates the config file like kind', () => {
    const create = (yaml: string) => sb.kind(['create', 'cluster', '--config', sb.writeFile('c.yaml', yaml)]).stderr;
    const head = 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n';
    expect(create('kind: Foo\napiVersion: kind.x-k8s.io/v1alpha4\n')).toBe(
      'ERROR: failed to create cluster: unknown kind Foo for apiVersion: kind.x-k8s.io/v1alpha4\n',
    );
    expect(create('kind: Cluster\napiVersion: v1\n')).toBe('ERROR: failed to create cluster: unknown apiVersion: v1\n');
    expect(create(`${head}nodes:\n- role: master\n`)).toBe(
      'ERROR: failed to create cluster: [invalid configuration for node 0: "master" is not a valid node role, must have at least one control-plane node]\n',
    );
    expect(create(`${head}nodes:\n- role: control-plane\n  foo: 1\n`)).toBe(
      'ERROR: failed to create cluster: unable to decode config: yaml: unmarshal errors:\n  line 5: field foo not found in type v1alpha4.Node\n',
    );
    expect(sb.kind(['create', 'cluster', '--config', '/nonexistent.yaml']).stderr).toBe(
      'ERROR: failed to create cluster: error reading file: open /nonexistent.yaml: no such file or directory\n',
    );
    expect(sb.kind(['get', 'clusters']).stderr).toBe('No kind clusters found.\n');
  });

  it('picks the name from --name, then KIND_CLUSTER_NAME, then the config, then "kind"', () => {
    const cfg = sb.writeFile('c.yaml', 'kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: fromconfig\n');
    sb.kind(['create', 'cluster', '--config', cfg, '-q']);
    sb.kind(['create', 'cluster', '--config', cfg, '-q'], { env: { KIND_CLUSTER_NAME: 'fromenv' } });
    sb.kind(['create', 'cluster', '--config', cfg, '--name', 'fromflag', '-q'], {
      env: { KIND_CLUSTER_NAME: 'fromenv' },
    });
    expect(sb.kind(['get', 'clusters']).stdout).toBe('fromconfig\nfromenv\nfromflag\n');
    expect(sb.kind(['get', 'nodes'], { env: { KIND_CLUSTER_NAME: 'fromenv' } }).stdout).toBe('fromenv-control-plane\n');
  });

  it('honours --kubeconfig and $KUBECONFIG', () => {
    const explicit = path.join(sb.home, 'explicit.yaml');
    expect(sb.kind(['create', 'cluster', '--kubeconfig', explicit, '-q']).code).toBe(0);
    expect(fs.existsSync(sb.kubeconfigPath)).toBe(false);
    expect(sb.contexts({ KUBECONFIG: explicit })).toEqual(['kind-kind']);
    expect((fs.statSync(explicit).mode & 0o777).toString(8)).toBe('600');

    // $KUBECONFIG list: merge into the first file that exists
    const missing = path.join(sb.home, 'missing.yaml');
    const existing = sb.writeFile('existing.yaml', PROD_KUBECONFIG);
    const list = { KUBECONFIG: [missing, existing].join(path.delimiter) };
    expect(sb.kind(['export', 'kubeconfig'], { env: list }).stderr).toBe('Set kubectl context to "kind-kind"\n');
    expect(fs.existsSync(missing)).toBe(false);
    expect(sb.contexts({ KUBECONFIG: existing })).toEqual(['kind-kind', 'prod']);

    expect(sb.kind(['delete', 'cluster', '--kubeconfig', explicit]).code).toBe(0);
    expect(sb.contexts({ KUBECONFIG: explicit })).toEqual([]);
    expect(sb.contexts({ KUBECONFIG: existing })).toEqual(['kind-kind', 'prod']); // only --kubeconfig was cleaned
  });

  it('KIND_STANDIN_FAIL_CREATE fails half-way and cleans up unless --retain', () => {
    sb.writeFile('.kube/config', PROD_KUBECONFIG);
    const fail = { KIND_STANDIN_FAIL_CREATE: '1' };
    const r = sb.kind(['create', 'cluster', '--name', 'broken'], { env: fail });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      ' ✗ Starting control-plane 🕹️\nDeleted nodes: ["broken-control-plane"]\n' +
        'ERROR: failed to create cluster: failed to init node with kubeadm: command "docker exec --privileged broken-control-plane kubeadm init',
    );
    expect(r.stderr).toContain('\nCommand Output: ');
    expect(sb.kind(['get', 'clusters']).stdout).toBe('');
    expect(sb.contexts()).toEqual(['prod']);

    expect(sb.kind(['create', 'cluster', '--name', 'kept', '--retain'], { env: fail }).code).toBe(1);
    expect(sb.kind(['get', 'clusters']).stdout).toBe('kept\n');
    expect(sb.contexts()).toEqual(['prod']);
  });

  it('KIND_STANDIN_CREATE_DELAY_MS lets a create be interrupted, leaving its nodes like kind', async () => {
    const run = sb.spawnKind(
      ['create', 'cluster', '--name', 'slow'],
      { KIND_STANDIN_CREATE_DELAY_MS: '300' },
      'Writing configuration',
    );
    await run.reached;
    run.child.kill('SIGINT');
    expect((await run.exited).signal).toBe('SIGINT');
    expect(run.stderr()).not.toContain('Set kubectl context');
    expect(sb.kind(['get', 'clusters']).stdout).toBe('slow\n');
    expect(fs.existsSync(sb.kubeconfigPath)).toBe(false);
    expect(sb.kind(['delete', 'cluster', '--name', 'slow']).stderr).toBe(
      'Deleting cluster "slow" ...\nDeleted nodes: ["slow-control-plane"]\n',
    );
  });

  it('rejects unknown commands and flags like cobra, and -q silences stderr', () => {
    expect(sb.kind(['craete'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: unknown command "craete" for "kind"\n\nDid you mean this?\n\tcreate\n',
    });
    expect(sb.kind(['create', 'cluster', 'extra'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: unknown command "extra" for "kind create cluster"\n',
    });
    expect(sb.kind(['get', 'clusters', '--bogus'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: unknown flag: --bogus\n',
    });
    expect(sb.kind(['get', 'nodes', '-x'])).toMatchObject({
      code: 1,
      stderr: "ERROR: unknown shorthand flag: 'x' in -x\n",
    });
    expect(sb.kind(['create', 'cluster', '--wait', 'soon'])).toMatchObject({
      code: 1,
      stderr: 'ERROR: invalid argument "soon" for "--wait" flag: time: invalid duration "soon"\n',
    });
    const get = sb.kind(['get']);
    expect(get.code).toBe(1);
    expect(get.stdout).toContain('Available Commands:');
    expect(get.stderr).toBe('ERROR: Subcommand is required\n');
    expect(sb.kind(['get', 'clusters', '--bogus', '-q'])).toMatchObject({ code: 1, stderr: '' });
    expect(sb.kind(['create', 'cluster', '-q'])).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('keeps one JSON file per cluster under KIND_STANDIN_HOME', () => {
    const home = path.join(sb.home, 'state');
    expect(sb.kind(['create', 'cluster', '-q'], { env: { KIND_STANDIN_HOME: home } }).code).toBe(0);
    const record = JSON.parse(fs.readFileSync(path.join(home, 'kind.json'), 'utf8'));
    expect(record).toMatchObject({ name: 'kind', nodes: [{ name: 'kind-control-plane', role: 'control-plane' }] });
    expect(record.kubeconfig).toContain('kubernetes-admin');
    expect(sb.kind(['get', 'clusters']).stdout).toBe(''); // default home is $HOME/.kind-standin
  });

  it('fails like kind when the docker daemon is down (DOCKER_STANDIN_DOWN=1)', () => {
    const r = sb.kind(['get', 'clusters'], { env: { DOCKER_STANDIN_DOWN: '1' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'ERROR: failed to list clusters: command "docker ps -a --filter label=io.x-k8s.kind.cluster ' +
        `--format '{{.Label "io.x-k8s.kind.cluster"}}'" failed with error: exit status 1\n\n` +
        'Command Output: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
    );
  });
});
