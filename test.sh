#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite. Ends with one line "N passed, N failed, N skipped";
# exits non-zero if anything failed. Works on a fresh machine with the .NET SDK, Node/npm and apt.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '== %s\n' "$*" >&2; }

install_prerequisites() {
  local missing=()
  [ -d /usr/share/zoneinfo/Europe ] || missing+=(tzdata)
  command -v setsid >/dev/null || missing+=(util-linux)
  # Every agent process runs in a bubblewrap sandbox; the sandbox tests need the real one.
  command -v bwrap >/dev/null || missing+=(bubblewrap)
  # The PostgreSQL store's tests start a throwaway cluster with the server binaries (initdb, pg_ctl) of Debian's package.
  compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
  # The web UI's tests drive the system's headless Chromium through Playwright (never a downloaded browser).
  command -v chromium >/dev/null || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Pinned npm tools: croner (an independent cron implementation for the cross-check test) and the real agent CLIs
  # the runner tests drive against a local fake model server.
  local packages=(croner@11.0.0 @anthropic-ai/claude-code@2.1.330 @openai/codex@0.169.0 @google/gemini-cli@0.61.0
    @qwen-code/qwen-code@0.24.4 opencode-ai@1.18.33 @kilocode/cli@7.7.7) missing_npm=()
  for package in "${packages[@]}"; do
    local name="${package%@*}" version="${package##*@}"
    grep -q "\"version\": *\"$version\"" ".tools/npm/node_modules/$name/package.json" 2>/dev/null || missing_npm+=("$package")
  done
  if [ ${#missing_npm[@]} -gt 0 ]; then
    # All of them in one call: npm prunes what a call does not name, so installing only the missing ones would remove the rest.
    log "installing npm test tools into .tools/npm (missing: ${missing_npm[*]})"
    mkdir -p .tools/npm
    npm install --prefix .tools/npm --no-audit --no-fund --silent "${packages[@]}" >&2 || return 1
  fi
}

if ! install_prerequisites; then
  echo "0 passed, 1 failed"
  exit 1
fi

log "building"
if ! dotnet build AgentCron.slnx -c Release --nologo -v quiet -warnaserror >&2; then
  echo "build failed" >&2
  echo "0 passed, 1 failed"
  exit 1
fi

log "testing"
results="$(mktemp)"
# One test project at a time (-m:1): the agent CLIs, the daemon processes and PostgreSQL of different projects would
# otherwise compete for this machine's two cores, and time limits meant for one of them would be hit by the others.
dotnet test AgentCron.slnx -c Release --no-build --nologo -v quiet -m:1 --logger "console;verbosity=minimal" 2>&1 | tee "$results"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0; projects=0
while read -r f p s; do
  failed=$((failed + f)); passed=$((passed + p)); skipped=$((skipped + s)); projects=$((projects + 1))
done < <(sed -nE 's/.*(Passed|Failed)!.*Failed: *([0-9]+), *Passed: *([0-9]+), *Skipped: *([0-9]+).*/\2 \3 \4/p' "$results")
rm -f "$results"

expected=$(ls -d tests/*.Tests | wc -l)
if [ "$projects" -lt "$expected" ]; then
  echo "only $projects of $expected test projects reported results (a test host crashed?)" >&2
  failed=$((failed + expected - projects))
fi
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
