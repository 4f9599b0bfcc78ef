#!/usr/bin/env bash
# The GPU check: on a machine with an NVIDIA GPU, CUDA and PyTorch but no .NET, runs a short training of OUR
# `pipeline` program on generated shards, then PyTorch's own step of the same model and batch (clip_step.py), and
# prints one JSON line for each and one with their ratio. Runs from the unpacked bundle of infra/gpu/pack.sh:
# the program is self-contained but has no libtorch; it loads the machine's PyTorch's (torch/lib).
#
# Usage: check.sh [--steps N] [--warmup W] [--batch B] [--precision fp32|bf16|fp16] [--grad-checkpointing]
#                 [--model ViT-B/32] [--python PYTHON] [--work DIR] [--device cuda|cpu]
#   --steps       timed steps of each [default 20]     --warmup  untimed steps first [default 3]
#   --batch       samples per step [default 128]        --model   a model config name [default ViT-B/32]
#   --precision   passed to both; fp32 unless given     --grad-checkpointing  passed to both when given
#   --python      the Python whose PyTorch to use [default python3]; a venv's python picks that venv's torch
#   --work        folder for shards and run outputs [default a new temporary folder]
#   --device      cuda [default]; cpu runs the same flow without a GPU (no nvidia-smi or CUDA checks), to try a bundle
#
# Exit codes, each with a "check: error: ..." line on stderr:
#   0 done   2 usage   10 no NVIDIA GPU (nvidia-smi missing or failing)   11 no python   12 torch not importable
#   13 torch.cuda.is_available() is False   14 torch's version is not the libtorch this bundle was built for
#   15 the bundle is incomplete   16 our program failed   17 PyTorch's reference step failed
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
usage="usage: check.sh [--steps N] [--warmup W] [--batch B] [--precision fp32|bf16|fp16] [--grad-checkpointing] [--model NAME] [--python PYTHON] [--work DIR] [--device cuda|cpu]"
steps=20
warmup=3
batch=128
precision=""
grad_checkpointing=0
model="ViT-B/32"
python="python3"
work=""
device=cuda
die() { echo "check: error: $2" >&2; exit "$1"; }
say() { echo "check: $*" >&2; }
number() { [[ "$2" =~ ^[0-9]+$ ]] || die 2 "$1 takes a whole number, not '$2'; $usage"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --steps) number "$1" "${2:-}"; steps="$2"; shift 2 ;;
    --warmup) number "$1" "${2:-}"; warmup="$2"; shift 2 ;;
    --batch) number "$1" "${2:-}"; batch="$2"; shift 2 ;;
    --precision)
      case "${2:-}" in fp32|bf16|fp16) precision="$2" ;; *) die 2 "--precision is fp32, bf16 or fp16, not '${2:-}'" ;; esac
      shift 2 ;;
    --grad-checkpointing) grad_checkpointing=1; shift ;;
    --model) model="${2:?$usage}"; shift 2 ;;
    --python) python="${2:?$usage}"; shift 2 ;;
    --work) work="${2:?$usage}"; shift 2 ;;
    --device)
      case "${2:-}" in cuda|cpu) device="$2" ;; *) die 2 "--device is cuda or cpu, not '${2:-}'" ;; esac
      shift 2 ;;
    -h|--help) echo "$usage"; exit 0 ;;
    *) die 2 "unknown option '$1'; $usage" ;;
  esac
done
[ "$steps" -ge 1 ] || die 2 "--steps must be at least 1"
[ "$batch" -ge 2 ] || die 2 "--batch must be at least 2 (the contrastive loss needs negatives)"

# 15: the bundle. BUNDLE.env says which libtorch TorchSharp was built against.
app="$here/app"
for f in "$app/pipeline" "$app/libLibTorchSharp.so" "$here/clip_step.py" "$here/BUNDLE.env"; do
  [ -e "$f" ] || die 15 "$f is missing: run check.sh from the unpacked bundle of infra/gpu/pack.sh"
done
# shellcheck source=/dev/null
. "$here/BUNDLE.env"
required="$(echo "$LIBTORCH_VERSION" | cut -d. -f1,2)"

# 10: an NVIDIA GPU that the driver answers for.
if [ "$device" = cuda ]; then
  command -v nvidia-smi >/dev/null || die 10 "nvidia-smi is not on PATH: no NVIDIA driver here, so no GPU to check"
  if ! gpus="$(nvidia-smi -L 2>&1)" || ! grep -q '^GPU ' <<<"$gpus"; then
    die 10 "nvidia-smi finds no GPU: $(head -n 1 <<<"$gpus")"
  fi
  say "$(head -n 1 <<<"$gpus")"
fi

# 11, 12: Python with an importable torch. One probe tells the version, CUDA, where its libraries are, and the
# folders of the CUDA libraries that pip's torch takes from nvidia-* packages.
command -v "$python" >/dev/null || die 11 "'$python' is not on PATH: the check needs Python with PyTorch (use --python to name one)"
probe='
import glob, os, sys
try:
    import torch
