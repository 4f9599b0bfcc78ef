#!/usr/bin/env bash
# Fresh-machine setup for the pipeline, idempotent and safe to run again.
#   - Debian packages that landed features use (installed only when missing);
#   - npm tools in a project-local folder (infra/tools), when infra/tools/package.json lists any;
#   - restore and build of the solution.
# Usage: infra/setup.sh [--configuration Release|Debug] [--no-build]
# Needs root (or sudo) only when a Debian package is missing. Needs the .NET 10 SDK on PATH.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
configuration="Release"
build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --configuration|-c) configuration="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "setup: unknown option '$1' (use --configuration Release|Debug, --no-build)" >&2; exit 2 ;;
  esac
done

say() { echo "setup: $*" >&2; }

# Debian packages, one line each with why it is needed.
packages=(
  ca-certificates   # TLS to the package registries
  g++               # builds the libstdc++ shim that lets TorchSharp load on Debian 12
  binutils          # readelf, used by the same fix
  patchelf          # adds the shim to libLibTorchSharp.so's NEEDED entries
  redis-server      # distributed cluster membership, grain storage and reminders; tests start their own
  wordnet-base      # WordNet 3.0 dict files in /usr/share/wordnet, a query source
  python3-ahocorasick # MetaCLIP's matcher, which the matcher benchmark measures ours against
  python3-opencv    # img2dataset's resizer (cv2), which the fetch benchmark measures ours against
  libicu72          # .NET globalization: Unicode NFC of captions needs ICU (invariant mode cannot normalize)
  openclipart-png   # the demo campaign's web: clipart pictures by category
  openclipart-svg   # ... and their titles, descriptions and keywords (SVG metadata)
  chromium          # the dashboard's browser test (Playwright drives /usr/bin/chromium; it downloads no browser)
  fonts-dejavu-core # ... so its screenshots show text, not boxes
  prometheus        # the metrics test scrapes /metrics with a real Prometheus (started by the test on 127.0.0.1)
  python3-torch     # GpuCheckTests run infra/gpu/clip_step.py (PyTorch's reference CLIP step) on CPU with /usr/bin/python3
  xz-utils          # infra/gpu/pack.sh compresses the GPU check bundle (GpuCheckTests pack one)
  libopenblas0-pthread # ... with an optimized BLAS: Debian's torch otherwise falls back to the reference BLAS, too slow a baseline for the training bench
)

sudo_cmd=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then sudo_cmd="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing Debian packages: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ] && [ -z "$sudo_cmd" ]; then
    say "need root to install ${missing[*]}: run as root or install sudo"; exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  # Packages' own services (redis-server) must not start during install on machines without an init system.
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v dotnet >/dev/null; then
  say "the .NET 10 SDK is not on PATH; Debian does not package it. Install dotnet-sdk-10.0 from Microsoft's packages, then rerun."
  exit 1
fi
required_sdk="$(sed -n 's/.*"version": *"\([0-9]*\)\..*/\1/p' "$repo/global.json")"
if ! dotnet --list-sdks | grep -q "^${required_sdk}\."; then
  say "found .NET SDKs: $(dotnet --list-sdks | tr '\n' ' '); this project needs ${required_sdk}.x (global.json)"
  exit 1
fi

# npm tools live in infra/tools/node_modules, never globally; package-lock.json pins every version.
if [ -f "$repo/infra/tools/package.json" ] && grep -q '"dependencies"' "$repo/infra/tools/package.json"; then
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    say "installing Debian's nodejs and npm (for Azurite, the Azure Blob emulator the tests start)"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  tools="$repo/infra/tools"
  if [ ! -d "$tools/node_modules" ] || [ "$tools/package.json" -nt "$tools/node_modules" ] || [ "$tools/package-lock.json" -nt "$tools/node_modules" ]; then
    say "installing npm tools into infra/tools (azurite)"
    # Azurite declares node >= 22 but runs on the node 18/20 that Debian machines have; engine checks stay advisory.
    (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error --engine-strict=false)
    touch "$tools/node_modules"
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
if [ "$build" -eq 1 ]; then
  say "restoring and building Pipeline.sln ($configuration)"
  # Quiet on success (MSBuild prints its summary even at -v:quiet); errors and warnings come through.
  dotnet build "$repo/Pipeline.sln" -c "$configuration" -nologo -tl:off -v:quiet 2>&1 \
    | sed -e '/^Build succeeded\./d' -e '/^ *0 Warning(s)$/d' -e '/^ *0 Error(s)$/d' -e '/^Time Elapsed/d' -e '/^$/d' >&2
  touch "$repo/artifacts/setup-$(echo "$configuration" | tr '[:upper:]' '[:lower:]').stamp"
fi
