#!/usr/bin/env bash
# Inference figures of the current code and of a previous commit in the same run, on the same saved models.
# Usage: bench/inference.sh [BASE_COMMIT]   (default: the commit before the inference work, abc2852)
# Env: SESSIONREC_DATA (default ../shared/data beside the checkout), OUT (default bench/results), QUICK=1 for fewer events.
# Writes OUT/inference-<model>-<label>.json and prints one table row per run.
set -euo pipefail
cd "$(dirname "$0")/.."
BASE=${1:-abc2852}
DATA=${SESSIONREC_DATA:-$(cd .. && pwd)/shared/data}
OUT=${OUT:-bench/results}
mkdir -p "$OUT"
base_dir=$(mktemp -d)
np43=$(mktemp -d)
trap 'rm -rf "$base_dir" "$np43"' EXIT
git archive "$BASE" | tar -x -C "$base_dir"
# The benchmark uses only public API that the previous release has too: the same source builds against both.
cp bench/MLNet.SessionRec.Benchmarks/InferenceBenchmark.cs "$base_dir/bench/MLNet.SessionRec.Benchmarks/"
dotnet build -c Release -v q bench/MLNet.SessionRec.Benchmarks >/dev/null
dotnet build -c Release -v q "$base_dir/bench/MLNet.SessionRec.Benchmarks" >/dev/null
dotnet build -c Release -v q samples/MLNet.SessionRec.Evaluation >/dev/null
dotnet build -c Release -v q "$base_dir/samples/MLNet.SessionRec.Evaluation" >/dev/null
current_app=samples/MLNet.SessionRec.Evaluation/bin/Release/net10.0/MLNet.SessionRec.Evaluation.dll
previous_app="$base_dir/samples/MLNet.SessionRec.Evaluation/bin/Release/net10.0/MLNet.SessionRec.Evaluation.dll"
current="dotnet bench/MLNet.SessionRec.Benchmarks/bin/Release/net10.0/MLNet.SessionRec.Benchmarks.dll"
previous="dotnet $base_dir/bench/MLNet.SessionRec.Benchmarks/bin/Release/net10.0/MLNet.SessionRec.Benchmarks.dll"

# Models (trained once, by the previous code: the current code reads every earlier format, an older build cannot read
# a newer one): 100 units, official RSC15 parameters, 1 epoch.
rsc15_model="$OUT/rsc15-100k-gru4rec.zip"; nowplaying_model="$OUT/nowplaying-gru4rec.zip"
[ -f "$rsc15_model" ] || $previous inference-model --train data/rsc15-100k/yoochoose-clicks-100k_train_full.txt --output "$rsc15_model" --epochs 1
[ -f "$nowplaying_model" ] || $previous inference-model --train "$DATA/nowplaying/train_full.tsv" --output "$nowplaying_model" --epochs 1

# nowplaying-43k: the real nowplaying events of its 43,000 most frequent training items (ties by id; events of other
# items dropped from train and test), for a catalog between the two others.
awk -F'\t' 'NR > 1 { n[$2]++ } END { for (i in n) print n[i] "\t" i }' "$DATA/nowplaying/train_full.tsv" \
  | sort -t$'\t' -k1,1nr -k2,2 | awk 'NR <= 43000' | cut -f2 > "$np43/items"
for f in train_full test; do
  awk -F'\t' 'NR == FNR { keep[$1] = 1; next } FNR == 1 || ($2 in keep)' "$np43/items" "$DATA/nowplaying/$f.tsv" > "$np43/$f.tsv"
done
np43_model="$OUT/nowplaying-43k-gru4rec.zip"
[ -f "$np43_model" ] || $previous inference-model --train "$np43/train_full.tsv" --output "$np43_model" --epochs 1

