"""grade --all at course scale (instructor/grading/batch.py, instructor/grading/merge.py) on the tiny course's package items.

Shards graded one after another on this machine and merged give exactly the gradebook of one unsharded
run; a run killed half way and started again grades only what was not finished; merge refuses (one
sentence, exit 1, nothing written) a missing or duplicated submission, shards of another grader version or
another --only set, and a folder that changed between shards.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from instructor.grading import batch, merge
from instructor.release.tree import tree_files
from instructor.grading.cli import main
from instructor.release.build import build_release, graded_files

from .course import make_course

ONLY = ["double", "halve"]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    src = make_course(root / "course")
    build_release(src, root / "build" / "release")
    folder = root / "submissions"
    for name, wrong in (("alice", None), ("bob", "x + x + 1"), ("carol", None), ("dave", "x * 3"), ("erin", None)):
        for rel in graded_files(src):
            target = folder / name / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            text = (src / rel).read_text()
            target.write_text(text.replace("x + x  #", f"{wrong}  #") if wrong else text)
    (folder / "frank.zip").write_bytes((root / "build" / "release.zip").read_bytes())
    return {"src": src, "folder": folder, "root": root}


def grade(tiny, out, *extra, folder=None):
    return main(["--all", str(folder or tiny["folder"]), "--src", str(tiny["src"]), "--out", str(out),
                 "--only", *ONLY, "--jobs", "2", *extra])


def test_parse_shard_accepts_i_of_n_and_refuses_the_rest():
    assert batch.parse_shard("2/3") == (2, 3) and batch.parse_shard(None) is None
    for bad in ("0/3", "4/3", "a/b", "3", "1/0", "-1/2"):
        with pytest.raises(batch.ShardError, match="is not I/N"):
            batch.parse_shard(bad)
    shares = [[k for k in range(10) if batch.in_shard(k, (i, 3))] for i in (1, 2, 3)]
    assert sorted(sum(shares, [])) == list(range(10)) and all(shares)


def test_grader_version_follows_what_decides_a_grade_and_not_prose(tmp_path):
    src = make_course(tmp_path / "course")

    def version(**limits):
        course = SimpleNamespace(src=src, files=tree_files(src), points=SimpleNamespace(limits={"call_timeout": 10, **limits}))
        return batch.grader_version(course)

    first = version()
    (src / "README.md").write_text("reworded\n")
    assert version() == first
    hidden = next((src / "instructor" / "hidden_tests").glob("*.py"))
    hidden.write_text(hidden.read_text() + "\n# one more check\n")
    assert version() != first
    assert version(call_timeout=20) != version()


def test_malformed_shard_spec_is_one_sentence_and_writes_nothing(tiny, tmp_path, capsys):
    assert grade(tiny, tmp_path / "out", "--shard", "3/2") == 2
    assert "--shard '3/2' is not I/N" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def graded(tiny, tmp_path_factory):
    """One unsharded run and its two shards (the tests below copy what they change)."""
    root = tmp_path_factory.mktemp("graded")
    whole, shards = root / "whole", [root / "shard-1", root / "shard-2"]
    assert grade(tiny, whole) == 0
    for i, shard in enumerate(shards, 1):
        assert grade(tiny, shard, "--shard", f"{i}/2") == 0
    return {"whole": whole, "shards": shards}


def test_shards_merged_equal_one_unsharded_run_and_resume_skips_graded(tiny, graded, tmp_path, capsys):
    single = (graded["whole"] / "gradebook.csv").read_text()
    assert single.splitlines()[1:] == ["alice,graded,4,2,6,6,alice", "bob,graded,0,2,2,6,bob",
                                       "carol,graded,4,2,6,6,carol", "dave,graded,0,2,2,6,dave",
                                       "erin,graded,4,2,6,6,erin", "frank,graded,0,0,0,6,frank.zip"]
    shards = graded["shards"]
    listed = [json.loads((shard / "batch.json").read_text())["graded"] for shard in shards]
    assert listed == [["alice", "carol", "erin"], ["bob", "dave", "frank"]]
    assert merge.main([*map(str, shards), "--out", str(tmp_path / "merged")]) == 0
    assert (tmp_path / "merged" / "gradebook.csv").read_text() == single
    assert json.loads((tmp_path / "merged/dave/report.json").read_text())["score"] == 2

    # started again: nothing is graded twice, the gradebook is the same; progress says where it is
    whole = tmp_path / "whole"
    shutil.copytree(graded["whole"], whole)
    capsys.readouterr()
    before = (whole / "alice" / "report.json").stat().st_mtime_ns
    assert grade(tiny, whole) == 0
    out = capsys.readouterr().out
    assert "6 already graded" in out and "0 to grade" in out
    assert (whole / "alice" / "report.json").stat().st_mtime_ns == before
    assert (whole / "gradebook.csv").read_text() == single
    # --force grades everything again, with a line per submission: count, elapsed, time left
    assert grade(tiny, whole, "--force") == 0
    out = capsys.readouterr().out
    assert "6 to grade" in out and "[6/6]" in out and "elapsed 0:" in out and "left ~" in out


def test_changed_submission_is_graded_again_and_merge_refuses_changed_folders(tiny, tmp_path, capsys):
    folder = tmp_path / "subs"
    shutil.copytree(tiny["folder"], folder)
    one, two = tmp_path / "one", tmp_path / "two"
    assert grade(tiny, one, "--shard", "1/2", folder=folder) == 0
    ops = folder / "alice" / "cs231n_lib" / "ops.py"
    ops.write_text(ops.read_text().replace("x + x  #", "x * 3  #"))
    assert grade(tiny, two, "--shard", "2/2", folder=folder) == 0
    capsys.readouterr()
    assert merge.main([str(one), str(two), "--out", str(tmp_path / "merged")]) == 1
    assert "alice changed between shards 1/2 and 2/2" in capsys.readouterr().err
    assert not (tmp_path / "merged").exists()
    # the same output folder again: only the changed submission is graded
    assert grade(tiny, one, "--shard", "1/2", folder=folder) == 0
    out = capsys.readouterr().out
    assert "1 to grade" in out and "alice: score 2/6" in out


def test_merge_refuses_missing_duplicated_and_mixed_shards(tiny, graded, tmp_path, capsys):
    shards = [tmp_path / shard.name for shard in graded["shards"]]
    for source, copy in zip(graded["shards"], shards):
        shutil.copytree(source, copy)
    other = tmp_path / "other"
    assert main(["--all", str(tiny["folder"]), "--src", str(tiny["src"]), "--out", str(other),
                 "--only", "double", "--shard", "2/2"]) == 0
    capsys.readouterr()
    cases = [
        ([shards[0]], "no shard graded bob"),
        ([shards[0], shards[1], shards[1]], "graded by more than one shard"),
        ([shards[0], other], "different --only sets"),
        ([shards[0], tmp_path], "has no batch.json"),
    ]
    for given, message in cases:
        assert merge.main([*map(str, given), "--out", str(tmp_path / "merged")]) == 1
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err
    text = (shards[1] / "batch.json").read_text()
    manifest = json.loads(text)
    manifest["grader_version"] = "0" * 16
    (shards[1] / "batch.json").write_text(json.dumps(manifest))
    assert merge.main([*map(str, shards), "--out", str(tmp_path / "merged")]) == 1
    assert "different grader versions" in capsys.readouterr().err
    (shards[1] / "batch.json").write_text(text)
    (shards[0] / "erin" / "report.json").unlink()  # a shard killed while erin's report was being written
    assert merge.main([*map(str, shards), "--out", str(tmp_path / "merged")]) == 1
    assert "the report of erin in" in capsys.readouterr().err
    assert not (tmp_path / "merged").exists()


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_started_again_grades_only_what_was_not_finished(tiny, tmp_path, how):
    """SIGKILL to the whole process group (a power cut), or SIGTERM to the grader (a batch system's time limit)."""
    out = tmp_path / "out"
    command = [sys.executable, "-m", "instructor.grade", "--all", str(tiny["folder"]), "--src", str(tiny["src"]),
               "--out", str(out), "--only", *ONLY, "--jobs", "1"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    deadline = time.monotonic() + 300
    while not list(out.glob("*/stamp.json")) and time.monotonic() < deadline and child.poll() is None:
        time.sleep(0.05)
    if how == "SIGKILL":
        os.killpg(child.pid, signal.SIGKILL)
    else:
        os.kill(child.pid, signal.SIGTERM)
    output = child.communicate(timeout=300)[0].decode()
    assert child.returncode != 0
    if how == "SIGTERM":
        assert "interrupted after" in output and "the same command grades the rest" in output, output
    finished = {p.parent.name for p in out.glob("*/stamp.json")}
    assert finished, "no submission finished before the kill"
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(finished)} already graded" in rerun.stdout
    regraded = {line.split("] ")[1].split(":")[0] for line in rerun.stdout.splitlines() if line.startswith("[")}
    assert regraded == {"alice", "bob", "carol", "dave", "erin", "frank"} - finished
    assert len((out / "gradebook.csv").read_text().splitlines()) == 7