except Exception as e:
    print("error=" + (str(e).splitlines() or [type(e).__name__])[0]); sys.exit(0)
print("version=" + torch.__version__)
print("cuda=" + ("1" if torch.cuda.is_available() else "0"))
print("cuda_version=" + str(torch.version.cuda))
print("lib=" + os.path.join(os.path.dirname(torch.__file__), "lib"))
print("cxx11_abi=" + ("1" if getattr(torch._C, "_GLIBCXX_USE_CXX11_ABI", True) else "0"))
site = os.path.dirname(os.path.dirname(torch.__file__))
print("nvidia_libs=" + ":".join(sorted(glob.glob(os.path.join(site, "nvidia", "*", "lib")))))
'
info="$("$python" -c "$probe" 2>&1)" || die 12 "'$python' failed to run: $(tail -n 1 <<<"$info")"
field() { sed -n "s/^$1=//p" <<<"$info" | head -n 1; }
[ -z "$(field error)" ] || die 12 "'$python' cannot import torch: $(field error). Install a CUDA build of PyTorch $required (pip install 'torch==$required.*'), or name a Python that has one with --python"
torch_version="$(field version)"
torch_lib="$(field lib)"
[ -n "$torch_version" ] || die 12 "'$python' printed no torch version: $info"

# 13: CUDA as PyTorch sees it.
[ "$device" = cpu ] || [ "$(field cuda)" = 1 ] || die 13 "torch $torch_version (CUDA $(field cuda_version)) says torch.cuda.is_available() is False: a CPU-only build, or a driver too old for its CUDA. Install a CUDA build of PyTorch $required"

# 14: the same libtorch as TorchSharp's: its wrapper calls libtorch's C++ API, which changes between minor versions.
torch_minor="$(echo "${torch_version%%+*}" | cut -d. -f1,2)"
if [ "$torch_minor" != "$required" ] || [ "$(field cxx11_abi)" != 1 ]; then
  echo "check: error: this bundle's TorchSharp $TORCHSHARP_VERSION is built against libtorch $required (LIBTORCH_VERSION=$LIBTORCH_VERSION, C++11 ABI); '$python' has torch $torch_version$([ "$(field cxx11_abi)" = 1 ] || echo ' with the old C++ ABI') at $torch_lib" >&2
  echo "check: error: to run it: put PyTorch $required in a virtual environment and name its Python:" >&2
  echo "check: error:   python3 -m venv /tmp/torch$required && /tmp/torch$required/bin/pip install 'torch==$required.*'   (or pip install the wheel file copied in, where there is no network)" >&2
  echo "check: error:   then: check.sh --python /tmp/torch$required/bin/python ..." >&2
  echo "check: error: or build the pipeline with -p:TorchBackend=cuda where a registry serves TorchSharp-cuda-linux $TORCHSHARP_VERSION, which ships libtorch $required with CUDA" >&2
  exit 14
fi
[ "$device" = cpu ] || [ -f "$torch_lib/libtorch_cuda.so" ] || die 13 "$torch_lib has no libtorch_cuda.so: torch $torch_version is not a CUDA build"
say "torch $torch_version (CUDA $(field cuda_version)) at $torch_lib"

# The library path: the bundle's wrapper, then PyTorch's libtorch and the CUDA libraries pip installed beside it.
# TorchSharp loads libtorch_cuda.so by name (dlopen), and the wrapper's libtorch.so, libc10.so and libtorch_cpu.so
# are found the same way; the variable must be set before the program starts.
nvidia_libs="$(field nvidia_libs)"
export LD_LIBRARY_PATH="$app:$torch_lib${nvidia_libs:+:$nvidia_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
# .NET needs ICU for culture data; where the machine has none, invariant mode (training uses no culture data:
# Unicode normalization of captions belongs to curation).
# ldconfig is often in /sbin, outside a user's PATH.
ldconfig_bin="$(command -v ldconfig || echo /sbin/ldconfig)"
if ! "$ldconfig_bin" -p 2>/dev/null | grep 'libicuuc\.so' >/dev/null; then
  say "no ICU on this machine: running .NET in invariant globalization mode"
  export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fi

if [ -z "$work" ]; then
  work="$(mktemp -d -t pipeline-gpu-check.XXXXXX)"
fi
mkdir -p "$work"
say "work folder $work"
total=$((warmup + steps))
optional=()
[ -z "$precision" ] || optional+=(--precision "$precision")
[ "$grad_checkpointing" -eq 0 ] || optional+=(--grad-checkpointing)

