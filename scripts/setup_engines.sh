#!/usr/bin/env bash
# Install what the extra engines need; idempotent, never downloads a browser.
#   apt: chromium (the Chromium engine), mesa-vulkan-drivers (lavapipe, for
#        the WebGPU path through wgpu), nodejs (V8 engine, TF.js peer),
#        firefox-esr (the Firefox engine, SpiderMonkey), webkit2gtk-driver +
#        xvfb (the WebKit engine: WebKitWebDriver, MiniBrowser, a private
#        display) and libjavascriptcoregtk-4.0-bin (jsc, its no-display fallback)
#   npm: js/package-lock.json (playwright-core, puppeteer-core, @tensorflow/tfjs-core,
#        @tensorflow/tfjs-backend-wasm)
# As root the apt packages are installed; otherwise the command is printed
# and the engines that need them are skipped (with the reason) by the tests.
set -u
cd "$(dirname "$0")/.."
missing=""
command -v node >/dev/null 2>&1 || missing="$missing nodejs npm"
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || missing="$missing chromium"
ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 || missing="$missing mesa-vulkan-drivers"
command -v firefox-esr >/dev/null 2>&1 || command -v firefox >/dev/null 2>&1 || missing="$missing firefox-esr"
command -v WebKitWebDriver >/dev/null 2>&1 || missing="$missing webkit2gtk-driver"
command -v Xvfb >/dev/null 2>&1 || missing="$missing xvfb"
command -v jsc >/dev/null 2>&1 || missing="$missing libjavascriptcoregtk-4.0-bin"
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing engine packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq $missing >/dev/null 2>&1 || {
      apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq $missing >/dev/null; } ||
      echo "warning: 'apt-get install$missing' failed; those engines will be skipped" >&2
  else
    echo "note: engines need:$missing -- run: sudo apt-get install$missing" >&2
  fi
fi
if command -v npm >/dev/null 2>&1; then
  stamp=js/node_modules/.rustorch-lock-sha256
  want=$(sha256sum js/package-lock.json | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "npm ci in js/ (playwright-core, puppeteer-core, TensorFlow.js)"
    (cd js && npm ci --no-audit --no-fund --loglevel=error >/dev/null) &&
      echo "$want" > "$stamp" || echo "warning: npm ci failed in js/; chromium/firefox engines and TF.js peer unavailable" >&2
  fi
fi
exit 0
