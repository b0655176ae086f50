#!/usr/bin/env bash
# Publishes the self-contained single-file sawmill binary (server, agent and CLI in one file) for one Linux
# architecture. Used by both Dockerfiles and by the test that runs the published binary without .NET
# (tests/Sawmill.Tests/Packaging), so the images ship exactly what is tested.
#   deploy/docker/publish.sh amd64|arm64|linux-x64|linux-arm64 OUTDIR
set -euo pipefail
arch=${1:?architecture (amd64, arm64, linux-x64 or linux-arm64)}
out=${2:?output directory}
case "$arch" in
  amd64|x64|linux-x64) rid=linux-x64 ;;
  arm64|linux-arm64) rid=linux-arm64 ;;
  *) echo "publish.sh: unsupported architecture $arch" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Intermediate files go to a scratch directory, not the source tree's bin/obj, so publishing leaves a working
# tree (and a concurrent debug build) untouched.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet publish src/Sawmill/Sawmill.csproj -c Release -r "$rid" -o "$out" --artifacts-path "$work" -p:DebugType=embedded -nologo -v q
