#!/usr/bin/env bash
# Variants kept outside the tree: README's complete example variant
# (batcher/tas), written to a directory of its own, is built with
# -DCONTEND_EXTRA_IMPLS=DIR into a fresh build tree, where it is listed,
# run (its exactly-once check on) and covered by the conformance checks,
# with no file of the project edited. A second directory reusing a tree
# variant's name is refused at configure time, naming the file.
#   tests/extra/extra_impls.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mine/batcher"
# the example in README.md, verbatim: the first ```c block under "## Add a variant"
awk '/^## Add a variant/ {f=1} f && /^```c/ {p=1; next} p && /^```/ {exit} p' "$src/README.md" \
  >"$work/mine/batcher/tas.c"
grep -q "lab_batcher_tas" "$work/mine/batcher/tas.c" || { echo "extra: README's example not found"; exit 1; }
cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCONTEND_WERROR=ON \
  -DCONTEND_EXTRA_IMPLS="$work/mine" >/dev/null
cmake --build "$work/build" --target contend contend-check -j"$(nproc)" >/dev/null
bin=$work/build/contend
"$bin" list batcher | grep -q "batcher/tas" || { echo "extra: tas is not listed"; exit 1; }
"$bin" run --impl tas,spin --threads 1,4 --ops 20000 --reps 2 --counters none \
  --out "$work/r.json" --quiet
grep -q "\"source\": \"$work/mine/batcher/tas.c\"" "$work/r.json" || { echo "extra: no source path"; exit 1; }
checks=$("$work/build/tests/contend-check" --list | grep -c " tas " || true)
[ "$checks" -gt 0 ] || { echo "extra: no conformance check covers tas"; exit 1; }
"$work/build/tests/contend-check" --list | grep " tas " | while read -r fam check impl n; do
  "$work/build/tests/contend-check" "$fam" "$check" "$impl" "$n"
done
# a name that is already a variant of the tree is refused, naming the file
mkdir -p "$work/clash/batcher"
cp "$work/mine/batcher/tas.c" "$work/clash/batcher/spin.c"
if cmake -S "$src" -B "$work/build2" -DCONTEND_EXTRA_IMPLS="$work/clash" >"$work/log" 2>&1; then
  echo "extra: a clashing name was accepted"; exit 1
fi
grep -q "batcher/spin is already a variant" "$work/log" || { cat "$work/log"; exit 1; }
echo "extra: tas listed, run and checked ($checks checks); a clashing name refused"
