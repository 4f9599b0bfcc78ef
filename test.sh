#!/usr/bin/env bash
# Runs the whole test suite: installs what is missing (infra/setup.sh), builds, runs every test project, and
# prints one summary line "tests: N passed, N failed, N skipped". Extra arguments go to `dotnet test`.
# Exits non-zero when a test fails, when no test ran, or (with CI=true) when any test was skipped.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
configuration="${PIPELINE_CONFIGURATION:-Release}"
"$repo/infra/setup.sh" --configuration "$configuration"

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
dotnet test "$repo/Pipeline.sln" -c "$configuration" --no-build --nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# VSTest prints one line per test assembly: "Passed!  - Failed: 0, Passed: 6, Skipped: 0, Total: 6, ..."
read -r passed failed skipped assemblies < <(awk '
  /(Passed|Failed)! +- Failed: / {
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:")  { f += $(i + 1) + 0 }
      if ($i == "Passed:")  { p += $(i + 1) + 0 }
      if ($i == "Skipped:") { s += $(i + 1) + 0 }
    }
    n++
  }
  END { printf "%d %d %d %d\n", p, f, s, n }' "$log")

echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
expected_assemblies=$(find "$repo/tests" -name '*.Tests.csproj' | wc -l)
if [ "$status" -ne 0 ]; then
  exit "$status"
fi
if [ "$assemblies" -ne "$expected_assemblies" ] && [ $# -eq 0 ]; then
  echo "test.sh: only $assemblies of $expected_assemblies test projects reported results" >&2
  exit 1
fi
if [ "$passed" -eq 0 ]; then
  echo "test.sh: no test ran" >&2
  exit 1
fi
if [ "${CI:-}" = "true" ] && [ "$skipped" -ne 0 ]; then
  echo "test.sh: $skipped test(s) skipped; CI runs every test" >&2
  exit 1
fi
