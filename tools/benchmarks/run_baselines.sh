#!/usr/bin/env bash
# Train and evaluate SourceOnly and Supervised (the lower and upper bounds)
# on the synthetic pair and on VNC III -> Lucchi (CPU profile) with
# tools/compare.py, at the iteration budgets of docs/benchmarks.md, then
# collect every run of OUT_DIR into OUT_DIR/results.{md,csv,png} and runs.csv.
# Runs already done are skipped. Usage:
#   bash tools/benchmarks/run_baselines.sh [OUT_DIR] [SEED ...]
set -euo pipefail
OUT=${1:-work_dirs/bench}
SEEDS=("${@:2}")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(0)
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
compare() {  # iters val_interval config ...
  local iters=$1 val=$2
  shift 2
  $PY tools/compare.py "$@" --seeds "${SEEDS[@]}" --work-root "$OUT" \
    --iters "$iters" --val-interval "$val" \
    --cfg-options train_dataloader.num_workers=1
}
compare 1500 500 \
  configs/supervised/supervised_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py
compare 1000 500 \
  configs/source_only/source-only_unet-s4-c16_1xb4-3k_vnc3-lucchi-cpu-256x256.py
compare 600 300 \
  configs/source_only/source-only_unet-s4-c16_1xb4-2k_synth-192x192.py \
  configs/supervised/supervised_unet-s4-c16_1xb4-2k_synth-192x192.py
$PY tools/compare.py --collect-only --work-root "$OUT" --title Baselines
