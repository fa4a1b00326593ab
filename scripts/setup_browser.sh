#!/usr/bin/env bash
# Make sure Debian's chromium + chromedriver exist for the site's browser test.
# Idempotent: does nothing when both are installed. As root it installs them
# with apt-get; otherwise it prints the command (the browser test then fails
# with the same hint). Never downloads a browser build of its own.
set -u
pkgs="chromium chromium-driver"
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  echo "browser for the site test: /usr/bin/chromium + /usr/bin/chromedriver"; exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing $pkgs (Debian) for the site's browser test"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $pkgs >/dev/null || {
    echo "error: 'apt-get install $pkgs' failed" >&2; exit 1; }
  exit 0
fi
echo "warning: chromium/chromedriver missing; the browser test needs them. Run:" >&2
echo "         sudo apt-get install $pkgs" >&2
exit 0
