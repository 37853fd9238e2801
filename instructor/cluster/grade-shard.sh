#!/usr/bin/env bash
# Grade one shard of a batch: the command every engine runs (instructor/cluster/slurm.sh, k8s-job.yaml).
#
#   SUBMISSIONS=/data/submissions GRADES=/data/grades SHARDS=8 SHARD_INDEX=3 bash instructor/cluster/grade-shard.sh [grade options]
#
# The shard's index (0-based) comes from SHARD_INDEX, else Slurm's SLURM_ARRAY_TASK_ID, else Kubernetes'
# JOB_COMPLETION_INDEX; the number of shards from SHARDS, else SLURM_ARRAY_TASK_COUNT. Shard i writes
# $GRADES/shard-(i+1)/; a shard started again (a requeued task, a restarted pod) grades only what it has
# not finished. Extra arguments go to python -m instructor.grade (--only ITEM ..., --src DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."

index="${SHARD_INDEX:-${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}}"
count="${SHARDS:-${SLURM_ARRAY_TASK_COUNT:-}}"
if [ -z "$index" ] || [ -z "$count" ]; then
  echo "error: no shard given; set SHARD_INDEX (or run as a Slurm array task / Kubernetes Indexed Job) and SHARDS." >&2
  exit 2
fi
: "${SUBMISSIONS:?set SUBMISSIONS to the folder holding the submissions}"
: "${GRADES:?set GRADES to the folder the shards write into}"
if [ -z "${PYTHON:-}" ]; then
  if [ -x .venv/bin/python ]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
shard=$((index + 1))
exec "$PYTHON" -m instructor.grade "$SUBMISSIONS" --all --shard "$shard/$count" --jobs "${JOBS:-1}" \
  --out "$GRADES/shard-$shard" "$@"