# Our program: shards of generated samples at the model's image size, then a short training.
image_size="$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["vision_cfg"]["image_size"])' "$here/configs/${model//\//-}.json" 2>/dev/null)" \
  || die 2 "no model config $here/configs/${model//\//-}.json for --model $model"
"$app/pipeline" --run-dir "$work/runs" shard generate "$work/shards" --samples $((batch * (total + 1))) --side "$image_size" >"$work/generate.log" 2>&1 \
  || die 16 "pipeline shard generate failed (exit $?): $(tail -n 3 "$work/generate.log")"
say "training ours: $model, $total steps of $batch on $device ($warmup untimed)"
# GPU memory of our process, sampled from nvidia-smi while it trains (includes the CUDA context).
(
  peak=0
  while [ "$device" = cuda ]; do
    used="$(nvidia-smi --query-compute-apps=used_memory --format=csv,noheader,nounits 2>/dev/null | awk '{ s += $1 } END { print s + 0 }')"
    [ "${used:-0}" -le "$peak" ] || { peak="$used"; echo "$peak" >"$work/ours-gpu-memory-mb"; }
    sleep 1
  done
) &
sampler=$!
set +e
"$app/pipeline" --run-dir "$work/runs" train --shards "$work/shards" --out "$work/ours" --model "$model" --device "$device" \
  --steps "$total" --batch "$batch" --warmup 0 --log-every 1 --checkpoint-every "$((total + 1))" "${optional[@]}" >"$work/train.log" 2>&1
status=$?
set -e
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
[ "$status" -eq 0 ] || die 16 "pipeline train failed (exit $status); the last lines of $work/train.log:
$(tail -n 15 "$work/train.log")"

# Ours from the metrics' step times: from the end of the warmup steps to the last step.
ours="$("$python" - "$work/ours/metrics.jsonl" "$warmup" "$batch" "$model" "${precision:-fp32}" "$grad_checkpointing" "$work/ours-gpu-memory-mb" "$work/ours/tokenizer/vocab.json" "$device" <<'EOF'
import datetime, json, os, sys
path, warmup, batch, model, precision, checkpointing, memory_file, vocab_file, device = sys.argv[1:]
rows = [json.loads(line) for line in open(path) if line.strip()]
def at(row):
    # .NET writes 7 fractional digits; Python before 3.11 reads at most 6.
    text = row["time"].replace("Z", "+00:00")
    head, _, zone = text.partition("+")
    if "." in head:
        whole, fraction = head.split(".")
        head = whole + "." + fraction[:6]
    return datetime.datetime.fromisoformat(head + ("+" + zone if zone else ""))
first = next((r for r in rows if r["step"] >= max(int(warmup), 1)), rows[0])
last = rows[-1]
seconds = (at(last) - at(first)).total_seconds()
timed = last["step"] - first["step"]
memory = open(memory_file).read().strip() if os.path.exists(memory_file) else None
print(json.dumps({
    "check": "ours", "model": model, "device": device, "precision": precision, "grad_checkpointing": checkpointing == "1",
    "batch": int(batch), "timed_steps": timed,
    "samples_per_s": round(timed * int(batch) / seconds, 3) if timed > 0 and seconds > 0 else None,
    "run_samples_per_s": round(last["samplesPerSecond"], 3), "gpu_memory_mb_sampled": float(memory) if memory else None,
    "vocab_size": len(json.load(open(vocab_file))), "last_loss": round(last["loss"], 4)}))
EOF
)" || die 16 "cannot read our training's metrics in $work/ours/metrics.jsonl"
echo "$ours"

# PyTorch's step of the same model, batch and vocabulary (our tokenizer's, trained on the generated captions).
vocab="$("$python" -c 'import json,sys; print(json.loads(sys.argv[1])["vocab_size"])' "$ours")"
say "PyTorch's step: $model, $warmup + $steps steps of $batch"
reference_args=(--model "$model" --vocab-size "$vocab" --device "$device" --batch "$batch" --steps "$steps" --warmup "$warmup")
[ -z "$precision" ] || reference_args+=(--precision "$precision")
[ "$grad_checkpointing" -eq 0 ] || reference_args+=(--grad-checkpointing)
reference="$("$python" "$here/clip_step.py" "${reference_args[@]}" 2>"$work/clip_step.log" | tail -n 1)" && [ -n "$reference" ] \
  || die 17 "clip_step.py failed; the last lines of $work/clip_step.log:
$(tail -n 15 "$work/clip_step.log")"
"$python" -c 'import json,sys; r=json.loads(sys.argv[1]); print(json.dumps({"check": "pytorch", **r}))' "$reference"

"$python" - "$ours" "$reference" <<'EOF'
import json, sys
ours, reference = (json.loads(a) for a in sys.argv[1:])
a, b = ours["samples_per_s"], reference["samples_per_s"]
print(json.dumps({"check": "ratio", "model": ours["model"], "batch": ours["batch"], "precision": ours["precision"],
                  "ours_samples_per_s": a, "pytorch_samples_per_s": b,
                  "ratio": round(a / b, 3) if a and b else None, "torch": reference["torch"], "gpu": reference.get("gpu")}))
EOF
