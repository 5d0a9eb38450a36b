#!/usr/bin/env bash
# Training throughput of GRU4Rec: ours (TorchSharp) vs the official PyTorch code, same data, same parameters,
# same thread count, in one script run. Events = every event with a successor (what both train on), per second
# of training time over whole epochs.
#
# usage: bench/compare-official.sh OFFICIAL_DIR [EPOCHS=2] [THREADS=1] [PARAMS=official RSC15 cross-entropy]
#   OFFICIAL_DIR: a checkout of github.com/hidasib/GRU4Rec_PyTorch_Official (never committed here);
#   needs python3 with torch, pandas, numpy (Debian: python3-torch python3-pandas).
set -euo pipefail
OFFICIAL_DIR=$(realpath "${1:?usage: $0 OFFICIAL_DIR [EPOCHS] [THREADS] [PARAMS]}")
EPOCHS=${2:-2}
THREADS=${3:-1}
PARAMS=${4:-loss=cross-entropy,constrained_embedding=True,embedding=0,elu_param=0,layers=100,batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.0,logq=1.0}
REPO=$(cd "$(dirname "$0")/.." && pwd)
DATA=${SESSIONREC_DATA:-$REPO/../shared/data}
TRAIN=$DATA/rsc15-100k/yoochoose-clicks-100k_train_full.txt
PYTHON=${PYTHON:-/usr/bin/python3}

dotnet build "$REPO/bench/MLNet.SessionRec.Benchmarks" -c Release -v q -nologo >/dev/null
OURS_DLL=$REPO/bench/MLNet.SessionRec.Benchmarks/bin/Release/net10.0/MLNet.SessionRec.Benchmarks.dll

echo "== official PyTorch ($OFFICIAL_DIR), $EPOCHS epochs, $THREADS thread(s)"
OFFICIAL=$(OMP_NUM_THREADS=$THREADS "$PYTHON" - "$OFFICIAL_DIR" "$TRAIN" "$PARAMS" "$EPOCHS" "$THREADS" <<'PY'
import sys, time, contextlib, io
official_dir, train_path, params, epochs, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
sys.path.insert(0, official_dir)
import pandas as pd, torch
torch.set_num_threads(threads)
torch.manual_seed(42)
from gru4rec_pytorch import GRU4Rec
data = pd.read_csv(train_path, sep='\t', usecols=['SessionId', 'ItemId', 'Time'], dtype={'SessionId': 'int32', 'ItemId': 'str'})  # as the official run.py
kv = dict(p.split('=', 1) for p in params.split(','))
kv['n_epochs'] = str(epochs)
gru = GRU4Rec(device=torch.device('cpu'))
with contextlib.redirect_stdout(io.StringIO()):
    gru.set_params(**kv)
log = io.StringIO()
t0 = time.time()
with contextlib.redirect_stdout(log):
    gru.fit(data)
seconds = time.time() - t0
import re
lines = [l for l in log.getvalue().splitlines() if l.startswith('Epoch')]
sys.stderr.write(''.join(l + '\n' for l in lines))
epoch_seconds = sum(float(re.search(r'\(([0-9.]+)s\)', l).group(1)) for l in lines)
events = epochs * (len(data) - data['SessionId'].nunique())
print(f"{events / epoch_seconds:.1f} {epoch_seconds:.1f} {events / seconds:.1f} {seconds:.1f}")
PY
)
read -r OFF_EPS OFF_SEC OFF_FIT_EPS OFF_FIT_SEC <<<"$OFFICIAL"
# The ratio uses the official epoch loop time only (its own per-epoch timer; our figure includes our sample-cache fill).
echo "official: $OFF_EPS events/s over its epoch loops ($OFF_SEC s); $OFF_FIT_EPS events/s over all of fit() ($OFF_FIT_SEC s)"

echo "== ours (TorchSharp), $EPOCHS epochs, $THREADS thread(s)"
OURS_LINE=$(dotnet "$OURS_DLL" gru4rec-train --train "$TRAIN" --params "$PARAMS" --epochs "$EPOCHS" --threads "$THREADS" | tee >(cat >&2) | grep '^RESULT ours')
OURS_EPS=$(sed -E 's/^RESULT ours: ([0-9.]+) events\/s.*/\1/' <<<"$OURS_LINE")
echo "ours: $OURS_EPS events/s"
echo "RATIO ours/official: $(awk -v a="$OURS_EPS" -v b="$OFF_EPS" 'BEGIN { printf "%.2f", a / b }') (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
