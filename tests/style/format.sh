#!/usr/bin/env bash
# Every C file of the project is formatted by .clang-format (clang-format
# 14, Debian's). Prints the files that are not; exit 1 if any.
set -uo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "format: clang-format is not installed"; exit 1; }
status=0
for f in $(git ls-files -co --exclude-standard 'harness/*.[ch]' 'lib/*.[ch]' 'workloads/*.[ch]' \
                                                 'tests/*.[ch]' 'impls/*.[ch]'); do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "format: $f differs from .clang-format (clang-format -i $f)"; status=1
  fi
done
exit $status
