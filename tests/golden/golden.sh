#!/usr/bin/env bash
# Golden outputs: what the CLI prints for inputs that do not depend on the
# machine (every --help, list, a report of a committed result file) and the
# shape of a fixed-seed run's table (numbers replaced by #). Committed before
# the harness was reorganised; a refactor must leave them unchanged, and a
# deliberate change updates them in the same commit (the diff shows it).
#
#   tests/golden/golden.sh CONTEND check     compare with tests/golden/*.txt
#   tests/golden/golden.sh CONTEND update    rewrite them
set -euo pipefail
bin=$1 mode=${2:-check}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# numbers (with SI suffixes, percentages and a trailing !) become #
shape() { grep -v "^! unstable" | sed -E 's/-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?[kMG%]?!?/#/g; s/ +/ /g' ; }
cd "$src"
"$bin" --help >"$out/help.txt"
for c in list run reproduce stress compare export counters keys report merge history; do
  "$bin" "$c" --help >"$out/help-$c.txt"
done
"$bin" list >"$out/list.txt"
# docs/cli.md is every --help, verbatim: the docs and the parser cannot disagree
{
  echo "# Command reference"
  echo
  echo "Generated from \`contend <command> --help\` by tests/golden/golden.sh (update mode);"
  echo "a test checks that it still matches. Start with README.md."
  for c in "" list run reproduce compare report export merge history keys counters stress; do
    echo; echo "## contend${c:+ $c}"; echo; echo '```'
    if [ -n "$c" ]; then "$bin" "$c" --help; else "$bin" --help; fi
    echo '```'
  done
} >"$out/cli.md.doc"
"$bin" run --impl spin,mutex --threads 1,2 --ops 20000 --reps 2 --seed 7 --counters none 2>/dev/null \
  | shape >"$out/run-batcher.txt"
"$bin" run --family store --impl memory,shard --keys 1000 --threads 1,2 --ops 2000 --reps 2 \
  --counters none 2>/dev/null | shape >"$out/run-store.txt"
"$bin" report tests/fixtures/batcher-a.json tests/fixtures/batcher-b.json \
  --baseline tests/fixtures/batcher-a.json --out "$out/rep" 2>/dev/null
# the last line names the date and the temporary directory
sed -E '$ s/made [0-9T:-]+Z by .*/made DATE by COMMAND/' "$out/rep/report.md" >"$out/report.txt"
rm -rf "$out/rep"
if [ "$mode" = update ]; then
  cp "$out"/*.txt "$here/"
  cp "$out/cli.md.doc" "$src/docs/cli.md"
  echo "golden: updated $(ls "$out" | wc -l) files"
  exit 0
fi
status=0
for f in "$out"/*.txt; do
  g="$here/$(basename "$f")"
  if ! diff -u "$g" "$f" >"$out/diff"; then
    echo "golden: $(basename "$f") differs:"; cat "$out/diff"; status=1
  fi
done
[ "$(ls "$out"/*.txt | wc -l)" -eq "$(ls "$here"/*.txt | wc -l)" ] || { echo "golden: file count differs"; status=1; }
if ! diff -u "$src/docs/cli.md" "$out/cli.md.doc" >"$out/diff"; then
  echo "golden: docs/cli.md differs from the --help texts (tests/golden/golden.sh BIN update):"
  cat "$out/diff"; status=1
fi
exit $status
