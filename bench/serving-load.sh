#!/usr/bin/env bash
# Load test of the serving sample (docs/serving.md): VISITORS concurrent visitors replaying real test sessions against
# 1 and 2 instances, with the in-memory store (2 instances: sticky visitors) and with Redis (2 instances: every event
# to the other instance). Loopback only; each run bounded by REQUESTS and RUN_SECONDS; starts and stops its own
# redis-server and service processes.
# Two paces per configuration: THINK_MS 0 = every visitor clicks again as soon as it has its answer (saturation:
# the latency is mostly queueing), and a think time (uniform in [0, 2 x mean] ms) between a visitor's clicks.
# Usage: bench/serving-load.sh            Env: VISITORS (50), REQUESTS (10000), RUN_SECONDS (20), WARMUP (1000), THINK_MS ("0 100"),
#        DATASETS ("rsc15-100k nowplaying"; nowplaying only where ../shared/data or $SESSIONREC_DATA has it), OUT (bench/results/serving)
set -euo pipefail
cd "$(dirname "$0")/.."
VISITORS=${VISITORS:-50} REQUESTS=${REQUESTS:-10000} SECONDS_PER_RUN=${RUN_SECONDS:-20} WARMUP=${WARMUP:-1000} THINKS=${THINK_MS:-0 100}
DATA=${SESSIONREC_DATA:-$(cd .. && pwd)/shared/data}
DATASETS=${DATASETS:-rsc15-100k nowplaying}
OUT=${OUT:-bench/results/serving}
mkdir -p "$OUT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build -c Release -v q samples/MLNet.SessionRec.Serving >/dev/null
dotnet build -c Release -v q bench/MLNet.SessionRec.ServingLoad >/dev/null
service="samples/MLNet.SessionRec.Serving/bin/Release/net10.0/MLNet.SessionRec.Serving.dll"
load="dotnet bench/MLNet.SessionRec.ServingLoad/bin/Release/net10.0/MLNet.SessionRec.ServingLoad.dll"
command -v redis-server >/dev/null || { echo "redis-server is required (apt-get install redis-server)" >&2; exit 1; }

work=$(mktemp -d)
pids=()
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done; pids=(); }
redis_pid=""
trap 'stop_all; [ -z "$redis_pid" ] || kill "$redis_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

redis_port=$($load free-port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$work" --loglevel warning >"$work/redis.log" 2>&1 &
redis_pid=$!

start_instances() { # count model train name [redis]  -> sets urls
  local count=$1 model=$2 train=$3 name=$4 redis=${5:-} port
  urls=""
  for i in $(seq 1 "$count"); do
    port=$($load free-port)
    dotnet "$service" --urls "http://127.0.0.1:$port" --model "$model" --Serving:TrainPath="$train" --Serving:ModelName="$name" \
      --Logging:LogLevel:Default=Warning ${redis:+--redis "$redis"} >>"$work/service.log" 2>&1 &
    pids+=($!)
    # One at a time: the first trains the model when it is missing, the others load it.
    $load wait-ready "http://127.0.0.1:$port" 180
    urls="${urls:+$urls,}http://127.0.0.1:$port"
  done
}

printf '| data | store | instances | routing | visitors | think ms | requests | errors | throughput (req/s) | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n' >"$OUT/table.md"
for dataset in $DATASETS; do
  case $dataset in
    rsc15-100k) train=data/rsc15-100k/yoochoose-clicks-100k_train_full.txt test=data/rsc15-100k/yoochoose-clicks-100k_test.txt ;;
    nowplaying) train=$DATA/nowplaying/train_full.tsv test=$DATA/nowplaying/test.tsv
                [ -f "$train" ] || { echo "nowplaying not found in $DATA: skipped" >&2; continue; } ;;
    *) echo "unknown data set $dataset" >&2; exit 2 ;;
  esac
  model="$work/$dataset-sr.zip"
  for store in memory redis; do
    for n in 1 2; do
      routing=alternate; [ "$store" = memory ] && routing=sticky
      redis=""; [ "$store" = redis ] && redis="127.0.0.1:$redis_port"
      start_instances "$n" "$model" "$train" "$dataset-sr" "$redis"
      for think in $THINKS; do
        label="$dataset-$store-$n-think$think"
        $load run --urls "$urls" --test "$test" --visitors "$VISITORS" --requests "$REQUESTS" --seconds "$SECONDS_PER_RUN" \
          --warmup "$WARMUP" --routing "$routing" --think-ms "$think" --label "$label" --json "$OUT/$label.json" >/dev/null
        python3 - "$OUT/$label.json" "$dataset" "$store" >>"$OUT/table.md" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {sys.argv[3]} | {r['instances']} | {r['routing']} | {r['visitors']} | {r['thinkMs']:g} | {r['requests']} | {r['errors']} | "
      f"{r['throughputPerSecond']:.0f} | {r['p50Ms']:.2f} | {r['p99Ms']:.2f} | {r['maxMs']:.2f} |")
PY
        tail -1 "$OUT/table.md"
      done
      stop_all
    done
  done
done
echo "load average at the end: $(cat /proc/loadavg)"
