#!/usr/bin/env bash
# One prepared GPU check of GRU4Rec training (docs/gpu.md). On a machine with an NVIDIA GPU it:
#   1. prints the GPU, the driver and its CUDA version, and the PyTorch version (and whether PyTorch sees CUDA);
#   2. builds the sample app without its own libtorch (-p:TorchBackend=none) and loads CUDA libtorch from the PyTorch
#      install (--libtorch), or builds it with TorchSharp-cuda-linux (BACKEND=cuda);
#   3. trains the official RSC15 cross-entropy setting (the app's defaults) on the bundled rsc15-100k for EPOCHS epochs
#      on cuda, then on the CPU, and evaluates both on the bundled test file (Recall@20, MRR@20, training events/s);
#   4. requires the two accuracies to agree within 2% (relative) for Recall@20 and MRR@20;
#   5. runs the official PyTorch GRU4Rec on the same GPU and data when OFFICIAL_DIR is given (speed ratio);
#   6. writes everything to one JSON file.
# It stops at once, with the reason and exit code 3, when CUDA does not initialise (no driver, nvidia-smi failing,
# PyTorch without CUDA, the app's CUDA check). Exit code 1: the accuracies disagree; 0: all agreed.
#
# usage: bench/gpu-check.sh [OUTPUT.json]        (default: gpu-check.json in the current folder)
# environment: EPOCHS (10), BACKEND (libtorch | cuda; default libtorch when PyTorch is installed, else cuda),
#   LIBTORCH (a libtorch lib folder; default: PyTorch's torch/lib), PYTHON (python3), OFFICIAL_DIR (a checkout of
#   github.com/hidasib/GRU4Rec_PyTorch_Official, never committed here), NVIDIA_SMI (nvidia-smi), WORK (a scratch folder).
#   DRY_RUN=1 tries the later steps without a GPU: no driver or PyTorch checks, the default (CPU libtorch) build, and
#   the "cuda" leg trained on the CPU (BACKEND=libtorch LIBTORCH=DIR tries the --libtorch route with a CPU libtorch);
#   its JSON says dry_run: true and proves nothing about CUDA. The scratch folder keeps the logs; the build is removed.
set -euo pipefail
START=$(date +%s)
REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT_JSON=$(realpath -m "${1:-gpu-check.json}")
EPOCHS=${EPOCHS:-10}
PYTHON=${PYTHON:-python3}
NVIDIA_SMI=${NVIDIA_SMI:-nvidia-smi}
DRY_RUN=${DRY_RUN:-0}
TRAIN=$REPO/data/rsc15-100k/yoochoose-clicks-100k_train_full.txt
TEST=$REPO/data/rsc15-100k/yoochoose-clicks-100k_test.txt

stop() { echo "gpu-check: STOP: $*" >&2; exit 3; }
say() { echo "gpu-check: $*" >&2; }

# --- 1. driver, CUDA, PyTorch: stop at once when CUDA cannot initialise -------------------------------------------
command -v "$PYTHON" >/dev/null 2>&1 || stop "$PYTHON not found: the check needs python3 (to read and write JSON)."
if [ "$DRY_RUN" = 1 ]; then
  say "DRY RUN: no GPU checks, the cuda leg runs on the CPU"
  GPU_NAME=none DRIVER=none GPU_MEMORY=none DRIVER_CUDA=none TORCH_JSON='{}' TORCH_VERSION= CUDA_DEVICE=cpu
  BACKEND=${BACKEND:-cpu} LIBTORCH=${LIBTORCH:-}
else
CUDA_DEVICE=cuda
command -v "$NVIDIA_SMI" >/dev/null 2>&1 || stop "no NVIDIA driver: '$NVIDIA_SMI' not found, so CUDA cannot initialise on this machine."
if ! SMI=$("$NVIDIA_SMI" --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1); then
  stop "nvidia-smi failed, so CUDA cannot initialise: $(echo "$SMI" | tr '\n' ' ')"
fi
GPU_LINE=$(echo "$SMI" | head -1)
[ -n "$GPU_LINE" ] || stop "nvidia-smi lists no GPU."
GPU_NAME=$(echo "$GPU_LINE" | cut -d, -f1 | xargs)
DRIVER=$(echo "$GPU_LINE" | cut -d, -f2 | xargs)
GPU_MEMORY=$(echo "$GPU_LINE" | cut -d, -f3 | xargs)
DRIVER_CUDA=$("$NVIDIA_SMI" 2>/dev/null | grep -o 'CUDA Version: [0-9.]*' | awk '{print $3}' || true)
say "GPU $GPU_NAME ($GPU_MEMORY), driver $DRIVER, driver CUDA ${DRIVER_CUDA:-unknown}"

