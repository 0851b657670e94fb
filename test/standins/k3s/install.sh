#!/bin/sh
# k3s install.sh TEST STAND-IN (not get.k3s.io). Behaves like the real installer for what ksctl
# uses, and installs the k3s stand-in:
#   INSTALL_K3S_SKIP_DOWNLOAD=true  use the binary already at $BIN_DIR/k3s (fatal if missing)
#   otherwise                       "download" = write the stand-in wrapper for INSTALL_K3S_VERSION,
#                                   else the release INSTALL_K3S_CHANNEL (default stable) names, as
#                                   the channel server would (../upstream/upstream.sh; stable may be
#                                   overridden by $K3S_STANDIN_STABLE_VERSION) via make-binary.sh;
#                                   INSTALL_K3S_CHANNEL_URL is accepted; no network is used
#   INSTALL_K3S_EXEC + script args  the k3s command line (server|agent + flags); without a command,
#                                   "agent" when K3S_URL is set (then K3S_TOKEN/K3S_TOKEN_FILE needed)
#   K3S_* env vars                  saved to <unit>.service.env (mode 0600) like the real one
#   INSTALL_K3S_BIN_DIR, INSTALL_K3S_SYSTEMD_DIR, INSTALL_K3S_NAME, INSTALL_K3S_SKIP_ENABLE,
#   INSTALL_K3S_SKIP_START, INSTALL_K3S_FORCE_RESTART, INSTALL_K3S_SYMLINK
# It writes k3s.service / k3s-agent.service (ExecStart=$BIN_DIR/k3s server|agent <args>),
# k3s-killall.sh and k3s[-agent]-uninstall.sh, symlinks kubectl/crictl/ctr when absent from PATH,
# runs `systemctl enable`, `daemon-reload`, `restart`, and then waits — standing in for systemd's
# Type=notify — until the stand-in reports ready (exit 0) or failed (exit 1, systemctl's message).
# Waiting is bounded by K3S_STANDIN_START_TIMEOUT seconds (default 300).
# The stand-in's own directory comes from K3S_STANDIN_HOME, this script's directory, or the
# "# K3S_STANDIN_HOME=" line of an installed wrapper.
set -e
set -o noglob

info() { echo '[INFO] ' "$@"; }
fatal() { echo '[ERROR] ' "$@" >&2; exit 1; }

# Quote each argument for the unit file: " \<newline><tab>'arg'" per argument.
quote_args() {
    for a in "$@"; do
        printf ' \\\n\t%s' "'$(printf '%s' "$a" | sed "s/'/'\\\\''/g")'"
    done
}

command -v systemctl >/dev/null 2>&1 || fatal 'Can not find systemd or openrc to use as a process supervisor for k3s'

# INSTALL_K3S_EXEC is word-split (as the real script does), then the script arguments follow.
eval "set -- ${INSTALL_K3S_EXEC} \"\$@\""

case "$1" in
    -*|"")
        if [ -z "${K3S_URL}" ]; then
            CMD_K3S=server
        else
            if [ -z "${K3S_TOKEN}" ] && [ -z "${K3S_TOKEN_FILE}" ]; then
                fatal "Defaulted k3s exec command to 'agent' because K3S_URL is defined, but K3S_TOKEN or K3S_TOKEN_FILE is not defined."
            fi
            CMD_K3S=agent
        fi ;;
    *) CMD_K3S=$1; shift ;;
esac
case "${K3S_URL}" in ""|https://*) ;; *) fatal "Only https:// URLs are supported for K3S_URL (have ${K3S_URL})" ;; esac

if [ -n "${INSTALL_K3S_NAME}" ]; then SYSTEM_NAME=k3s-${INSTALL_K3S_NAME}
elif [ "${CMD_K3S}" = server ]; then SYSTEM_NAME=k3s
else SYSTEM_NAME=k3s-${CMD_K3S}; fi
BIN_DIR=${INSTALL_K3S_BIN_DIR:-/usr/local/bin}
SYSTEMD_DIR=${INSTALL_K3S_SYSTEMD_DIR:-/etc/systemd/system}
FILE_K3S_SERVICE=${SYSTEMD_DIR}/${SYSTEM_NAME}.service
FILE_K3S_ENV=${FILE_K3S_SERVICE}.env
UNINSTALL_K3S_SH=${BIN_DIR}/${SYSTEM_NAME}-uninstall.sh
KILLALL_K3S_SH=${BIN_DIR}/k3s-killall.sh
STATUS_DIR=${STANDIN_ROOT:-}/var/lib/rancher/k3s-standin
hashes() { sha256sum "${BIN_DIR}/k3s" "${FILE_K3S_SERVICE}" "${FILE_K3S_ENV}" 2>&1 || true; }
PRE_INSTALL_HASHES=$(hashes)

