#!/usr/bin/env bash
# Make sure a rustc that can target wasm32-unknown-unknown exists.
# Idempotent: does nothing when one is found. As root it installs Debian's
# toolchain (rustc + libstd-rust-dev-wasm32 + lld); otherwise it prints the
# command to run and fails.
set -u
has_target() {
  local libdir
  libdir=$("$1" --print target-libdir --target wasm32-unknown-unknown 2>/dev/null) || return 1
  ls "$libdir"/libcore-*.rlib >/dev/null 2>&1
}
for rc in ${RUSTC:-} $(type -ap rustc) /usr/bin/rustc; do
  if [ -x "$rc" ] && has_target "$rc"; then echo "rust wasm toolchain: $rc"; exit 0; fi
done
pkgs="rustc libstd-rust-dev-wasm32 lld"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing the Debian wasm toolchain: $pkgs"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq $pkgs >/dev/null || {
    echo "error: 'apt-get install $pkgs' failed" >&2; exit 1; }
  has_target /usr/bin/rustc && { echo "rust wasm toolchain: /usr/bin/rustc"; exit 0; }
  echo "error: /usr/bin/rustc still has no wasm32-unknown-unknown target after install" >&2; exit 1
fi
echo "error: no rustc with the wasm32-unknown-unknown target. Run:" >&2
echo "       sudo apt-get install $pkgs     (or: rustup target add wasm32-unknown-unknown)" >&2
exit 1
