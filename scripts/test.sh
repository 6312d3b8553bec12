#!/usr/bin/env bash
# The one test command (npm test, CI): install what is missing, build, run
# the default suite. Heavy suites live in test/heavy/ and are run on purpose,
# not here. Extra arguments are passed to tap (e.g. a subset of files).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
npm run build --silent
# tap only strips types; every test file must type-check too.
npx tsc -p scripts/tsconfig.tests.json

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' -not -path 'test/heavy/*' -not -path '*/node_modules/*' | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "test.sh: no test files found under test/" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
# </dev/null: CI has no stdin, and no test may wait for one.
npx tap --jobs=2 --no-color "${files[@]}" </dev/null 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e

# tap ends with a "# { total: N, pass: N, fail: N, skip: N, todo: N }" comment;
# restate it as a plain "N passed, N failed" line that any reader understands.
summary=$(grep -E '^# \{ total: [0-9]+' "$out" | tail -1 || true)
num() { sed -nE "s/.*[ {]$1: ([0-9]+).*/\\1/p" <<<"$summary"; }
if [ -n "$summary" ]; then
  pass=$(num pass); fail=$(num fail); skip=$(num skip); todo=$(num todo)
  line="tap: ${pass:-0} passed, ${fail:-0} failed"
  if [ -n "$skip$todo" ]; then line="$line, $(( ${skip:-0} + ${todo:-0} )) skipped"; fi
  echo "$line"
  # A run with failures must fail even if tap's own exit code says otherwise.
  if [ "${fail:-0}" -gt 0 ] && [ "$status" -eq 0 ]; then status=1; fi
  # CI keeps only the tail of the output, and tap prints failures far above
  # its coverage table: name them again here, last, with their diagnostics.
  if [ "${fail:-0}" -gt 0 ] && [ -d .tap/test-results ]; then
    echo "failed tests (from .tap/test-results):"
    grep -rlE '^ *not ok ' .tap/test-results | while read -r f; do
      echo "== ${f#.tap/test-results/}"
      # the innermost failures and their YAML diagnostics, kept short
      grep -nE -A14 '^ *not ok ' "$f" | grep -vE '^[0-9]+-\s*$' | head -60
    done
  fi
else
  echo "test.sh: tap printed no summary (exit $status)" >&2
  [ "$status" -eq 0 ] && status=1
fi
exit "$status"