TORCH_JSON=$("$PYTHON" - <<'PY' 2>/dev/null || echo '{}'
import json, os
try:
    import torch
except Exception as e:
    print(json.dumps({"error": f"{type(e).__name__}: {e}"})); raise SystemExit
info = {"version": torch.__version__, "cuda": torch.version.cuda, "lib": os.path.join(os.path.dirname(torch.__file__), "lib")}
try:
    torch.cuda.init(); info["available"] = torch.cuda.is_available(); info["device"] = torch.cuda.get_device_name(0)
except Exception as e:
    info["available"] = False; info["reason"] = " ".join(str(e).split())
print(json.dumps(info))
PY
)
field() { "$PYTHON" -c 'import json,sys; v=json.loads(sys.argv[1]).get(sys.argv[2]); print("" if v is None else v)' "$TORCH_JSON" "$1"; }
TORCH_VERSION=$(field version)
if [ -n "$TORCH_VERSION" ]; then
  say "PyTorch $TORCH_VERSION (CUDA $(field cuda)), sees CUDA: $(field available)"
  [ "$(field cuda)" != "" ] || stop "PyTorch $TORCH_VERSION is a CPU-only build: install a CUDA build of PyTorch 2.10 (or set BACKEND=cuda)."
  [ "$(field available)" = "True" ] || stop "CUDA does not initialise in PyTorch $TORCH_VERSION: $(field reason)"
else
  say "PyTorch: not installed ($(field error))"
fi
BACKEND=${BACKEND:-$([ -n "$TORCH_VERSION" ] && echo libtorch || echo cuda)}
LIBTORCH=${LIBTORCH:-$(field lib)}
fi
WORK=${WORK:-$(mktemp -d -t sessionrec-gpu-check-XXXXXX)}

# --- 2. build --------------------------------------------------------------------------------------------------
LIBTORCH_ARGS=()
if [ "$BACKEND" = libtorch ]; then
  [ -d "$LIBTORCH" ] || stop "no libtorch folder to load: set LIBTORCH or install PyTorch 2.10 with CUDA."
  PROPS=-p:TorchBackend=none
  LIBTORCH_ARGS=(--libtorch "$LIBTORCH")
  say "building the app without its own libtorch; loading $LIBTORCH"
elif [ "$BACKEND" = cuda ]; then
  PROPS=-p:TorchBackend=cuda
  say "building the app with TorchSharp-cuda-linux"
else
  PROPS=-p:TorchBackend=cpu
  say "building the app with the CPU libtorch"
fi
dotnet build "$REPO/samples/MLNet.SessionRec.Evaluation" -c Release "$PROPS" --artifacts-path "$WORK/artifacts" -v q -nologo >"$WORK/build.log" 2>&1 \
  || { tail -20 "$WORK/build.log" >&2; echo "gpu-check: the build failed (log: $WORK/build.log)" >&2; exit 2; }
APP=$(find "$WORK/artifacts/bin/MLNet.SessionRec.Evaluation" -name MLNet.SessionRec.Evaluation.dll | head -1)
[ -f "$APP" ] || { echo "gpu-check: built app not found under $WORK/artifacts" >&2; exit 2; }

# --- 3. train and evaluate on cuda, then on the CPU ------------------------------------------------------------------
run() { # leg device
  local leg=$1 device=$2
  say "training $EPOCHS epochs on $device"
  if ! dotnet "$APP" evaluate -q --models gru4rec --train "$TRAIN" --test "$TEST" --n-epochs "$EPOCHS" --device "$device" \
      --report-json "$WORK/$leg.json" "${LIBTORCH_ARGS[@]}" >"$WORK/$leg.log" 2>&1; then
    cat "$WORK/$leg.log" >&2
    [ "$device" = cuda ] && stop "CUDA does not initialise in the app: $(grep -m1 '^error:' "$WORK/$leg.log" || tail -1 "$WORK/$leg.log")"
    echo "gpu-check: the $leg run failed" >&2; exit 2
  fi
}
run cuda "$CUDA_DEVICE"
run cpu cpu

