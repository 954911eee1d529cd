#!/usr/bin/env bash
# The project's long runs (hours to days on two cores), their exact commands, and their state carried
# from one machine to the next. Every run is resumable; a session's machine may be new, so the state a
# next session needs (epoch checkpoints, finished bases, finished tables) is kept gzip'd in
# snapshots/ and committed with the session's work.
#
#   scripts/long-runs.sh restore          snapshots/ → $BITSPIKE_RUNS (a file already there and newer is kept)
#   scripts/long-runs.sh start [JOB...]   start (or resume) jobs in the background; a job A+B runs A, then
#                                         B, skipping a run that another job is running (default: the
#                                         three TinyImageNet orders in one job, and the same orders from
#                                         the other end in another); logs in $BITSPIKE_RUNS/logs
#   scripts/long-runs.sh save             $BITSPIKE_RUNS → snapshots/ (the state files only, see STATE below)
#   scripts/long-runs.sh status           which runs are running, and what each job has done
#
# Runs: tiny-1993, tiny-1994, tiny-1995 (docs/results/gbm.md: TinyImageNet B100, one class order each:
# the base, then the Inc10 and Inc20 tables), snn-cifar10 (finished) and snn-cifar10-wd (stopped at
# epoch 23: the decay did not bound the runaway; resumable) (docs/results/spikegrad.md).
# Environment: BITSPIKE_DATA (holds tiny-imagenet-200/ and cifar10/), BITSPIKE_RUNS (default runs,
# relative to the repository), BITSPIKE_SNAPSHOTS (default snapshots), BITSPIKE_CACHE (decoded
# datasets; rebuilt when missing), BITSPIKE_CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${BITSPIKE_RUNS:-runs}"
SNAP="${BITSPIKE_SNAPSHOTS:-snapshots}"
# The CLI to run: this checkout's build by default; BITSPIKE_CLI names another (say, a copy of the
# build kept for the runs while the checkout is being rebuilt).
read -r -a CLI <<< "${BITSPIKE_CLI:-node build/src/cli/main.js}"
ALL_RUNS=(tiny-1993 tiny-1994 tiny-1995 snn-cifar10 snn-cifar10-wd)
# What `start` with no names starts: one job per core (each run uses one thread), the TinyImageNet
# orders from both ends; the locks (below) keep the two jobs off each other's runs. The orders
# started on session 13's build (commit fda0e51): until they finish, point BITSPIKE_CLI at a build
# of that commit (git worktree add), so that one study is trained with one conv rounding
# (CHANGELOG, session 14: later builds run Conv2d layers as Winograd F(4×4)).
DEFAULT_JOBS=(tiny-1993+tiny-1994+tiny-1995 tiny-1995+tiny-1994+tiny-1993)

# State worth carrying, relative to $RUNS. The frozen-feature caches (tens of MB, recomputed in
# minutes from a finished base) and the decoded datasets are not.
STATE=(
  'gbm/cache/base-*.json'
  'gbm/tiny-*.json' 'gbm/tiny-*.done'
  'spikegrad/*/checkpoint.json' 'spikegrad/*/best-network.json' 'spikegrad/*/results.json' 'spikegrad/*/*.done'
)

# SpikeGrad on CIFAR-10 (docs/results/spikegrad.md), the 6-conv network of width 32: snn-cifar10 is
# the finished 60-epoch run (79.14 % test, below the 85 % target; its upper layers' activity ran
# away), snn-cifar10-wd the same run with AdamW's decoupled weight decay 0.05 against that runaway.
SNN_ARGS=(spikegrad --dataset cifar10 --arch 32C3p1-32C3p1-P2-64C3p1-64C3p1-P2-128C3p1-128C3p1-P2-256-10
  --augment crop4-flip --error-scale 256 --gain 32 --temperature 4 --output-errors zero-sum
  --lr 0.001 --schedule cosine --epochs 60 --seed 1 --threads 1)

# One class order of the TinyImageNet study: the Inc10 table trains the base first (30 epochs,
# resumable per epoch, cached by its config hash), and the Inc20 table reuses it. Each table resumes
# per method; a finished one leaves a .done marker.
tiny() {
  local order=$1 inc
  local set=(--set "data.classOrder.numpySeed=$order" --base-cache "$RUNS/gbm/cache" --threads 1)
  mkdir -p "$RUNS/gbm"
  for inc in 10 20; do
    [ -f "$RUNS/gbm/tiny-inc$inc-o$order.done" ] && continue
    "${CLI[@]}" gbm-study --config "configs/gbm-tinyimagenet-b100-inc$inc.json" "${set[@]}" --resume --out "$RUNS/gbm/tiny-inc$inc-o$order.json" || return
    touch "$RUNS/gbm/tiny-inc$inc-o$order.done"
  done
}

