#!/usr/bin/env bash
# Debian packages that tests use as real third-party peers: mosquitto_pub / mosquitto_sub.
# Installs only what is missing; needs root (or sudo) and Debian's package registry.
set -euo pipefail
missing=()
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "ferry: installing ${missing[*]} for the interop tests" >&2
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
