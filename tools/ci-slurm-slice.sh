#!/usr/bin/env bash
# ci-slurm-slice.sh [OPTIONS] TARGET... [-- SNAKEMAKE_ARGS...]
#
# CI step: run a slice of the workflow through a real (single-node, throwaway) SLURM cluster with
# the user-facing profile, then prove with `sacct` that the jobs ran as SLURM jobs.
#   1. tools/slurm-ci.sh install + up  (slurmdbd + MariaDB, partition debug, account ci, 1 fake GPU);
#      the cluster is brought down on exit, whatever happens;
#   2. timeout -k 10 T  snakemake --profile slurm --profile profiles/slurm-ci
#                                 [--configfile F] [--forcerun RULES] SNAKEMAKE_ARGS -- TARGET...
#      (a hang or a lost job fails loudly after T seconds instead of blocking CI);
#   3. sacct: every SLURM job of this run (job name = the plugin's run ID) COMPLETED, at least one
#      holds gres/gpu in its AllocTRES, and every rule named in --rules ran as a SLURM job.
# Run from the repository root.  Options:
#   --rules R1,R2      rules that must run as SLURM jobs; they are force-rerun (--forcerun) so that
#                      outputs already made by an earlier (local) CI step do not skip them
#   --timeout S        seconds for the whole snakemake run (default 900)
#   --configfile F     config for the run (default tests/smoke/config.yaml; "none" for no --configfile)
#   --no-gpu-check     do not require a job with gres/gpu
# Environment: SLURM_CI_DIR (cluster state and logs, default /tmp/slurm-ci), SNAKEMAKE (default
# .venv/bin/snakemake).  Everything after `--` goes to snakemake as is (e.g. -s FILE -d DIR).
set -euo pipefail

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
die() { printf '[ci-slurm-slice] ERROR: %s\n' "$*" >&2; exit 1; }
say() { printf '[ci-slurm-slice] %s\n' "$*" >&2; }

RULES="" TIMEOUT=900 CONFIGFILE=tests/smoke/config.yaml GPU_CHECK=1
TARGETS=() EXTRA=()
while [ $# -gt 0 ]; do
  case $1 in
    --rules) RULES=${2:?--rules needs a value}; shift 2 ;;
    --timeout) TIMEOUT=${2:?--timeout needs a value}; shift 2 ;;
    --configfile) CONFIGFILE=${2:?--configfile needs a value}; shift 2 ;;
    --no-gpu-check) GPU_CHECK=0; shift ;;
    -h|--help) usage ;;
    --) shift; EXTRA=("$@"); break ;;
    -*) die "unknown option $1 (snakemake options go after --)" ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || { say "no TARGET given"; usage; }
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got $TIMEOUT"
[ -f profiles/slurm/config.yaml ] && [ -f tools/slurm-ci.sh ] || die "run from the repository root"
SNAKEMAKE=${SNAKEMAKE:-.venv/bin/snakemake}
[ -x "$SNAKEMAKE" ] || die "$SNAKEMAKE not found (set SNAKEMAKE=path/to/snakemake)"
D=${SLURM_CI_DIR:-/tmp/slurm-ci}

ARGS=(--profile slurm --profile profiles/slurm-ci)
if [ "$CONFIGFILE" != none ]; then
  [ -f "$CONFIGFILE" ] || die "config file $CONFIGFILE not found (use --configfile F or --configfile none)"
  ARGS+=(--configfile "$CONFIGFILE")
fi
[ -z "$RULES" ] || ARGS+=(--forcerun ${RULES//,/ })
# targets after `--`: options with several values (--configfile, --forcerun) cannot swallow them
ARGS+=("${EXTRA[@]}" -- "${TARGETS[@]}")

t0=$SECONDS
bash tools/slurm-ci.sh install "$D"
trap 'bash tools/slurm-ci.sh down "$D" || true' EXIT
bash tools/slurm-ci.sh up "$D"
t_up=$((SECONDS - t0))

LOG=$D/snakemake.out
say "timeout -k 10 $TIMEOUT $SNAKEMAKE ${ARGS[*]}"
t1=$SECONDS
set +e
timeout -k 10 "$TIMEOUT" "$SNAKEMAKE" "${ARGS[@]}" 2>&1 | tee "$LOG"
rc=${PIPESTATUS[0]}
set -e
t_run=$((SECONDS - t1))

RUN_ID=$(sed -n 's/^SLURM run ID: \([0-9a-f-]*\).*/\1/p' "$LOG" | head -1)
JOBS=""
[ -z "$RUN_ID" ] || JOBS=$(sacct -X -n -P --name "$RUN_ID" -S now-1days -o JobID,Comment,State,ExitCode,Elapsed,AllocTRES)

echo "=== SLURM jobs of run ${RUN_ID:-?} (sacct) ==="
{ echo "JobID|Rule|State|ExitCode|Elapsed|AllocTRES"; printf '%s\n' "$JOBS"; } | sed 's/|rule_/|/' | column -t -s '|'
fail=() retried=()
while IFS='|' read -r id rule state _; do   # show the log of every job that did not complete
  [ -n "$id" ] && [ "$state" != COMPLETED ] || continue
  # with --retries a failed attempt is fine when snakemake finished: the retry completed
  if [ "$rc" = 0 ]; then retried+=("job $id (rule ${rule#rule_}) $state"); else fail+=("job $id (rule ${rule#rule_}) $state"); fi
  f=$(sed -n "s/.*SLURM jobid $id (log: \(.*\)).*/\1/p" "$LOG" | head -1)
  [ -z "$f" ] || [ ! -f "$f" ] || { echo "--- tail of $f"; tail -n 40 "$f"; }
done <<< "$JOBS"

if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
  fail+=("snakemake did not finish within $TIMEOUT s (killed); see $LOG and $D/*.log")
elif [ "$rc" != 0 ]; then
  fail+=("snakemake exited with $rc; see $LOG")
fi
[ -n "$JOBS" ] || fail+=("no SLURM job ran (run ID '${RUN_ID}'): were all outputs up to date? name the rules with --rules")
if [ "$GPU_CHECK" = 1 ] && ! grep -q 'gres/gpu=' <<< "$JOBS"; then
  fail+=("no job was allocated a GPU (no gres/gpu in AllocTRES); GPU rules must declare resources gpu=1")
fi
for r in ${RULES//,/ }; do  # the plugin's job comment: rule_<rule> or rule_<rule>_wildcards_<values>
  cut -d '|' -f 2 <<< "$JOBS" | grep -Eq "^rule_${r}(_wildcards_.*)?$" || fail+=("rule $r did not run as a SLURM job")
done

echo "=== summary: cluster up ${t_up} s, snakemake ${t_run} s, $(grep -c . <<< "$JOBS") SLURM job(s) ==="
[ ${#retried[@]} -eq 0 ] || printf 'note: attempt retried by snakemake: %s\n' "${retried[@]}"
if [ ${#fail[@]} -gt 0 ]; then
  printf 'FAIL: %s\n' "${fail[@]}"
  exit 1
fi
echo "OK: the run completed through sbatch${RULES:+ (rules: $RULES)}"
