#!/usr/bin/env bash
# Builds the DocC catalogs of the library targets a Swift user calls (Sources/<Module>/<Module>.docc) with
# warnings as errors, as CI does. swift-docc-plugin is added to the package only when AUGBENCH_BUILD_DOCS=1, so an
# ordinary build never needs it; this build uses its own scratch folder so it does not disturb .build/.
# The archives land in .build-docs/plugins/Swift-DocC/outputs/<Module>.doccarchive.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(Experiments Datasets Metrics Statistics)
arguments=()
for target in "${targets[@]}"; do arguments+=(--target "$target"); done
AUGBENCH_BUILD_DOCS=1 swift package --scratch-path .build-docs generate-documentation "${arguments[@]}" --warnings-as-errors "$@"

# Every symbol page of the catalogs has a summary (DocC's warnings do not cover a symbol with no comment at all).
command -v jq > /dev/null || { echo "scripts/docs.sh: jq is needed to check the summaries (apt-get install jq)" >&2; exit 1; }
missing=0
for target in "${targets[@]}"; do
  lower=$(echo "$target" | tr '[:upper:]' '[:lower:]')
  folder=".build-docs/plugins/Swift-DocC/outputs/$target.doccarchive/data/documentation/$lower"
  while IFS= read -r page; do
    echo "no summary: $target ${page#"$folder/"}" >&2
    missing=$((missing + 1))
  done < <(find "$folder" -name '*.json' -print0 | xargs -0 jq -r \
             'select(.metadata.role == "symbol" and ([.abstract[]?.text // empty] | join("") | length) == 0) | input_filename')
done
if [ "$missing" -gt 0 ]; then
  echo "scripts/docs.sh: $missing public symbols have no summary: give each a one-line /// comment" >&2
  exit 1
fi
echo "scripts/docs.sh: ${#targets[@]} catalogs built with warnings as errors; every symbol has a summary"
