#!/usr/bin/env bash
# Train and evaluate SourceOnly and Supervised (the lower and upper bounds)
# on the synthetic pair and on VNC III -> Lucchi (CPU profile), one after
# the other, recording wall times; then collect the figures with
# tools/benchmarks/collect_results.py. Usage:
#   bash tools/benchmarks/run_baselines.sh [OUT_DIR] [SEED]
set -uo pipefail
OUT=${1:-work_dirs/bench}
SEED=${2:-0}
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
mkdir -p "$OUT"
run() {  # name config iters val_interval
  local name=$1 cfg=$2 iters=$3 val=$4 start
  start=$(date +%s)
  $PY tools/train.py "$cfg" --work-dir "$OUT/$name" --cfg-options \
    train_cfg.max_iters="$iters" train_cfg.val_interval="$val" \
    param_scheduler.0.end="$iters" randomness.seed="$SEED" \
    train_dataloader.num_workers=1 > "$OUT/$name.log" 2>&1
  echo "$name,$?,$(( $(date +%s) - start )),$iters,$SEED" >> "$OUT/walltimes.csv"
}
[ -f "$OUT/walltimes.csv" ] || echo "run,exit_code,wall_s,iters,seed" > "$OUT/walltimes.csv"
run supervised_vnc3_lucchi_cpu \
  configs/supervised/supervised_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py 1500 500
run source_only_vnc3_lucchi_cpu \
  configs/source_only/source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py 1000 500
run source_only_synth \
  configs/source_only/source-only_unet-s4-c16_1xb4-2k_synth-192x192.py 600 300
run supervised_synth \
  configs/supervised/supervised_unet-s4-c16_1xb4-2k_synth-192x192.py 600 300
