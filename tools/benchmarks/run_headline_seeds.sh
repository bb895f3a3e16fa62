#!/usr/bin/env bash
# Issue 13's headline rows over three seeds, bf16 (`--amp`), VNC III ->
# Lucchi CPU profile, in two queues for the two cores (one job each):
#   A: IPL-CFCL 15 % with points-only label-free selection (full run: 1000
#      source pretraining + 5 x 200), then its UDA variant with flip-agreement
#      selection from that run's iteration-1000 checkpoint (shared
#      pretraining, 5 x 200 at Adam 1e-4 as the other variants);
#   B: SourceOnly and Supervised (1000 from scratch), ADVENT MinEnt (250
#      from SourceOnly's final checkpoint), then the IPL-CFCL "continue"
#      variant (5 x 200 from the IPL-CFCL iteration-1000 checkpoint).
#   P: only the shared IPL-CFCL pretraining (iterations 0-1000 of queue A's
#      run, the same seed and options; the run ends one stage-1 iteration
#      later) into OUT_DIR/ipl-cfcl-pretraining/seed<k>, for U and C when
#      queue A's checkpoints are gone;
#   U / C: only the UDA / continue rounds of queue A / B.
# Usage: bash tools/benchmarks/run_headline_seeds.sh OUT_DIR A|B|P|U|C [SEED ...]
# then: python tools/compare.py --collect-only --work-root OUT_DIR
set -euo pipefail
OUT=$1
QUEUE=$2
SEEDS=("${@:3}")
[ ${#SEEDS[@]} -gt 0 ] || SEEDS=(0 1 2)
PY=${PY:-.venv/bin/python}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
LOADER="train_dataloader.num_workers=1 val_dataloader.num_workers=1"
V=vnc3-lucchi-cpu-256x256
IPL_LF=configs/ipl_cfcl/ipl-cfcl-label-free_unet-s4-c16_2x2-2k_$V.py
PRE=$OUT/ipl-cfcl-pretraining
ipl_pretrained() {  # queue P's checkpoint, else queue A's
  if [ -e "$PRE/seed$1/iter_1000.pth" ] || [ "$QUEUE" = U ] || [ "$QUEUE" = C ]
  then echo "$PRE/seed$1/iter_1000.pth"
  else echo "$OUT/$(basename "$IPL_LF" .py)/seed$1/iter_1000.pth"; fi
}
one() {  # SEED [compare options ...]
  $PY tools/compare.py --amp --seeds "$1" --work-root "$OUT" "${@:2}"
}
shared_rounds() {  # SEED CONFIG [cfg options ...]: 5 x 200 from pretraining
  local ckpt
  ckpt=$(ipl_pretrained "$1")
  while [ ! -e "$ckpt" ]; do sleep 60; done  # queue A writes it
  one "$1" "$2" --cfg-options $LOADER load_from="$ckpt" \
    train_cfg.pretrain_iters=0 "${@:3}"
}
uda_rounds() {
  shared_rounds "$1" \
    configs/ipl_cfcl/ipl-cfcl-label-free-uda_unet-s4-c16_2x2-2k_$V.py \
    optim_wrapper.optimizer.lr=1e-4 'param_scheduler.0.milestones=[100000]'
}
continue_rounds() {
  shared_rounds "$1" configs/ipl_cfcl/ipl-cfcl-continue_unet-s4-c16_2x2-2k_$V.py
}
case $QUEUE in
  P)
    mkdir -p "$PRE"
    printf '%s\n' "_base_ = ['$(realpath "$IPL_LF")']" \
      'train_cfg = dict(rounds=[dict(stage=1, iters=1, ratio=0.0, tau=0.9)])' \
      > "$PRE/pretraining_only.py"
    for seed in "${SEEDS[@]}"; do
      $PY -m emda.tools.train "$PRE/pretraining_only.py" --amp \
        --work-dir "$PRE/seed$seed" --cfg-options "randomness.seed=$seed" \
        $LOADER default_hooks.checkpoint.max_keep_ckpts=20
    done
    ;;
  U) for seed in "${SEEDS[@]}"; do uda_rounds "$seed"; done ;;
  C) for seed in "${SEEDS[@]}"; do continue_rounds "$seed"; done ;;
  A)
    for seed in "${SEEDS[@]}"; do
      one "$seed" "$IPL_LF" \
        --cfg-options $LOADER default_hooks.checkpoint.max_keep_ckpts=20
    done
    for seed in "${SEEDS[@]}"; do uda_rounds "$seed"; done
    ;;
  B)
    for seed in "${SEEDS[@]}"; do
      one "$seed" configs/source_only/source-only_unet-s4-c16_1xb4-3k_$V.py \
        configs/supervised/supervised_unet-s4-c16_1xb4-3k_$V.py \
        --iters 1000 --val-interval 250 --cfg-options $LOADER
    done
    for seed in "${SEEDS[@]}"; do
      SO=$OUT/source-only_unet-s4-c16_1xb4-3k_$V/seed$seed/iter_1000.pth
      one "$seed" configs/advent/advent-minent_unet-s4-c16_1xb4-3k_$V.py \
        --iters 250 --val-interval 250 --cfg-options $LOADER load_from="$SO"
    done
    for seed in "${SEEDS[@]}"; do continue_rounds "$seed"; done
    ;;
  *) echo "queue must be A, B, P, U or C" >&2; exit 2 ;;
esac
