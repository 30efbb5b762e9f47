#!/usr/bin/env bash
# House style (docs/ARCHITECTURE.md): in harness/, lib/ and workloads/,
# every function defined in a .c file is either static and named after its
# file (stem without lab_/cmd_, up to its first '_', then '_'), or public
# and named with its folder's prefix. Prints each violation; exit 1 if any.
set -uo pipefail
cd "$(dirname "$0")/../.."
declare -A prefix=( [lib]="lab_" [workloads]="wl_" [harness/run]="run_" [harness/results]="res_"
                    [harness/report]="rep_" [harness/cli]="cli_|cmd_|main" [harness/families]="fam_" )
status=0
for dir in "${!prefix[@]}"; do
  for f in "$dir"/*.c; do
    [ -e "$f" ] || continue
    stem=$(basename "$f" .c); stem=${stem#lab_}; stem=${stem#cmd_}; stem=${stem%%_*}
    # function definitions: a line at column 0 with a name and '(' that is
    # not a prototype (the next line opens a body, or the line itself does)
    awk -v f="$f" '
      /^[A-Za-z_].*\(/ && !/;[[:space:]]*$/ && !/^(typedef|struct [a-z_]+ \{|enum|#)/ {
        line = $0
        if (match(line, /[A-Za-z_][A-Za-z0-9_]*\(/)) {
          name = substr(line, RSTART, RLENGTH - 1)
          # the name right before the first "(" that follows a type
          s = line; sub(/\(.*/, "", s); n = split(s, w, /[ *]+/); name = w[n]
          print (line ~ /^static/ ? "static" : "public") " " name
        }
      }' "$f" | while read -r kind name; do
        case "$name" in ""|if|for|while|switch|return|sizeof) continue ;; esac
        if [ "$kind" = static ]; then
          [[ "$name" == "${stem}_"* ]] || { echo "$f: static $name should start with ${stem}_"; }
        else
          [[ "$name" =~ ^(${prefix[$dir]}) ]] || { echo "$f: public $name should start with ${prefix[$dir]}"; }
        fi
      done
  done
done | tee /tmp/naming.out
[ -s /tmp/naming.out ] && status=1
exit $status
