#!/usr/bin/env bash
# Runs the agentcron CLI from this checkout, building it first when the sources changed.
#   ./agentcron.sh serve          start the daemon (SQLite in ~/.local/share/agentcron or $AGENTCRON_HOME)
#   ./agentcron.sh task list      any other command
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$root/artifacts/agentcron"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ ! -f "$out/agentcron.dll" ] || [ -n "$(find "$root/src" \( -name '*.cs' -o -name '*.csproj' -o -name '*.sql' \) -newer "$out/agentcron.dll" -print -quit)" ]; then
  echo "agentcron: building (first run or sources changed)…" >&2
  dotnet publish "$root/src/AgentCron.Cli" -c Release -o "$out" --nologo -v quiet >&2
fi
# Tells the program how it was run, so `serve` suggests commands that work here (./agentcron.sh task list).
case "$0" in */*) AGENTCRON_CLI="$0" ;; *) AGENTCRON_CLI="./$0" ;; esac
export AGENTCRON_CLI
exec dotnet "$out/agentcron.dll" "$@"
