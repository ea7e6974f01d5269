#!/usr/bin/env bash
# Runs every test: `dotnet test Codegen.sln`, then prints one plain summary line "N passed, N failed[, N skipped]"
# summed from the TRX results, so a run that executed nothing is visible. Exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT

# One test project at a time (-m:1): the timing tests (the shared rate budget across four processes) measure pacing,
# which two test hosts competing for two cores would distort.
dotnet test Codegen.sln -m:1 --nologo --logger "trx" --results-directory "$results" "$@"
status=$?

passed=0; failed=0; skipped=0; files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

if [ "$files" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
  echo "No test results were produced (dotnet test exited $status)."
  [ "$status" -ne 0 ] || status=1
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the build or a test host failed before reporting: never show a clean line for a failed run
fi

line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
