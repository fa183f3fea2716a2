#!/usr/bin/env bash
# Installs the Debian packages that kubelite's tests and benchmarks use as peers or helpers.
# Idempotent: installs only what is missing, and runs `apt-get update` at most once.
#
# Not root and something missing: prints one line naming what is missing and exits 0; the
# tests and benchmarks that need it then skip with a reason.
#
# Installing a package that ships a service (etcd-server does) must not leave that service
# running: service starts are refused through a temporary policy-rc.d for the install, and any
# etcd the install started anyway (PIDs that did not exist before it) is stopped afterwards.
set -euo pipefail

# Debian package names; add more here (runc, iptables, chromium, ...).
PACKAGES=(
  etcd-server
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all present (${PACKAGES[*]})"
  exit 0
fi

if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
  echo "install-deps: not root, missing: ${missing[*]} (tests that need them will skip)"
  exit 0
fi

# PIDs of etcd processes that exist before the install; only new ones are stopped after it.
etcd_pids() { pgrep -x etcd 2>/dev/null | sort || true; }
before="$(etcd_pids)"

policy=/usr/sbin/policy-rc.d
made_policy=0
restore() {
  if ((made_policy)); then rm -f "$policy"; fi
  # Stop only etcd processes that appeared during the install (the package's service).
  local after pid
  after="$(etcd_pids)"
  for pid in $(comm -13 <(printf '%s\n' "$before") <(printf '%s\n' "$after")); do
    [[ -n "$pid" ]] || continue
    echo "install-deps: stopping etcd (pid $pid) started by the package install"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
}
trap restore EXIT

if [[ ! -e "$policy" ]]; then
  printf '#!/bin/sh\n# temporary, from kubelite scripts/install-deps.sh: refuse service starts\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  made_policy=1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"

echo "install-deps: installed ${missing[*]}"
