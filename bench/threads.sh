#!/usr/bin/env bash
# One and two CPU threads side by side, in one run: GRU4Rec training events/s (one epoch of rsc15-100k) with the
# official RSC15 cross-entropy parameters and with the 512-unit bpr-max setting, and the evaluation of a saved
# nowplaying model (Recall/MRR@20 with list metrics) with the scoring kernel on one thread and on every core.
# These figures are what the thread rules (Gru4RecTrainer.Options.NumberOfThreads = null, RankingEvaluatorOptions.
# MaxDegreeOfParallelism = -1) are chosen from; measure on a quiet machine.
# Usage: bench/threads.sh [NOWPLAYING_MODEL.zip]   Env: SESSIONREC_DATA (default ../shared/data), OUT (default bench/results)
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${SESSIONREC_DATA:-$(cd .. && pwd)/shared/data}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
dotnet build -c Release -v q bench/MLNet.SessionRec.Benchmarks >/dev/null
bin="dotnet bench/MLNet.SessionRec.Benchmarks/bin/Release/net10.0/MLNet.SessionRec.Benchmarks.dll"
train=data/rsc15-100k/yoochoose-clicks-100k_train_full.txt
rsc15="loss=cross-entropy,constrained_embedding=True,embedding=0,elu_param=0,layers=100,batch_size=32,dropout_p_embed=0.0,dropout_p_hidden=0.4,learning_rate=0.2,momentum=0.2,n_sample=2048,sample_alpha=0.5,bpreg=0.0,logq=1.0"
bprmax512="loss=bpr-max,constrained_embedding=True,embedding=0,elu_param=1,layers=512,batch_size=144,dropout_p_embed=0.35,dropout_p_hidden=0.0,learning_rate=0.05,momentum=0.4,n_sample=2048,sample_alpha=0.2,bpreg=1.95,logq=0.0"
json="{"
for setting in rsc15 bprmax512; do
  for threads in 1 2; do
    rate=$($bin gru4rec-train --train "$train" --epochs 1 --params "${!setting}" --threads $threads | sed -n 's/^RESULT ours: \([0-9]*\) events\/s.*/\1/p')
    echo "train $setting, $threads thread(s): $rate events/s"
    json+="\"train_${setting}_threads${threads}_events_per_s\": $rate, "
  done
done
model=${1:-$OUT/nowplaying-gru4rec.zip}
if [ -f "$model" ]; then
  for threads in 1 -1; do
    s=$($bin inference --model "$model" --test "$DATA/nowplaying/test.tsv" --events 0 --rows 0 --sessions 0 --eval-threads $threads | sed -n 's/^  evaluation: [0-9]* predictions in \([0-9.]*\) s.*/\1/p')
    echo "evaluation of $model, scoring threads $threads: $s s"
    json+="\"evaluation_threads${threads/-1/_all}_s\": $s, "
  done
fi
json+="\"cores\": $(nproc)}"
echo "$json" > "$OUT/threads.json.tmp" && mv "$OUT/threads.json.tmp" "$OUT/threads.json"
cat "$OUT/threads.json"
