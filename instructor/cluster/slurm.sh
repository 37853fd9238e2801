#!/usr/bin/env bash
# A Slurm job array that grades a batch in shards, one array task per shard.
#
#   jid=$(sbatch --parsable --array=0-7 --export=ALL,SUBMISSIONS=$PWD/subs,GRADES=$PWD/build/grades instructor/cluster/slurm.sh)
#   sbatch --dependency=afterok:$jid --wrap ".venv/bin/python -m instructor.merge $PWD/build/grades/shard-* --out $PWD/build/grades/all"
#
# Run from the repository (after make setup and make data, on a file system every node mounts). Each task
# grades the share SLURM_ARRAY_TASK_ID of SLURM_ARRAY_TASK_COUNT into $GRADES/shard-N; a task killed at
# its time limit and submitted again (--requeue, or the same sbatch line) grades only what it did not finish.
#SBATCH --job-name=grade
#SBATCH --array=0-7
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=build/slurm-grade-%A_%a.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-$(dirname "$0")/../..}"
JOBS="${JOBS:-${SLURM_CPUS_PER_TASK:-1}}" exec bash instructor/cluster/grade-shard.sh ${GRADE_ARGS:-}
