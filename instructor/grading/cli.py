"""The grading command: ``make grade SUBMISSION=path`` and ``make grade-all SUBMISSIONS=dir``.

    python -m instructor.grade SUBMISSION [--only ITEM ...] [--isolation auto|bwrap|uid] [--no-isolation]
    python -m instructor.grade --all FOLDER [--jobs N] [--shard I/N] [--force]

(instructor/grade.py forwards here.) Chooses the jail, loads the course
(course.py), runs the canary (canary.py), then grades one submission
(grade.py) or a folder of them (batch.py). Exit status: 0 graded, 1
submission rejected, 2 grader misconfigured or no isolation.
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

from ..release.markers import MarkerError
from . import batch, jail
from .canary import canary_check
from .course import REPO, GraderError, load_course
from .grade import grade_submission
from .points import PointsError
from .report import fmt, visible
from .submission import SubmissionError

GRADER_MEMORY_MB = 6144  # RLIMIT_AS of this process (it decodes notebook artifacts; see instructor/README.md)


def grade_all(course, folder, out_root, jobs, shard=None, force=False, only=None):
    """Grade every zip and sub-folder of ``folder`` (or shard (I, N)'s share), ``jobs`` at a time, skipping
    those already graded by this grader version; write the gradebook (instructor/grading/batch.py). Trusts
    its caller's arguments; batch.run checks the rest."""
    return batch.run(course, folder, out_root, jobs, shard=shard, force=force, only=only)


def close_to_others(folder, what):
    """Remove other users' rights on ``folder`` (chmod o-rwx) when it has any; return a note saying so, or None.

    Under the uid backend student code runs as another user of this machine: a submissions or grades folder
    that others can list or read would hand it every other submission or report. Trusts os.stat; checks the
    "others" bits and changes only those, of that one folder (the grader's own user and group keep theirs)."""
    folder = Path(folder)
    mode = folder.stat().st_mode & 0o7777
    if not mode & 0o007:
        return None
    os.chmod(folder, mode & ~0o007)
    return (f"note: {what} {folder} was open to other users (mode {mode:04o}), and student code runs as another "
            f"user under --isolation uid; it is now {mode & ~0o007:04o} (chmod o-rwx).")


def main(argv=None):
    """The command line: trusts the instructor's arguments and tree; checks the jail (the canary) before any
    submission is read, and hands a submission only to grade_submission (bounded data, run in the jail).
    Returns the exit status."""
    parser = argparse.ArgumentParser(description="Grade one submission, or every submission in a folder.")
    parser.add_argument("submission", type=Path, help="a submission zip or folder (with --all: the folder holding them)")
    parser.add_argument("--all", action="store_true", help="grade every zip and folder inside SUBMISSION; write gradebook.csv")
    parser.add_argument("--out", type=Path, default=REPO / "build" / "grades", help="where reports go (default build/grades)")
    parser.add_argument("--src", type=Path, default=REPO, help="the instructor's tree (default: this repository)")
    parser.add_argument("--only", nargs="+", metavar="ITEM", help="grade only these items of points.toml")
    parser.add_argument("--jobs", "-j", type=int, default=2,
                        help="boxes at a time (default 2): submissions with --all, else a submission's units")
    parser.add_argument("--name", help="report folder name (default: from the submission's file name)")
    parser.add_argument("--cell-timeout", type=float, help="seconds per notebook cell (overrides points.toml)")
    parser.add_argument("--call-timeout", type=float, help="seconds per call into student code (overrides points.toml)")
    parser.add_argument("--isolation", default="auto", choices=["auto", "bwrap", "uid"],
                        help="the jail backend (default auto: bwrap, else the uid fallback)")
    parser.add_argument("--no-isolation", action="store_true",
                        help="run student code WITHOUT a jail (trusted code only); the reports say so")
    parser.add_argument("--results-json", type=Path, help="also copy Gradescope's results.json here")
    parser.add_argument("--shard", metavar="I/N", help="with --all: grade only the I-th of N shares (merge: python -m instructor.merge)")
    parser.add_argument("--force", action="store_true", help="with --all: grade again what this grader version already graded")
    args = parser.parse_args(argv)
    from .harness import limit_memory
    if argv is None:  # the command, not a test calling main() in its own process
        limit_memory(GRADER_MEMORY_MB)  # this process decodes notebook artifacts: a bound on what they cost
    try:
        shard = batch.parse_shard(args.shard)
    except batch.ShardError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        backend = jail.choose_backend(args.isolation, args.no_isolation)
        course = load_course(args.src, args.only, {"cell_timeout": args.cell_timeout, "call_timeout": args.call_timeout},
                             backend=backend)
        breach = canary_check(course.src, backend)
        if breach:
            raise GraderError(f"the {backend} jail does not hold on this machine ({breach}); grading stopped.")
        if args.all:
            if backend == "uid" and args.submission.is_dir():
                args.out.mkdir(parents=True, exist_ok=True)
                for folder, what in ((args.submission, "the submissions folder"), (args.out, "the grades folder")):
                    note = close_to_others(folder, what)
                    if note:
                        print(note, file=sys.stderr)
            results = grade_all(course, args.submission, args.out, args.jobs, shard, args.force, args.only)
            print(f"gradebook: {args.out / 'gradebook.csv'} ({len(results)} submissions)")
            return 0 if all(r["status"] == "graded" for r in results) else 1
        result = grade_submission(course, args.submission, args.out, args.jobs, args.name)
    except (PointsError, GraderError, MarkerError, jail.JailError) as error:
        print(f"grader error: {error}", file=sys.stderr)
        return 2
    except SubmissionError as error:  # may name what is in the submission: shown characters only
        print(f"error: {visible(str(error))}", file=sys.stderr)
        return 1
    folder = args.out / result["submission"]
    if args.results_json:
        args.results_json.parent.mkdir(parents=True, exist_ok=True)
        tmp = args.results_json.with_name(f".{args.results_json.name}.tmp")
        shutil.copyfile(folder / "results.json", tmp)
        os.replace(tmp, args.results_json)
    if result["status"] != "graded":
        print(f"error: {visible(result['notes'][0])}", file=sys.stderr)
        print(f"score 0/{fmt(result['max_score'])} (report in {folder})")
        return 1
    print(f"score {fmt(result['score'])}/{fmt(result['max_score'])} (report in {folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
