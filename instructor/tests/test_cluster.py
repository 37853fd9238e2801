"""The README's cluster recipes, run on this machine in simulated form (instructor/cluster/).

The Slurm job array script runs once per task with SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT set, as
Slurm would start it; the Kubernetes Indexed Job's container command (read from the manifest, with its
env) runs once per completion index with JOB_COMPLETION_INDEX set, from the repository as the image's
working directory. Either way the shards merged give exactly the gradebook of one unsharded run. The
image itself cannot be built here (no container engine): its entrypoint is checked to be the command the
manifest runs.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from instructor.grading import merge
from instructor.grading.cli import main
from instructor.release.build import graded_files

from .course import make_course

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "instructor" / "cluster"
ONLY = ["double", "halve"]


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    root = tmp_path_factory.mktemp("cluster")
    src = make_course(root / "course")
    folder = root / "submissions"
    for name, wrong in (("ann", None), ("ben", "x * 3"), ("cat", None), ("dan", "x + x + 1"), ("eve", None)):
        for rel in graded_files(src):
            target = folder / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            text = (src / rel).read_text()
            target.write_text(text.replace("x + x  #", f"{wrong}  #") if wrong else text)
    single = root / "single"
    assert main(["--all", str(folder), "--src", str(src), "--out", str(single), "--only", *ONLY]) == 0
    return {"src": src, "folder": folder, "root": root, "gradebook": (single / "gradebook.csv").read_text()}


def _env(batch, grades, **extra):
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("SLURM_", "JOB_COMPLETION", "SHARD"))}
    # the paths of this machine stand in for the volume's (/data/...)
    return {**env, **extra, "PYTHON": sys.executable, "SUBMISSIONS": str(batch["folder"]), "GRADES": str(grades)}


def _merged(grades):
    shards = sorted(grades.glob("shard-*"))
    assert merge.main([*map(str, shards), "--out", str(grades / "all")]) == 0
    return (grades / "all" / "gradebook.csv").read_text(), len(shards)


def test_slurm_array_tasks_then_merge_equal_one_machine(batch):
    grades = batch["root"] / "slurm"
    for task in range(3):
        env = _env(batch, grades, SLURM_ARRAY_TASK_ID=str(task), SLURM_ARRAY_TASK_COUNT="3", SLURM_CPUS_PER_TASK="1",
                   GRADE_ARGS=f"--src {batch['src']} --only {' '.join(ONLY)}")
        run = subprocess.run(["bash", str(CLUSTER / "slurm.sh")], env=env, capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        assert f"shard {task + 1}/3" in run.stdout
    gradebook, shards = _merged(grades)
    assert shards == 3 and gradebook == batch["gradebook"]


def test_kubernetes_indexed_job_command_then_merge_equal_one_machine(batch):
    job = yaml.safe_load((CLUSTER / "k8s-job.yaml").read_text())
    spec = job["spec"]
    assert job["kind"] == "Job" and spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    env = {item["name"]: item["value"] for item in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"] == spec["parallelism"]
    grades = batch["root"] / "k8s"
    count = 2  # the manifest's own shard count would grade empty shards of this tiny batch: two are enough here
    for index in range(count):
        run = subprocess.run([*container["command"], "--src", str(batch["src"]), "--only", *ONLY], cwd=REPO,
                             env=_env(batch, grades, **{**env, "SHARDS": str(count), "JOBS": "1"},
                                      JOB_COMPLETION_INDEX=str(index)),
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
    gradebook, shards = _merged(grades)
    assert shards == count and gradebook == batch["gradebook"]
    # the image's entrypoint is the manifest's command, run from the repository's root
    containerfile = (CLUSTER / "Containerfile").read_text()
    assert f'ENTRYPOINT {str(container["command"]).replace(chr(39), chr(34))}' in containerfile
    assert "WORKDIR /course" in containerfile and container["workingDir"] == "/course"


def test_a_task_without_a_shard_says_so(batch, tmp_path):
    run = subprocess.run(["bash", str(CLUSTER / "grade-shard.sh")], env=_env(batch, tmp_path / "g"),
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2 and "no shard given" in run.stderr
    assert not (tmp_path / "g").exists()