run() { # name model test label binary extra-args...
  local name=$1 model=$2 test=$3 label=$4 bin=$5; shift 5
  $bin inference --model "$model" --test "$test" --label "$label" --json "$OUT/inference-$name-$label.json" "$@"
}
q=${QUICK:-0}
# rsc15-100k (2.9k items): the previous code holds a float per item in every live session (100k sessions = 1.2 GB).
run rsc15-100k "$rsc15_model" data/rsc15-100k/yoochoose-clicks-100k_test.txt current "$current" --events $((q ? 2000 : 13000)) --rows 5000 --sessions 100000
run rsc15-100k "$rsc15_model" data/rsc15-100k/yoochoose-clicks-100k_test.txt previous "$previous" --events $((q ? 2000 : 5000)) --rows 2000 --sessions 100000
# nowplaying (60k items): the previous code needs 242 KB per live session: 10k sessions, scaled to 100k in the JSON.
run nowplaying "$nowplaying_model" "$DATA/nowplaying/test.tsv" current "$current" --events $((q ? 2000 : 5000)) --rows 3000 --sessions 100000
run nowplaying "$nowplaying_model" "$DATA/nowplaying/test.tsv" previous "$previous" --events $((q ? 500 : 1000)) --rows 500 --sessions 10000
# nowplaying-43k (43k items): as nowplaying.
run nowplaying-43k "$np43_model" "$np43/test.tsv" current "$current" --events $((q ? 2000 : 5000)) --rows 3000 --sessions 100000
run nowplaying-43k "$np43_model" "$np43/test.tsv" previous "$previous" --events $((q ? 500 : 1000)) --rows 500 --sessions 10000

# The app's `recommend` over a test file (whole process: start, model load, every event answered with 20 items), as a
# user runs it: events/s = events / wall seconds. The previous code answers the first 10,000 events only (at 60k items
# it needs minutes for them); the current one the whole file. Answers of the events both saw are compared.
app_run() { # name label app model input
  local events start end
  events=$(($(wc -l < "$5") - 1))
  start=$(date +%s.%N)
  dotnet "$3" recommend --model "$4" --input "$5" --top 20 > "$np43/recommend-$1-$2.tsv"
  end=$(date +%s.%N)
  awk -v n="$events" -v s="$start" -v e="$end" 'BEGIN { printf "{\"events\": %d, \"seconds\": %.3f, \"events_per_s\": %.1f}\n", n, e - s, n / (e - s) }' \
    > "$OUT/recommend-app-$1-$2.json.tmp" && mv "$OUT/recommend-app-$1-$2.json.tmp" "$OUT/recommend-app-$1-$2.json"
  echo "recommend app, $1, $2: $(cat "$OUT/recommend-app-$1-$2.json")"
}
for name in rsc15-100k nowplaying-43k nowplaying; do
  case $name in
    rsc15-100k) model=$rsc15_model; test=data/rsc15-100k/yoochoose-clicks-100k_test.txt ;;
    nowplaying-43k) model=$np43_model; test=$np43/test.tsv ;;
    nowplaying) model=$nowplaying_model; test=$DATA/nowplaying/test.tsv ;;
  esac
  head -n 10001 "$test" > "$np43/head-$name.tsv"
  app_run "$name" current "$current_app" "$model" "$test"
  app_run "$name" previous "$previous_app" "$model" "$np43/head-$name.tsv"
  differing=$(head -n 10000 "$np43/recommend-$name-current.tsv" | diff - "$np43/recommend-$name-previous.tsv" | grep -c '^>' || true)
  echo "recommend app, $name: $differing of the first 10,000 answers differ between current and previous"
done

# The current code's two evaluation paths on the same model, one after the other (index vs fused float pass; the
# command fails if any metric differs).
$current evaluation-paths --model "$np43_model" --test "$np43/test.tsv" --json "$OUT/evaluation-paths-nowplaying-43k.json" | sed -n 1p
$current evaluation-paths --model "$nowplaying_model" --test "$DATA/nowplaying/test.tsv" --json "$OUT/evaluation-paths-nowplaying.json" | sed -n 1p