# --- 5. the official PyTorch GRU4Rec on the same GPU (optional) ------------------------------------------------------
OFFICIAL_JSON=null
if [ -n "${OFFICIAL_DIR:-}" ] && [ -n "$TORCH_VERSION" ]; then
  say "official PyTorch GRU4Rec ($OFFICIAL_DIR) on cuda, $EPOCHS epochs"
  OFFICIAL_JSON=$("$PYTHON" - "$OFFICIAL_DIR" "$TRAIN" "$TEST" "$EPOCHS" <<'PY'
import sys, time, json, re, io, contextlib
official_dir, train_path, test_path, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sys.path.insert(0, official_dir)
import pandas as pd, torch
from gru4rec_pytorch import GRU4Rec
import evaluation
torch.manual_seed(42)
read = lambda p: pd.read_csv(p, sep='\t', usecols=['SessionId', 'ItemId', 'Time'], dtype={'SessionId': 'int32', 'ItemId': 'str'})
train, test = read(train_path), read(test_path)
params = dict(loss='cross-entropy', constrained_embedding=True, embedding=0, elu_param=0, layers=[100], n_epochs=epochs,
              batch_size=32, dropout_p_embed=0.0, dropout_p_hidden=0.4, learning_rate=0.2, momentum=0.2, n_sample=2048,
              sample_alpha=0.5, bpreg=0.0, logq=1.0)
gru = GRU4Rec(device=torch.device('cuda:0'))
with contextlib.redirect_stdout(io.StringIO()):
    gru.set_params(**params)
log = io.StringIO()
with contextlib.redirect_stdout(log):
    gru.fit(train)
lines = [l for l in log.getvalue().splitlines() if l.startswith('Epoch')]
seconds = sum(float(re.search(r'\(([0-9.]+)s\)', l).group(1)) for l in lines)
events = epochs * (len(train) - train['SessionId'].nunique())
with contextlib.redirect_stdout(io.StringIO()):
    recall, mrr = evaluation.batch_eval(gru, test, cutoff=[20], mode='conservative')
print(json.dumps({"train_seconds": seconds, "train_events_per_second": events / seconds, "recall@20": float(recall[20]), "mrr@20": float(mrr[20])}))
PY
) || { say "the official code failed; no speed ratio"; OFFICIAL_JSON=null; }
fi

rm -rf "$WORK/artifacts"
say "logs in $WORK"

# --- 4 and 6. compare, write one JSON file (temp + rename) -------------------------------------------------------------
"$PYTHON" - "$WORK/cuda.json" "$WORK/cpu.json" "$OUT_JSON" "$OFFICIAL_JSON" "$TORCH_JSON" <<PY
import json, os, sys, tempfile
cuda_path, cpu_path, out, official, torch_info = sys.argv[1:6]
def gru(path):
    m = next(x for x in json.load(open(path))["models"] if x["model"] == "gru4rec")
    return {"recall@20": m["metrics"]["recall@20"], "mrr@20": m["metrics"]["mrr@20"],
            "train_events_per_second": m["train_events_per_second"], "train_seconds": m["train_seconds"]}
cuda, cpu = gru(cuda_path), gru(cpu_path)
agree = {k: abs(cuda[k] - cpu[k]) / max(cpu[k], 1e-12) for k in ("recall@20", "mrr@20")}
official = json.loads(official)
report = {
    "gpu": {"name": "$GPU_NAME", "memory": "$GPU_MEMORY", "driver": "$DRIVER", "driver_cuda": "$DRIVER_CUDA"},
    "pytorch": json.loads(torch_info) or None,
    "backend": "$BACKEND", "libtorch": "${LIBTORCH:-}" if "$BACKEND" == "libtorch" else None,
    "dry_run": $([ "$DRY_RUN" = 1 ] && echo True || echo False),
    "data": "data/rsc15-100k", "epochs": $EPOCHS, "params": "official RSC15 cross-entropy (the app's defaults)",
    "cuda": cuda, "cpu": cpu,
    "relative_difference": agree, "agree_within_2_percent": all(v <= 0.02 for v in agree.values()),
    "speedup_cuda_over_cpu": cuda["train_events_per_second"] / cpu["train_events_per_second"],
    "official_pytorch_cuda": official,
    "ratio_ours_over_official_cuda": (cuda["train_events_per_second"] / official["train_events_per_second"]) if official else None,
    "seconds": $(($(date +%s) - START)),
}
fd, tmp = tempfile.mkstemp(dir=os.path.dirname(out) or ".", prefix=".gpu-check-", suffix=".json")
with os.fdopen(fd, "w") as f: json.dump(report, f, indent=2)
os.replace(tmp, out)
print(json.dumps(report, indent=2))
sys.exit(0 if report["agree_within_2_percent"] else 1)
PY
