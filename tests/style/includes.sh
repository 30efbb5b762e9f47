#!/usr/bin/env bash
# The dependency rule (docs/ARCHITECTURE.md), checked on the #include lines:
# a file may include headers of its own folder and of the folders its layer
# uses, never one above. The layered build already fails on a wrong include
# (each layer sees only the headers below it); this is the second guard,
# and it also covers the headers themselves.
set -uo pipefail
cd "$(dirname "$0")/../.."
# folder -> the folders its files may include from (besides itself)
declare -A uses=(
  [lib]=""
  [workloads]="lib"
  [impls]="lib impls/common"
  [impls/common]="lib impls"
  [harness/run]="lib impls"
  [harness/families]="harness/run lib impls workloads"
  [harness/results]="harness/run lib impls"
  [harness/report]="harness/results harness/run lib impls"
  [harness/cli]="harness/report harness/results harness/run harness/families lib impls workloads"
)
# where each project header lives
declare -A home=()
for h in $(find lib workloads impls harness -name '*.h'); do home[$(basename "$h")]=$(dirname "$h"); done
status=0
for dir in "${!uses[@]}"; do
  for f in $(find "$dir" -maxdepth 1 -name '*.[ch]') $(find "$dir" -mindepth 2 -name '*.c' -path 'impls/*' 2>/dev/null | grep -v '^impls/common/'); do
    [ "$dir" = impls ] || [[ "$f" != impls/*/*/* ]] || continue
    while read -r inc; do
      h=$(basename "$inc")
      where=${home[$h]:-}
      [ -n "$where" ] || continue                 # a system or generated header
      fdir=$(dirname "$f"); [[ "$fdir" == impls/* && "$fdir" != impls/common ]] && fdir=impls
      [ "$where" = "$fdir" ] && continue
      ok=0
      for u in ${uses[$fdir]}; do [ "$u" = "$where" ] && ok=1; done
      if [ $ok = 0 ]; then echo "$f includes $inc from $where: $fdir may use only: ${uses[$fdir]:-nothing}"; status=1; fi
    done < <(sed -n 's/^#include "\(.*\)".*/\1/p' "$f")
  done
done
exit $status
