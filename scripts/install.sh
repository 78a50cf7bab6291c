#!/usr/bin/env bash
# Installs edge-gw as a service: a system user in the dialout and gpio groups, its folders, the
# runtime in /opt/edge-gw, the `edge-gw` command, a systemd unit with a watchdog, and log
# rotation. Needs no network when run from an offline bundle (scripts/bundle.sh makes one).
#
#   sudo ./install.sh [--config site.yaml] [--root DIR] [--no-systemctl]
#
#   --config FILE    copy a site config to /etc/edge-gw/site.yaml (kept if one is there)
#   --root DIR       install under DIR instead of / (packaging and tests): no user is made,
#                    nothing is chowned, systemctl is not called
#   --no-systemctl   write the unit but do not call systemctl (no systemd running)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=""
config=""
systemctl=1
while [ $# -gt 0 ]; do
  case "$1" in
    --root) root="${2%/}"; systemctl=0; shift 2 ;;
    --config) config="$2"; shift 2 ;;
    --no-systemctl) systemctl=0; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

# From a source checkout, build a bundle first and install from it.
if [ ! -f "$here/BUNDLE.json" ]; then
  if [ -f "$here/bundle.sh" ]; then
    tmp=$(mktemp -d)
    echo "not an offline bundle: building one first (scripts/bundle.sh)"
    bash "$here/bundle.sh" --out "$tmp"
    exec bash "$tmp"/edge-gw-*/install.sh "$@"
  fi
  echo "install.sh: run it from an extracted offline bundle (BUNDLE.json is missing in $here)" >&2
  exit 1
fi

user=edge-gw
prefix="$root/opt/edge-gw"
etc="$root/etc/edge-gw"
data="$root/var/lib/edge-gw"
logs="$root/var/log/edge-gw"
step=0
steps=7
say() { step=$((step + 1)); echo "[$step/$steps] $*"; }
fail() { echo "install.sh: $*" >&2; exit 1; }

say "checking this machine against the bundle"
[ -n "$root" ] || [ "$(id -u)" = 0 ] || fail "run it as root (sudo), or with --root DIR to stage the files"
want_arch=$(sed -n 's/.*"arch": "\([^"]*\)".*/\1/p' "$here/BUNDLE.json")
want_major=$(sed -n 's/.*"nodeMajor": \([0-9]*\).*/\1/p' "$here/BUNDLE.json")
case "$(uname -m)" in
  x86_64) have_arch=x64 ;;
  aarch64|arm64) have_arch=arm64 ;;
  armv7l|armv6l) have_arch=arm ;;
  *) have_arch=$(uname -m) ;;
esac
[ "$have_arch" = "$want_arch" ] || fail "the bundle is for $want_arch, this machine is $have_arch: build one on a $have_arch machine"
if [ -x "$here/node/bin/node" ]; then
  node="/opt/edge-gw/node/bin/node"
else
  system_node=$(command -v node || true)
  [ -n "$system_node" ] || fail "the bundle has no Node.js and none is installed: install Node $want_major, or use a bundle made without --no-node"
  major=$("$system_node" -p "process.versions.node.split('.')[0]")
  [ "$major" = "$want_major" ] || fail "the bundle's native modules need Node $want_major; this machine has Node $major"
  node="$system_node"
fi

say "system user $user (groups dialout, gpio)"
if [ -z "$root" ]; then
  getent group gpio >/dev/null || groupadd --system gpio
  getent group dialout >/dev/null || groupadd --system dialout
  if ! id "$user" >/dev/null 2>&1; then
    useradd --system --home-dir /var/lib/edge-gw --no-create-home --shell /usr/sbin/nologin "$user"
  fi
  usermod -a -G dialout,gpio "$user"
else
  echo "      (skipped under --root)"
fi

say "folders: $etc, $data (0750), $logs"
install -d -m 0755 "$root/opt" "$root/usr/local/bin" "$root/etc/systemd/system" "$root/etc/logrotate.d"
install -d -m 0750 "$etc" "$data" "$logs"
if [ -z "$root" ]; then
  chown root:"$user" "$etc"
  chown "$user:$user" "$data" "$logs"
fi
if [ -n "$config" ]; then
  if [ -f "$etc/site.yaml" ]; then
    echo "      $etc/site.yaml exists: kept (the new one is $etc/site.yaml.new)"
    install -m 0640 "$config" "$etc/site.yaml.new"
  else
    install -m 0640 "$config" "$etc/site.yaml"
  fi
fi

say "runtime in $prefix"
if [ -d "$prefix" ]; then
  rm -rf "$prefix.previous"
  mv "$prefix" "$prefix.previous"
  echo "      the previous version is kept in $prefix.previous"
fi
mkdir -p "$prefix"
# tar keeps modes and symlinks and shows nothing; the count is the progress a slow card needs.
files=$(cd "$here" && find . -type f | wc -l)
(cd "$here" && tar -cf - .) | (cd "$prefix" && tar -xf -)
echo "      $files files"

say "command /usr/local/bin/edge-gw"
cat > "$root/usr/local/bin/edge-gw" <<EOF
#!/bin/sh
# Installed by edge-gw's install.sh: the edge-gw CLI with the Node.js it was built for.
exec $node /opt/edge-gw/bin/edge-gw.js "\$@"
EOF
chmod 0755 "$root/usr/local/bin/edge-gw"

say "systemd unit edge-gw.service (watchdog 60 s)"
cat > "$root/etc/systemd/system/edge-gw.service" <<EOF
[Unit]
Description=edge-gw gateway runtime
Documentation=file:///opt/edge-gw/README.md
After=network-online.target time-sync.target
Wants=network-online.target

[Service]
# READY=1 once the store is open and the buses run; WATCHDOG=1 every 30 s while the event loop
# and the store are alive. A hung gateway is killed and restarted after 60 s.
Type=notify
NotifyAccess=all
WatchdogSec=60
User=$user
Group=$user
SupplementaryGroups=dialout gpio
ExecStart=$node /opt/edge-gw/bin/edge-gw.js run --config /etc/edge-gw/site.yaml --no-pretty
Restart=always
RestartSec=5
TimeoutStopSec=30
StandardOutput=append:/var/log/edge-gw/edge-gw.log
StandardError=append:/var/log/edge-gw/edge-gw.log
NoNewPrivileges=yes
ProtectSystem=full
ProtectHome=yes
PrivateTmp=yes
ReadWritePaths=/var/lib/edge-gw /var/log/edge-gw

[Install]
WantedBy=multi-user.target
EOF

say "log rotation /etc/logrotate.d/edge-gw (daily, 14 kept, at most 20 MB each)"
cat > "$root/etc/logrotate.d/edge-gw" <<'EOF'
/var/log/edge-gw/*.log {
    daily
    rotate 14
    maxsize 20M
    compress
    delaycompress
    missingok
    notifempty
    # systemd holds the file open (StandardOutput=append): truncate it in place.
    copytruncate
}
EOF

if [ "$systemctl" = 1 ] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable edge-gw.service >/dev/null
  echo "      edge-gw.service enabled (not started)"
fi

cat <<EOF

installed edge-gw $(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$here/BUNDLE.json") for $want_arch.
next, on this gateway:
  sudo edge-gw init --site lamp-pole                 # or parking-lot, water-meter
  sudo edge-gw provision --config /etc/edge-gw/site.yaml --owner $user
  sudo edge-gw doctor --config /etc/edge-gw/site.yaml
  sudo systemctl start edge-gw && edge-gw status --config /etc/edge-gw/site.yaml
EOF
