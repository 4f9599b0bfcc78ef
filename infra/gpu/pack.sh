#!/usr/bin/env bash
# Packs the GPU check bundle: a self-contained linux-x64 publish of the `pipeline` command WITHOUT libtorch's native
# libraries (the GPU machine's PyTorch supplies them at run time), check.sh, the PyTorch reference step (clip_step.py)
# and our model configs, as one tar.xz that must stay under the 64 MiB that travels to a device machine.
# Usage: infra/gpu/pack.sh [--out FILE.tar.xz] [--limit-mib N]
# Needs the .NET 10 SDK, xz, readelf; prints the bundle's path and size on the last line.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo/artifacts/gpu-check/pipeline-gpu-check.tar.xz"
limit_mib=64
usage="usage: infra/gpu/pack.sh [--out FILE.tar.xz] [--limit-mib N]"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?$usage}"; shift 2 ;;
    --limit-mib) limit_mib="${2:?$usage}"; shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) echo "pack: unknown option '$1'; $usage" >&2; exit 2 ;;
  esac
done
say() { echo "pack: $*" >&2; }
die() { echo "pack: error: $*" >&2; exit 1; }
for tool in dotnet xz readelf tar; do
  command -v "$tool" >/dev/null || die "'$tool' is not on PATH (infra/setup.sh installs what the repository needs)"
done

# The versions the bundle is built for, from the central package versions: check.sh compares the GPU machine's
# torch.__version__ with the libtorch that TorchSharp was built against.
props="$repo/Directory.Packages.props"
torchsharp_version="$(sed -n 's/.*Include="TorchSharp" Version="\([^"]*\)".*/\1/p' "$props")"
libtorch_version="$(sed -n 's/.*Include="libtorch-cpu-linux-x64" Version="\([^"]*\)".*/\1/p' "$props")"
[ -n "$torchsharp_version" ] && [ -n "$libtorch_version" ] || die "cannot read the TorchSharp and libtorch versions from $props"
libtorch_version="${libtorch_version%.0}" # the package's 2.10.0.0 is PyTorch's 2.10.0

work="$repo/artifacts/gpu-check"
stage="$work/stage/pipeline-gpu-check"
rm -rf "$work/stage"
mkdir -p "$stage" "$(dirname "$out")"

say "publishing the pipeline command (self-contained linux-x64, TorchSharp $torchsharp_version without libtorch)"
# A build folder of its own: the restore without libtorch's package must not replace the solution build's assets.
# TorchBackend=none references TorchSharp (managed code and libLibTorchSharp.so) and no libtorch package.
# PipelineGlibcxxFix=true patches the wrapper whatever this machine's libstdc++ is: the GPU machine's may be older.
# No build servers are left behind (this also runs inside the test suite).
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 MSBUILDDISABLENODEREUSE=1
dotnet publish "$repo/src/Orchestrator/Pipeline.Orchestrator.csproj" -c Release -r linux-x64 --self-contained \
  -p:ArtifactsPath="$work/build" -p:TorchBackend=none -p:PipelineGlibcxxFix=true -p:UseSharedCompilation=false \
  -nodeReuse:false -nologo -tl:off -v:quiet -o "$stage/app" >&2

app="$stage/app"
# Left out: libtorch's natives (the machine's PyTorch has them; none should be there, removed in case);
# DuckDB's (shard SQL queries only, ~70 MB; training never loads it); the runtime's debugger and tracing
# libraries (loaded only by a debugger, createdump or LTTng).
find "$app" -maxdepth 1 \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*.so*' \) -delete
rm -f "$app/libduckdb.so" "$app/libmscordaccore.so" "$app/libmscordbi.so" "$app/createdump" "$app/libcoreclrtraceptprovider.so"

[ -x "$app/pipeline" ] || die "the publish has no $app/pipeline"
[ -f "$app/libLibTorchSharp.so" ] || die "the publish has no libLibTorchSharp.so (TorchSharp's native wrapper)"
[ -f "$app/libpipeline_glibcxx_shim.so" ] && readelf -d "$app/libLibTorchSharp.so" | grep libpipeline_glibcxx_shim.so >/dev/null \
  || die "libLibTorchSharp.so is not patched with the libstdc++ shim (infra/build/TorchSharpGlibcxxFix.targets)"

cp "$repo/infra/gpu/check.sh" "$repo/infra/gpu/clip_step.py" "$stage/"
chmod +x "$stage/check.sh" "$stage/clip_step.py"
mkdir -p "$stage/configs"
cp "$repo"/src/Trainer/Models/Configs/*.json "$stage/configs/"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
cat > "$stage/BUNDLE.env" <<EOF
# Written by infra/gpu/pack.sh; read by check.sh.
BUNDLE_COMMIT=$commit
TORCHSHARP_VERSION=$torchsharp_version
LIBTORCH_VERSION=$libtorch_version
EOF

say "compressing"
rm -f "$out"
tar -C "$work/stage" -cf - pipeline-gpu-check | xz -T2 -6 > "$out"
bytes="$(stat -c %s "$out")"
mib="$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')"
if [ "$bytes" -ge $((limit_mib * 1048576)) ]; then
  die "$out is $mib MiB, over the $limit_mib MiB that can travel to a device machine"
fi
echo "pack: $out $bytes bytes ($mib MiB)"
