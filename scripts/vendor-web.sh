#!/usr/bin/env bash
# Re-fetches the web interface's JavaScript and CSS from npm at pinned versions into
# catalog/web/static/vendor/, with each package's licence, so the app serves every asset itself.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=catalog/web/static/vendor
PACKAGES=(htmx.org@2.0.7 cytoscape@3.34.4 elkjs@0.12.1 cytoscape-elk@2.3.0 swagger-ui-dist@5.35.0)
# package -> files to keep (relative to the package root)
declare -A FILES=(
  [htmx.org]="dist/htmx.min.js LICENSE"
  [cytoscape]="dist/cytoscape.min.js LICENSE"
  [elkjs]="lib/elk.bundled.js LICENSE.md"
  [cytoscape-elk]="dist/cytoscape-elk.js LICENSE"
  [swagger-ui-dist]="swagger-ui-bundle.js swagger-ui.css favicon-32x32.png LICENSE NOTICE"
)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$VENDOR" && mkdir -p "$VENDOR"
{
  echo "# Vendored web assets (fetched by scripts/vendor-web.sh; do not edit by hand)"
  echo
  echo "| package | version | licence | files |"
  echo "| --- | --- | --- | --- |"
} > "$VENDOR/VERSIONS.md"
for spec in "${PACKAGES[@]}"; do
  name=${spec%@*}
  version=${spec##*@}
  (cd "$work" && npm pack --silent "$spec" >/dev/null)
  mkdir -p "$work/$name" "$VENDOR/$name"
  tar xzf "$work/${name//\//-}-$version.tgz" -C "$work/$name"
  for file in ${FILES[$name]}; do
    cp "$work/$name/package/$file" "$VENDOR/$name/"
  done
  licence=$(node -p "require('$work/$name/package/package.json').license")
  echo "| $name | $version | $licence | ${FILES[$name]} |" >> "$VENDOR/VERSIONS.md"
done
echo "vendored into $VENDOR:"
cat "$VENDOR/VERSIONS.md"
