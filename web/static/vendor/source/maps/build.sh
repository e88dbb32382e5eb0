#!/bin/sh
# Rebuilds web/static/vendor/maps/ from the pinned npm packages: `npm ci && sh build.sh` in this folder.
# Writes the bundle (maps.min.js), the Natural Earth TopoJSON of world-atlas (countries-50m.json) and the licence
# of every package whose code is in the bundle (read from esbuild's metafile, so the list cannot go stale).
set -eu
cd "$(dirname "$0")"
out=../../maps
rm -rf "$out/licences" "$out/maps.min.js" "$out/countries-50m.json"  # README.md there is kept
mkdir -p "$out/licences"
npx esbuild entry.js --bundle --minify --format=iife --global-name=TwinningVendor --target=es2019 \
  --legal-comments=none --metafile=meta.json --outfile="$out/maps.min.js"
cp node_modules/world-atlas/countries-50m.json "$out/"
node -e '
  const inputs = Object.keys(require("./meta.json").inputs);
  const names = new Set(inputs.map(p => p.match(/node_modules\/((@[^/]+\/)?[^/]+)/)).filter(Boolean).map(m => m[1]));
  names.add("world-atlas");
  for (const name of [...names].sort()) console.log(name);
' | while read -r name; do
  version=$(node -p "require('./node_modules/$name/package.json').version")
  cp "node_modules/$name/LICENSE" "$out/licences/$name-$version.LICENSE"
done
rm meta.json
