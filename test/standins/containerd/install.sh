#!/bin/sh
# TEST STAND-IN for installing the containerd package (what `apt-get install -y containerd` does on a
# real node): $BIN_DIR/containerd (this directory's `containerd` stand-in script, copied) and
# $UNIT_DIR/containerd.service, which the systemctl stand-in of the test hosts runs.
# Usage: install.sh     Env: BIN_DIR (default /usr/local/bin: /usr/bin is shared between test
# hosts), UNIT_DIR (default /etc/systemd/system).
set -e
here=$(cd "$(dirname "$0")" && pwd)
bin=${BIN_DIR:-/usr/local/bin}
units=${UNIT_DIR:-/etc/systemd/system}
mkdir -p "$bin" "$units"
cp "$here/containerd" "$bin/containerd.tmp"
chmod 755 "$bin/containerd.tmp"
mv -f "$bin/containerd.tmp" "$bin/containerd"
printf '%s\n' '[Unit]' 'Description=containerd container runtime (test stand-in)' 'Documentation=https://containerd.io' \
    'After=network.target local-fs.target' '' \
    '[Service]' "ExecStart=$bin/containerd" 'Type=notify' 'Delegate=yes' 'KillMode=process' 'Restart=always' 'RestartSec=5' '' \
    '[Install]' 'WantedBy=multi-user.target' > "$units/containerd.service"
echo "containerd $("$bin/containerd" --version | awk '{print $3}') (test stand-in) installed in $bin"
