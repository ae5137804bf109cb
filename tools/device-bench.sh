#!/usr/bin/env bash
# The benchmarks of issue 17 on a CUDA machine, in at most 8 minutes: bash tools/device-bench.sh [--cpu-smoke]
#
#   1. `longvid bench generate`: every method (R3-robust and AR2 first, the goal rows) x latent mode (VDrej with 20
#      candidates first), full size (preset improved_r2_128, R3's 1.36 B GPT), batch 64, 32-frame videos;
#   2. `longvid bench chapter5_memory` and `longvid bench vdrej_cost` in their CUDA form (sizes below);
#   3. `longvid bench gpt` when this checkout has it (another branch adds it);
#   4. one data-parallel training step of R3's GPT on every GPU nvidia-smi lists
#      (torchrun --nproc_per_node=<GPUs> -m longvid bench gpt_ddp_step; bf16 autocast).
# Rows (with the device and the date in every row) go to results/bench/<bench>_<device>.csv, so the CPU files
# (results/bench/<bench>.csv) are never overwritten; logs beside them in results/bench/logs_<device>/. Each step
# has a hard `timeout` (the whole process group is killed): a bench that writes after every row keeps the rows it
# finished. Nothing to install beyond `bash tools/setup.sh` (run here when .venv is missing).
# Without a visible GPU the script stops with exit 2, unless --cpu-smoke: tiny sizes on the CPU, 2 gloo ranks for
# the DDP step, rows in a temporary folder (BENCH_OUT overrides) - an end-to-end check of this script.
set -uo pipefail
cd "$(dirname "$0")/.."
export PYTHONUNBUFFERED=1
smoke=0
case "${1:-}" in
  --cpu-smoke) smoke=1 ;;
  "") ;;
  *) echo "usage: bash tools/device-bench.sh [--cpu-smoke]" >&2; exit 64 ;;
esac
[ -x .venv/bin/python ] || bash tools/setup.sh || { echo "device-bench: tools/setup.sh failed" >&2; exit 1; }
py=.venv/bin/python
export PYTHONPATH="$PWD/src${PYTHONPATH:+:$PYTHONPATH}"
start=$(date +%s)

if [ $smoke = 1 ]; then
  gpus=2  # gloo ranks of the DDP step
  slug=cpu-smoke
  dir=${BENCH_OUT:-$(mktemp -d)}
else
  gpus=$(nvidia-smi -L 2>/dev/null | grep -c '^GPU ' || true)
  if [ "${gpus:-0}" -lt 1 ] || ! $py -c 'import sys, torch; sys.exit(not torch.cuda.is_available())'; then
    echo "device-bench: no CUDA GPU is visible here (nvidia-smi -L lists ${gpus:-0}, or torch sees none)." >&2
    echo "  Run it on a GPU machine, or pass --cpu-smoke for the tiny CPU check of this script." >&2
    exit 2
  fi
  name=$($py -c 'import torch; print(torch.cuda.get_device_name(0))')
  slug=$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]' | tr -cs 'a-z0-9' '-' | sed 's/-*$//')
  dir=${BENCH_OUT:-results/bench}
fi
logs="$dir/logs_$slug"
mkdir -p "$logs"
failed=()

step() {  # step NAME SECONDS COMMAND...: run with a hard time limit, log, record a failure
  local name=$1 limit=$2
  shift 2
  local left=$((480 - ($(date +%s) - start)))
  if [ "$left" -lt 20 ]; then
    echo "==== $name: skipped, $left s left of the 8 minutes" | tee -a "$logs/summary.txt"
    failed+=("$name (skipped)")
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "==== $name (limit ${limit}s, $(date -u +%T))"
  timeout --kill-after=10 "$limit" "$@" > "$logs/$name.log" 2>&1
  local rc=$?
  tail -n 15 "$logs/$name.log"
  echo "==== $name: exit $rc after $(($(date +%s) - start)) s in all" | tee -a "$logs/summary.txt"
  [ $rc = 0 ] || failed+=("$name (exit $rc$([ $rc = 124 ] && echo ': time limit'))")
}

bench=($py -m longvid bench)
if [ $smoke = 1 ]; then
  step generate 240 "${bench[@]}" generate --out "$dir/generate_$slug.csv" --device cpu --quick \
    --methods r3-robust ar2 --latents vdrej mean --candidates 2 --batch 1 --frames 17 --repeats 1
  step chapter5_memory 120 "${bench[@]}" chapter5_memory --out "$dir/chapter5_memory_$slug.csv" --device cpu \
    --quick --models ar2 --batch-sizes 2 --sample-lengths 32 --steps 1
  step vdrej_cost 120 "${bench[@]}" vdrej_cost --out "$dir/vdrej_cost_$slug.csv" --device cpu --quick \
    --candidates 1 --frames 17 --repeats 1
else
  step generate 250 "${bench[@]}" generate --out "$dir/generate_$slug.csv" --device cuda --widths full \
    --preset improved_r2_128 --methods r3-robust ar2 r2 r3-faster --latents vdrej sample mean --candidates 20 \
    --chunk 160 --batch 64 --frames 32 --repeats 2
  step chapter5_memory 60 "${bench[@]}" chapter5_memory --out "$dir/chapter5_memory_$slug.csv" --device cuda \
    --batch-sizes 2 4 --sample-lengths 128 1024 --steps 2
  step vdrej_cost 45 "${bench[@]}" vdrej_cost --out "$dir/vdrej_cost_$slug.csv" --device cuda --repeats 3
fi
if "${bench[@]}" --help 2>/dev/null | grep -qE '(^|[{,])gpt([},]|$)'; then  # `longvid bench gpt` (branch gpt-bench)
  gpt_opts=()
  "${bench[@]}" gpt --help 2>/dev/null | grep -q -- '--device' && gpt_opts+=(--device "$([ $smoke = 1 ] && echo cpu || echo cuda)")
  [ $smoke = 1 ] && "${bench[@]}" gpt --help 2>/dev/null | grep -q -- '--quick' && gpt_opts+=(--quick)
  # the whole 48-block GPT fits a GPU: measured, not extrapolated; decoding first, then 3 training lengths
  [ $smoke = 0 ] && gpt_opts+=(--widths full --full-layers 48 --frames 24 256 1000 --decode-repeats 10)
  step gpt 45 "${bench[@]}" gpt --out "$dir/gpt_$slug.csv" "${gpt_opts[@]}"
else
  echo "==== gpt: skipped, this checkout has no \`longvid bench gpt\`" | tee -a "$logs/summary.txt"
fi
ddp=(--out "$dir/gpt_ddp_step_$slug.csv")
[ $smoke = 1 ] && ddp+=(--device cpu --quick) || ddp+=(--device cuda --widths full --batch 8 --tokens 124)
step gpt_ddp_step 60 .venv/bin/torchrun --standalone --nproc_per_node="$gpus" -m longvid bench gpt_ddp_step "${ddp[@]}"

echo "device-bench: $(($(date +%s) - start)) s; rows in $dir/*_$slug.csv, logs in $logs"
if [ ${#failed[@]} -gt 0 ]; then
  printf 'device-bench: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