standin_home() {
    if [ -n "${K3S_STANDIN_HOME}" ]; then echo "${K3S_STANDIN_HOME}"; return; fi
    d=$(cd "$(dirname "$0")" 2>/dev/null && pwd)
    if [ -f "$d/k3s.mjs" ]; then echo "$d"; return; fi
    sed -n 's/^# K3S_STANDIN_HOME=//p' "${BIN_DIR}/k3s" 2>/dev/null | head -n 1
}

# --- binary ---
mkdir -p "${BIN_DIR}"
if [ "${INSTALL_K3S_SKIP_DOWNLOAD}" = true ] || [ "${INSTALL_K3S_SKIP_DOWNLOAD}" = binary ]; then
    info 'Skipping k3s download and verify'
    [ -x "${BIN_DIR}/k3s" ] || fatal "Executable k3s binary not found at ${BIN_DIR}/k3s"
else
    home=$(standin_home)
    if [ -n "${INSTALL_K3S_VERSION}" ]; then
        VERSION_K3S=${INSTALL_K3S_VERSION}
    else
        # As the real get_release_version: the channel server's redirect names the release.
        INSTALL_K3S_CHANNEL=${INSTALL_K3S_CHANNEL:-stable}
        info "Finding release for channel ${INSTALL_K3S_CHANNEL}"
        if [ "${INSTALL_K3S_CHANNEL}" = stable ] && [ -n "${K3S_STANDIN_STABLE_VERSION}" ]; then
            VERSION_K3S=${K3S_STANDIN_STABLE_VERSION}
        else
            { [ -n "$home" ] && [ -f "$home/../upstream/upstream.sh" ]; } || fatal 'Download failed (k3s stand-in: set K3S_STANDIN_HOME to the stand-in directory)'
            VERSION_K3S=$(sh "$home/../upstream/upstream.sh" k3s-channel "${INSTALL_K3S_CHANNEL}") || fatal 'Download failed'
        fi
    fi
    info "Using ${VERSION_K3S} as release"
    if [ -x "${BIN_DIR}/k3s" ] && grep -qF "version ${VERSION_K3S}" "${BIN_DIR}/k3s" 2>/dev/null; then
        info 'Skipping binary downloaded, installed k3s matches hash'
    else
        { [ -n "$home" ] && [ -f "$home/make-binary.sh" ]; } || fatal 'Download failed (k3s stand-in: set K3S_STANDIN_HOME to the stand-in directory)'
        info "Downloading binary (stand-in) ${VERSION_K3S}"
        info "Installing k3s to ${BIN_DIR}/k3s"
        sh "$home/make-binary.sh" "${BIN_DIR}/k3s" "${VERSION_K3S}"
    fi
fi

# --- symlinks, as the real installer: only when the command is not already on PATH ---
if [ "${INSTALL_K3S_SYMLINK}" != skip ]; then
    for cmd in kubectl crictl ctr; do
        if [ ! -e "${BIN_DIR}/${cmd}" ] || [ "${INSTALL_K3S_SYMLINK}" = force ]; then
            which_cmd=$(command -v ${cmd} 2>/dev/null || true)
            if [ -z "${which_cmd}" ] || [ "${INSTALL_K3S_SYMLINK}" = force ]; then
                info "Creating ${BIN_DIR}/${cmd} symlink to k3s"
                ln -sf k3s "${BIN_DIR}/${cmd}"
            else
                info "Skipping ${BIN_DIR}/${cmd} symlink to k3s, command exists in PATH at ${which_cmd}"
            fi
        else
            info "Skipping ${BIN_DIR}/${cmd} symlink to k3s, already exists"
        fi
    done
fi

# --- killall: stop the units, then this host's recorded stand-in pids. Never match processes
# by name: test hosts share one PID namespace, so that would kill other hosts' k3s. ---
info "Creating killall script ${KILLALL_K3S_SH}"
{
    echo '#!/bin/sh'
    echo '# k3s-killall.sh written by the k3s install.sh TEST STAND-IN'
    echo "for service in ${SYSTEMD_DIR}/k3s*.service; do"
    echo '    [ -s "$service" ] && systemctl stop "$(basename "$service")"'
    echo 'done'
    echo "for pidfile in ${STATUS_DIR}/*.pid; do"
    echo '    [ -f "$pidfile" ] || continue'
    echo '    kill -9 "$(cat "$pidfile")" 2>/dev/null || true'
    echo '    rm -f "$pidfile"'
    echo 'done'
    echo 'exit 0'
} > "${KILLALL_K3S_SH}"
chmod 755 "${KILLALL_K3S_SH}"

