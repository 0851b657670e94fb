/**
 * The load balancer: HAProxy in TCP mode in front of every control plane's API server, each checked
 * with an HTTPS `GET /readyz` (as kubeadm's HA guide does), so an API server that accepts connections
 * but is not ready (etcd unreachable, starting, shutting down) leaves the rotation; k3s servers, whose
 * /readyz needs credentials, with `GET /ping` (alive, not ready: k3s offers no anonymous readiness). Re-running with a
 * new control-plane list re-renders the config and reloads HAProxy only if it changed.
 */
import { InputError } from '../../errors.js';
import {
  assertAddress,
  assertName,
  assertPort,
  assertUnique,
  heredoc,
  hostPort,
  makeScript,
  sortEndpoints,
} from './common.js';
import type { LoadBalancerInput, Script } from './types.js';

export const HAPROXY_CONFIG_PATH = '/etc/haproxy/haproxy.cfg';
export const API_PORT = 6443;

/** The complete haproxy.cfg (pure; also validated with `haproxy -c` in tests). */
export function haproxyConfig(input: LoadBalancerInput): string {
  const port = input.port ?? API_PORT;
  assertPort(port, 'loadBalancer.port');
  if (input.controlPlanes.length === 0)
    throw new InputError('the load balancer needs at least one control plane', ['controlPlanes']);
  input.controlPlanes.forEach((cp, i) => {
    assertName(cp.name, `controlPlanes[${i}].name`);
    assertAddress(cp.address, `controlPlanes[${i}].address`);
  });
  assertUnique(
    input.controlPlanes.map((c) => c.name),
    'controlPlanes[].name',
  );
  if (input.healthCheckPath !== undefined && !/^\/[A-Za-z0-9/_.-]*$/.test(input.healthCheckPath)) {
    throw new InputError(`healthCheckPath must be an absolute URL path, got ${JSON.stringify(input.healthCheckPath)}`, [
      'healthCheckPath',
    ]);
  }
  // check-ssl: the API server only speaks TLS; verify none: the check proves readiness, not identity
  // (clients verify the API server themselves through the TCP stream).
  const servers = sortEndpoints(input.controlPlanes).map(
    (cp) => `    server ${cp.name} ${hostPort(cp.address, port)} check check-ssl verify none`,
  );
  return [
    '# Managed by ksctl: changes are overwritten.',
    'global',
    '    log /dev/log local0 warning',
    // Debian's unprivileged setup: HAProxy starts as root to bind, then runs as haproxy in a chroot.
    '    chroot /var/lib/haproxy',
    '    user haproxy',
    '    group haproxy',
    // ~2 fds per connection: 4000 fits a 10k open-files limit (haproxy refuses to start when it cannot
    // raise the limit) and is far more than the API connections of a thousand nodes.
    '    maxconn 4000',
    '',
    'defaults',
    '    mode tcp',
    '    log global',
    '    option tcplog',
    '    option dontlognull',
    '    retries 3',
    '    timeout connect 5s',
    // API watches and `kubectl exec/logs -f` are long-lived TCP streams.
    '    timeout client 1h',
    '    timeout server 1h',
    '    timeout check 5s',
    '',
    'frontend kube-apiserver',
    `    bind :${port}`,
    '    default_backend kube-apiserver',
    '',
    'backend kube-apiserver',
    '    balance roundrobin',
    // Anonymous /readyz is allowed by kubeadm's API servers (system:public-info-viewer; 200 only when
    // ready); k3s's answer 401 to anyone without credentials, so k3s gets its supervisor's /ping.
    `    option httpchk GET ${input.healthCheckPath ?? '/readyz'}`,
    '    http-check expect status 200',
    // A name that does not resolve yet marks its server down instead of failing the whole config.
    // A control plane that was down (not yet installed) is back in rotation within ~1 s, so nodes
    // joining right after control plane 0 do not wait out two slow health checks.
    '    default-server inter 5s downinter 500ms fastinter 500ms fall 3 rise 2 init-addr last,libc,none',
    ...servers,
    '',
  ].join('\n');
}

/** Install (if missing) and configure HAProxy; reload only when the config changed. */
export function haproxyScript(input: LoadBalancerInput): Script {
  const config = haproxyConfig(input);
  const install = input.airgap
    ? [
        'if ! command -v haproxy >/dev/null 2>&1; then',
        '  die "haproxy is not installed and this is an air-gapped install: install the haproxy package on this machine first"',
        'fi',
      ]
    : ['if ! command -v haproxy >/dev/null 2>&1; then', '  log "installing haproxy"', '  apt_install haproxy', 'fi'];
  return makeScript({
    name: 'haproxy',
    description: `load balancer for ${input.controlPlanes.length} control plane(s)`,
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    body: [
      ...install,
      'cfg=' + HAPROXY_CONFIG_PATH,
      'new="${cfg}.ksctl-new"',
      `cat >"$new" ${heredoc(config)}`,
      'haproxy -c -q -f "$new" || die "rendered HAProxy config is invalid (left at ${new})"',
      'write_file "$cfg" 0644 root:root <"$new"',
      'rm -f "$new"',
      'sum=$(sum_files "$cfg")',
      'if systemctl is-active --quiet haproxy && ! needs_apply haproxy "$sum"; then',
      '  log "haproxy already running with this configuration"',
      'elif systemctl is-active --quiet haproxy; then',
      '  log "reloading haproxy with the new configuration"',
      '  systemctl reload haproxy',
      'else',
      '  log "starting haproxy"',
      '  systemctl restart haproxy',
      'fi',
      'systemctl enable haproxy',
      // "active" is not "serving": haproxy can exit right after start (e.g. an fd limit it cannot raise).
      `if ! wait_for 30 1 "haproxy to listen on :${input.port ?? API_PORT}" bash -c 'ss -Htln "( sport = :${input.port ?? API_PORT} )" | grep -q .'; then`,
      '  tail -n 20 /var/log/haproxy*.log >&2 2>/dev/null || journalctl -u haproxy -n 20 --no-pager >&2 || true # diagnostics only',
      '  die "haproxy is not accepting connections"',
      'fi',
      'mark_applied haproxy "$sum"',
    ],
  });
}

/**
 * On the load balancer: wait until HAProxy forwards :6443 to a live API server (any HTTP answer,
 * even 401, proves a backend is up). Run after control plane 0, so joins do not start against a
 * backend HAProxy still marks down and fall into their own slower retry loops.
 */
export function lbForwardingScript(port = API_PORT, timeoutSeconds = 120): Script {
  return makeScript({
    name: 'haproxy-forwarding',
    description: `HAProxy forwards :${port} to a control plane`,
    body: [
      'api_answers() {',
      `  code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 3 https://127.0.0.1:${port}/readyz || true) # 000 = no backend yet`,
      '  [ "$code" != "000" ] && [ -n "$code" ]',
      '}',
      `wait_for ${timeoutSeconds} 1 "HAProxy to forward :${port} to a control plane" api_answers || die "no control plane answers through the load balancer"`,
    ],
  });
}
