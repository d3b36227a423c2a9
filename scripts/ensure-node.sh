#!/usr/bin/env bash
# Makes Node >= 22 available and prints the directory to put first on PATH.
# Codebox targets Node >= 22; where the system Node is older (or missing), Node 22 is
# installed from the npm registry's node-linux-<arch> package into .tools/node (no other
# download source is needed, so this works wherever the npm registry is reachable).
# Usage: eval "$(bash scripts/ensure-node.sh)"   (exports PATH)
set -euo pipefail
NODE_VERSION="${CODEBOX_NODE_VERSION:-22.23.3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if command -v node >/dev/null 2>&1 && [ "$(major node)" -ge 22 ]; then
  exit 0
fi
if [ -x "$tools/node/bin/node" ] && [ "$("$tools/node/bin/node" -v)" = "v$NODE_VERSION" ]; then
  echo "export PATH=\"$tools/node/bin:\$PATH\""
  exit 0
fi

case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64|arm64) arch=arm64 ;;
  *) echo "codebox: unsupported CPU $(uname -m); install Node >= 22 yourself" >&2; exit 1 ;;
esac
pkg="node-linux-$arch"
registry="$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)"
registry="${registry%/}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "codebox: installing Node $NODE_VERSION ($pkg) into $tools/node" >&2
url="$registry/$pkg/-/$pkg-$NODE_VERSION.tgz"
if command -v curl >/dev/null 2>&1; then
  curl -fsSL "$url" -o "$tmp/node.tgz"
elif command -v npm >/dev/null 2>&1; then
  (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null && mv ./*.tgz node.tgz)
else
  echo "codebox: need curl or npm to fetch Node $NODE_VERSION; install Node >= 22 yourself" >&2
  exit 1
fi
mkdir -p "$tmp/x" "$tools"
tar -xzf "$tmp/node.tgz" -C "$tmp/x"
rm -rf "$tools/node"
mkdir -p "$tools/node/bin"
cp "$tmp/x/package/bin/node" "$tools/node/bin/node"
chmod 755 "$tools/node/bin/node"
# npm is not part of the node-linux package: reuse the system npm's JavaScript with the new node.
if ! command -v npm >/dev/null 2>&1; then
  echo "codebox: npm not found; install npm (apt-get install npm) and rerun" >&2
  exit 1
fi
echo "export PATH=\"$tools/node/bin:\$PATH\""