info "Creating uninstall script ${UNINSTALL_K3S_SH}"
R=${STANDIN_ROOT:-}
{
    echo '#!/bin/sh'
    echo "# ${SYSTEM_NAME}-uninstall.sh written by the k3s install.sh TEST STAND-IN"
    echo 'set -x'
    echo "${KILLALL_K3S_SH}"
    echo "systemctl disable ${SYSTEM_NAME} || true"
    echo "systemctl reset-failed ${SYSTEM_NAME} 2>/dev/null || true"
    echo 'systemctl daemon-reload || true'
    echo "rm -f ${FILE_K3S_SERVICE} ${FILE_K3S_ENV}"
    echo "trap 'rm -f ${UNINSTALL_K3S_SH}' EXIT"
    echo "if ls ${SYSTEMD_DIR}/k3s*.service >/dev/null 2>&1; then"
    echo "    set +x; echo 'Additional k3s services installed, skipping uninstall of k3s'; set -x"
    echo '    exit'
    echo 'fi'
    echo 'for cmd in kubectl crictl ctr; do'
    echo "    [ -L ${BIN_DIR}/\$cmd ] && rm -f ${BIN_DIR}/\$cmd"
    echo 'done'
    echo "rm -rf ${R}/etc/rancher/k3s ${R}/var/lib/rancher/k3s ${R}/var/lib/kubelet ${STATUS_DIR}"
    echo "rm -f ${BIN_DIR}/k3s ${KILLALL_K3S_SH}"
} > "${UNINSTALL_K3S_SH}"
chmod 755 "${UNINSTALL_K3S_SH}"

# --- unit and env file ---
systemctl disable ${SYSTEM_NAME} >/dev/null 2>&1 || true
mkdir -p "${SYSTEMD_DIR}"
info "env: Creating environment file ${FILE_K3S_ENV}"
: > "${FILE_K3S_ENV}"
chmod 0600 "${FILE_K3S_ENV}"
env | grep -E '^(K3S|CONTAINERD)_' | grep -Ev '^K3S_STANDIN_' >> "${FILE_K3S_ENV}" || true
env | grep -Ei '^(NO|HTTP|HTTPS)_PROXY' >> "${FILE_K3S_ENV}" || true
if [ -n "${STANDIN_ROOT}" ]; then echo "STANDIN_ROOT=${STANDIN_ROOT}" >> "${FILE_K3S_ENV}"; fi

info "systemd: Creating service file ${FILE_K3S_SERVICE}"
{
    printf '%s\n' '[Unit]' 'Description=Lightweight Kubernetes' 'Documentation=https://k3s.io' \
        'Wants=network-online.target' 'After=network-online.target' '' \
        '[Install]' 'WantedBy=multi-user.target' '' \
        '[Service]' 'Type=notify' 'EnvironmentFile=-/etc/default/%N' 'EnvironmentFile=-/etc/sysconfig/%N' \
        "EnvironmentFile=-${FILE_K3S_ENV}" 'KillMode=process' 'Delegate=yes' 'User=root' \
        'LimitNOFILE=1048576' 'LimitNPROC=infinity' 'LimitCORE=infinity' 'TasksMax=infinity' \
        'TimeoutStartSec=0' 'Restart=always' 'RestartSec=5s'
    printf 'ExecStart=%s/k3s \\\n    %s%s\n\n' "${BIN_DIR}" "${CMD_K3S}" "$(quote_args "$@")"
} > "${FILE_K3S_SERVICE}"

# --- enable and start ---
[ "${INSTALL_K3S_SKIP_ENABLE}" = true ] && exit 0
info "systemd: Enabling ${SYSTEM_NAME} unit"
systemctl enable "${FILE_K3S_SERVICE}" >/dev/null
systemctl daemon-reload >/dev/null
[ "${INSTALL_K3S_SKIP_START}" = true ] && exit 0
POST_INSTALL_HASHES=$(hashes)
if [ "${PRE_INSTALL_HASHES}" = "${POST_INSTALL_HASHES}" ] && [ "${INSTALL_K3S_FORCE_RESTART}" != true ]; then
    info 'No change detected so skipping service start'
    exit 0
fi
info "systemd: Starting ${SYSTEM_NAME}"
rm -f "${STATUS_DIR}/${CMD_K3S}.status"
systemctl restart ${SYSTEM_NAME}

# Stand-in for Type=notify: the real `systemctl restart` returns once k3s reports READY, or fails.
deadline=$(( $(date +%s) + ${K3S_STANDIN_START_TIMEOUT:-300} ))
while :; do
    status=$(cat "${STATUS_DIR}/${CMD_K3S}.status" 2>/dev/null || true)
    case "$status" in
        ready) exit 0 ;;
        failed*)
            echo "Job for ${SYSTEM_NAME}.service failed because the control process exited with error code." >&2
            echo "See \"systemctl status ${SYSTEM_NAME}.service\" and \"journalctl -xeu ${SYSTEM_NAME}.service\" for details." >&2
            echo "(k3s stand-in: ${status#failed: })" >&2
            exit 1 ;;
    esac
    if [ "$(date +%s)" -ge "$deadline" ]; then
        fatal "${SYSTEM_NAME} did not become ready within ${K3S_STANDIN_START_TIMEOUT:-300}s (k3s stand-in status: ${status:-none})"
    fi
    sleep 0.2
done
