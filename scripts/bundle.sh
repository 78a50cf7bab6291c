#!/usr/bin/env bash
# Builds the offline bundle: the compiled runtime with its production node_modules (native
# modules already built for this machine's architecture and Node ABI), the Node.js binary that
# built them, and scripts/install.sh. A gateway of the same architecture installs it with no
# network: tar xzf edge-gw-*.tar.gz && sudo ./edge-gw-*/install.sh
#
#   scripts/bundle.sh [--out DIR] [--no-node] [--no-tar]
#
#   --no-tar   stop at the staged folder (install.sh runs from it as from the extracted tarball)
set -euo pipefail
cd "$(dirname "$0")/.."

out=dist-bundle
with_node=1
with_tar=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --no-node) with_node=0; shift ;;
    --no-tar) with_tar=0; steps=4; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bundle.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

version=$(node -p "require('./package.json').version")
arch=$(node -p "process.arch")
node_major=$(node -p "process.versions.node.split('.')[0]")
name="edge-gw-${version}-linux-${arch}-node${node_major}"
stage="$out/$name"
step=0
steps=${steps:-5}
say() { step=$((step + 1)); echo "[$step/$steps] $*"; }

[ -d node_modules ] || { echo "bundle.sh: run npm ci first (node_modules is missing)" >&2; exit 1; }

say "building the runtime (tsc)"
npm run --silent build

say "staging $stage"
rm -rf "$stage"
mkdir -p "$stage"
cp -a package.json package-lock.json README.md bin dist devices models flows nodes "$stage/"
cp -a scripts/install.sh "$stage/install.sh"
mkdir -p "$stage/docs" && cp -a docs/field-guide.md docs/config.md "$stage/docs/" 2>/dev/null || true

say "copying production node_modules (dev dependencies pruned, offline)"
cp -a node_modules "$stage/node_modules"
(cd "$stage" && npm prune --omit=dev --offline --no-audit --no-fund --ignore-scripts >/dev/null && find node_modules -type d -empty -delete)

if [ "$with_node" = 1 ]; then
  say "adding the Node.js binary that built the native modules ($(node --version))"
  mkdir -p "$stage/node/bin"
  cp "$(command -v node)" "$stage/node/bin/node"
else
  say "leaving Node.js out (--no-node): the gateway needs Node $node_major installed"
fi
cat > "$stage/BUNDLE.json" <<EOF
{ "name": "edge-gw", "version": "$version", "arch": "$arch", "nodeMajor": $node_major, "node": $([ "$with_node" = 1 ] && echo '"node/bin/node"' || echo null), "built": "$(date -u +%Y-%m-%dT%H:%M:%SZ)" }
EOF

if [ "$with_tar" = 0 ]; then
  echo "offline bundle staged in $stage (no tarball: --no-tar)"
  exit 0
fi
say "writing $out/$name.tar.gz"
tar -C "$out" -czf "$out/$name.tar.gz" "$name"
size=$(du -h "$out/$name.tar.gz" | cut -f1)
echo "offline bundle: $out/$name.tar.gz ($size)"
echo "install it on a gateway: tar xzf $name.tar.gz && sudo ./$name/install.sh"