# SpikeGrad on CIFAR-10 into $RUNS/$1, with the extra arguments after $2: 60 epochs (checkpoint per
# epoch), then an event-driven check of $2 test images (none: 0). A step that fails (or is stopped)
# ends the run here: the next start resumes it.
snn_cifar10() {
  local out="$RUNS/$1" events=$2 args=("${SNN_ARGS[@]}" "${@:3}") resume=()
  mkdir -p "$out"
  [ -f "$out/checkpoint.json" ] && resume=(--resume)
  if [ ! -f "$out/results.json" ]; then
    "${CLI[@]}" "${args[@]}" "${resume[@]}" --event-eval 0 --event-examples 0 --out "$out" || return
  fi
  if [ "$events" -gt 0 ] && [ ! -f "$out/event-eval.done" ]; then
    "${CLI[@]}" "${args[@]}" --resume --event-eval "$events" --out "$out" || return
    touch "$out/event-eval.done"
  fi
}

# One job: the runs named in "A+B+…", one after the other; a run that fails ends the job.
chain() {
  local part parts
  IFS=+ read -r -a parts <<< "$1"
  for part in "${parts[@]}"; do run "$part" || return; done
}

# A run holds a lock (flock on $RUNS/locks/<run>.lock) while it runs, so two jobs never run the same
# one at once: a job that comes to a run another job holds goes on to its next run. The processes a
# run starts inherit the lock, so it is held until the last of them ends.
run() {
  local fd rc=0
  if [[ " ${ALL_RUNS[*]} " != *" $1 "* ]]; then
    echo "long-runs: unknown run '$1' (expected one of: ${ALL_RUNS[*]})" >&2; return 2
  fi
  mkdir -p "$RUNS/locks"
  exec {fd}>"$RUNS/locks/$1.lock"
  if ! flock -n "$fd"; then
    echo "long-runs: $1 is running in another job: skipped here"
    exec {fd}>&-
    return 0
  fi
  case "$1" in
    tiny-*) tiny "${1#tiny-}" || rc=$? ;;
    # Its final network fires 39× more in its dense layer than at epoch 35, so 1,000 images
    # event-driven would take hours of CPU; that check is left for a network that reaches 85 %.
    snn-cifar10) snn_cifar10 spikegrad/cifar10-zs-G32-tau4-lr1e-3-60 0 || rc=$? ;;
    snn-cifar10-wd) snn_cifar10 spikegrad/cifar10-zs-G32-tau4-lr1e-3-60-wd0.05 1000 --weight-decay 0.05 || rc=$? ;;
  esac
  exec {fd}>&-
  return "$rc"
}

state_files() {
  local pattern f
  shopt -s nullglob
  for pattern in "${STATE[@]}"; do
    # shellcheck disable=SC2086 # the pattern is meant to glob
    for f in $RUNS/$pattern; do [ -f "$f" ] && echo "${f#"$RUNS"/}"; done
  done
  shopt -u nullglob
}

case "${1:-}" in
  restore)
    [ -d "$SNAP" ] || { echo "long-runs: no $SNAP/ folder, nothing to restore"; exit 0; }
    find "$SNAP" -name '*.gz' | sort | while read -r gz; do
      rel=${gz#"$SNAP"/runs/}; rel=${rel%.gz}; dst="$RUNS/$rel"
      if [ -f "$dst" ] && [ "$dst" -nt "$gz" ]; then echo "kept     $dst (newer than $gz)"; continue; fi
      mkdir -p "$(dirname "$dst")"
      gunzip -c "$gz" > "$dst.tmp" && mv "$dst.tmp" "$dst"
      echo "restored $dst"
    done ;;
  save)
    tmp=$(mktemp -d)
    state_files | while read -r rel; do
      mkdir -p "$tmp/$(dirname "$rel")"
      gzip -n -c "$RUNS/$rel" > "$tmp/$rel.gz"
    done
    rm -rf "${SNAP:?}/runs"; mkdir -p "$SNAP"
    mv "$tmp" "$SNAP/runs"
    chmod 755 "$SNAP/runs"
    du -sh "$SNAP/runs"; find "$SNAP/runs" -name '*.gz' | sort ;;
  start)
    shift
    [ -n "${BITSPIKE_CLI:-}" ] || [ -f build/src/cli/main.js ] || { echo "long-runs: build first (npm run build)" >&2; exit 1; }
    for job in "$@"; do
      IFS=+ read -r -a parts <<< "$job"
      for r in "${parts[@]}"; do
        [[ " ${ALL_RUNS[*]} " == *" $r "* ]] || { echo "long-runs: unknown run '$r' (expected one of: ${ALL_RUNS[*]})" >&2; exit 2; }
      done
    done
    mkdir -p "$RUNS/logs"
    for r in "${@:-${DEFAULT_JOBS[@]}}"; do
      run_name=$r
      nohup bash -c "$(declare -p RUNS CLI SNN_ARGS ALL_RUNS); $(declare -f tiny snn_cifar10 run chain); chain $run_name" >> "$RUNS/logs/$r.log" 2>&1 &
      echo "started $r (pid $!), log $RUNS/logs/$r.log"
    done ;;
  status)
    shopt -s nullglob
    for r in "${ALL_RUNS[@]}"; do
      lock="$RUNS/locks/$r.lock"
      if [ -f "$lock" ] && ! flock -n "$lock" true; then echo "running: $r"; fi
    done
    for log in "$RUNS"/logs/*.log; do
      echo "== $(basename "$log" .log)"; grep -E "epoch [0-9]+/|top-1|Error|error|skipped" "$log" | tail -n 3 || true
    done ;;
  *) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 2 ;;
esac
