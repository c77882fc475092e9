#!/usr/bin/env bash
# Debian packages the tests use: mosquitto_pub / mosquitto_sub as real third-party peers, and
# ip (iproute2) and unshare (util-linux) for the lab's network (scripts/lab-network).
# Installs only what is missing; needs root (or sudo) and Debian's package registry.
set -euo pipefail
missing=()
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ferry: installing ${missing[*]} for the tests" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
