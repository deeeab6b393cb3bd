#!/bin/bash
# Installs the Pose Coach systemd units.
#
#   sudo systemd/install.sh --device [--kiosk wayland|x11]     # a mirror (agent + kiosk browser)
#   sudo systemd/install.sh --gateway [--workers N]            # the gateway (N separate worker processes)
#
# Options: --prefix DIR (the checkout with node_modules; default: this repository),
#          --destdir DIR (stage into DIR instead of /; implies --no-users --no-enable),
#          --no-users, --no-enable.
# It creates the dedicated users (pose-coach, pose-kiosk, pose-gateway), renders the units with
# the paths of this machine, writes a default /etc/pose-coach/agent.json when none exists, then
# reloads systemd and enables the units.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=$(dirname "$here")
destdir=""
device=0 gateway=0 kiosk="" workers=0 users=1 enable=1

while [ $# -gt 0 ]; do
  case "$1" in
    --device) device=1 ;;
    --gateway) gateway=1 ;;
    --kiosk) kiosk=${2:?--kiosk needs wayland or x11}; shift ;;
    --workers) workers=${2:?--workers needs a number}; shift ;;
    --prefix) prefix=${2:?--prefix needs a directory}; shift ;;
    --destdir) destdir=${2:?--destdir needs a directory}; users=0; enable=0; shift ;;
    --no-users) users=0 ;;
    --no-enable) enable=0 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[ "$device" = 1 ] || [ "$gateway" = 1 ] || { echo "install.sh: say --device and/or --gateway" >&2; exit 2; }
case "$kiosk" in ""|wayland|x11) ;; *) echo "install.sh: --kiosk must be wayland or x11" >&2; exit 2 ;; esac
[ -z "$kiosk" ] || [ "$device" = 1 ] || { echo "install.sh: --kiosk goes with --device" >&2; exit 2; }
case "$workers" in ''|*[!0-9]*) echo "install.sh: --workers needs a number" >&2; exit 2 ;; esac
[ "$workers" = 0 ] || [ "$gateway" = 1 ] || { echo "install.sh: --workers goes with --gateway" >&2; exit 2; }

node=$(command -v node || true)
[ -n "$node" ] || { echo "install.sh: node (20+) is not on PATH" >&2; exit 1; }
[ -d "$prefix/node_modules/tsx" ] || { echo "install.sh: $prefix has no node_modules (run npm ci there first)" >&2; exit 1; }
chromium=$(command -v chromium-browser || command -v chromium || echo /usr/bin/chromium)

unitdir="$destdir/etc/systemd/system"
confdir="$destdir/etc/pose-coach"
mkdir -p "$unitdir" "$confdir"

render() { # unit file → $unitdir, with this machine's paths
  sed -e "s#@PREFIX@#$prefix#g" -e "s#@NODE@#$node#g" -e "s#@CHROMIUM@#$chromium#g" "$here/$1" > "$unitdir/$1"
  chmod 0644 "$unitdir/$1"
  echo "installed $unitdir/$1"
}

add_user() { # name, extra groups
  id -u "$1" >/dev/null 2>&1 && return 0
  useradd --system --user-group --home-dir "/var/lib/$1" --no-create-home --shell /usr/sbin/nologin ${2:+--groups "$2"} "$1"
  echo "created system user $1"
}

units=()
if [ "$device" = 1 ]; then
  [ "$users" = 1 ] && add_user pose-coach video
  render pose-agent.service; units+=(pose-agent.service)
  if [ ! -e "$confdir/agent.json" ]; then
    cat > "$confdir/agent.json" <<'JSON'
{
  "mqtt": {
    "url": "mqtts://gateway.local:8883",
    "caFile": "/etc/pose-coach/gateway-ca.pem",
    "credentialsFile": "/etc/pose-coach/device.json"
  }
}
JSON
    chmod 0640 "$confdir/agent.json"
    [ "$users" = 1 ] && chown root:pose-coach "$confdir/agent.json"
    echo "wrote $confdir/agent.json (edit mqtt.url; put the gateway CA and device.json, owner pose-coach, mode 600, next to it)"
  fi
  if [ -n "$kiosk" ]; then
    [ "$users" = 1 ] && add_user pose-kiosk "video,render,input,tty"
    render "pose-kiosk-$kiosk.service"; units+=("pose-kiosk-$kiosk.service")
  fi
fi
if [ "$gateway" = 1 ]; then
  [ "$users" = 1 ] && add_user pose-gateway
  render pose-gateway.service; units+=(pose-gateway.service)
  render pose-gateway-workers@.service
  if [ "$workers" -gt 0 ]; then
    # Workers in their own processes: the gateway stops running them in-process.
    mkdir -p "$unitdir/pose-gateway.service.d"
    printf '[Service]\nEnvironment=RUN_WORKERS=false\n' > "$unitdir/pose-gateway.service.d/workers.conf"
    for i in $(seq 1 "$workers"); do units+=("pose-gateway-workers@$i.service"); done
  fi
  if [ ! -e "$confdir/gateway.env" ]; then
    printf '# Gateway settings (tsx gateway/src/main.ts --help lists them all)\n# MYSQL_URL=mysql://pose:secret@127.0.0.1:3306/pose\n# REDIS_URL=redis://127.0.0.1:6379\n' > "$confdir/gateway.env"
    chmod 0640 "$confdir/gateway.env"
    [ "$users" = 1 ] && chown root:pose-gateway "$confdir/gateway.env"
    echo "wrote $confdir/gateway.env"
  fi
fi

if [ "$enable" = 1 ]; then
  systemctl daemon-reload
  systemctl enable "${units[@]}"
  echo "enabled: ${units[*]} (start with: systemctl start ${units[*]})"
fi
