"""Combine the shards of a sharded ``grade --all`` into one gradebook.

    python -m instructor.merge OUT_1 ... OUT_N --out OUT

Each OUT_i was written by ``python -m instructor.grade SUBMISSIONS --all --shard I/N --out OUT_i``
(instructor/grading/batch.py). The merge writes OUT/gradebook.csv, exactly the gradebook one unsharded run
writes, and a copy of every report folder, OUT/<name>/. It checks everything before writing anything
and refuses, with one sentence and exit status 1, when:

* a folder is not a shard's output (no batch.json);
* the shards were graded by different grader versions, or with different ``--only`` items;
* the shards saw different submission folders, or a submission whose content changed between them;
* a submission was graded by no shard (a shard is missing or did not finish) or by more than one.
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from .batch import MANIFEST, STAMP, read_json
from .report import write_gradebook
from ..release.tree import replace_dir


class MergeError(ValueError):
    """The shards cannot be merged; the message says why."""


def _label(manifest):
    return f"{manifest['shard'][0]}/{manifest['shard'][1]}"


def collect(folders):
    """Check the shards in ``folders``; return (item ids, {name: (shard folder, result)})."""
    manifests = []
    for folder in folders:
        manifest = read_json(Path(folder) / MANIFEST)
        if not isinstance(manifest, dict) or not {"grader_version", "only", "shard", "submissions", "graded"} <= set(manifest):
            raise MergeError(f"{folder} has no batch.json; give the --out folders of grade --all --shard I/N runs.")
        manifests.append((Path(folder), manifest))
    first_folder, first = manifests[0]
    for folder, manifest in manifests[1:]:
        if manifest["grader_version"] != first["grader_version"]:
            raise MergeError(f"{first_folder} and {folder} were graded by different grader versions "
                             f"({first['grader_version']} and {manifest['grader_version']}); grade every shard with the same tree.")
        if manifest["only"] != first["only"]:
            raise MergeError(f"{first_folder} and {folder} were graded with different --only sets "
                             f"({first['only'] or 'all items'} and {manifest['only'] or 'all items'}); grade every shard with the same items.")
        if manifest["shard"][1] != first["shard"][1]:
            raise MergeError(f"{first_folder} is shard {_label(first)} and {folder} is shard {_label(manifest)}: "
                             "shards of different splits cannot be merged.")
        if set(manifest["submissions"]) != set(first["submissions"]):
            extra = sorted(set(manifest["submissions"]) ^ set(first["submissions"]))[0]
            raise MergeError(f"shards {_label(first)} and {_label(manifest)} saw different submission folders "
                             f"({extra} is in only one of them); grade every shard from the same folder.")
        changed = sorted(name for name in first["submissions"] if manifest["submissions"][name] != first["submissions"][name])
        if changed:
            raise MergeError(f"submission {changed[0]} changed between shards {_label(first)} and {_label(manifest)}; "
                             "grade again from a folder that does not change.")
    owner = {}
    for folder, manifest in manifests:
        for name in manifest["graded"]:
            if name in owner:
                raise MergeError(f"submission {name} was graded by more than one shard ({owner[name]} and {folder}); "
                                 "give each shard's folder once.")
            owner[name] = folder
    missing = sorted(set(first["submissions"]) - set(owner))
    if missing:
        raise MergeError(f"no shard graded {missing[0]} ({len(missing)} submission(s) missing); "
                         f"merge the outputs of all {first['shard'][1]} shards.")
    results = {}
    for name, folder in sorted(owner.items()):
        stamp = read_json(folder / name / STAMP)
        result = read_json(folder / name / "report.json")
        if not isinstance(stamp, dict) or stamp.get("content") != first["submissions"][name] \
                or stamp.get("grader_version") != first["grader_version"] or not isinstance(result, dict):
            raise MergeError(f"the report of {name} in {folder} is missing or stale (that shard did not finish); "
                             "run the shard again, it grades only what is missing.")
        results[name] = (folder, result)
    return first["items"], results


def write(items, results, out):
    """Write OUT/gradebook.csv and a copy of every report folder."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, (folder, _) in results.items():
        tmp = Path(tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=out))
        shutil.copytree(folder / name, tmp, dirs_exist_ok=True)
        replace_dir(tmp, out / name)
    write_gradebook([result for _, result in results.values()], items, out / "gradebook.csv")


def main(argv=None):
    parser = argparse.ArgumentParser(description="Merge the --out folders of sharded grade --all runs into one gradebook.")
    parser.add_argument("shards", nargs="+", type=Path, help="the shards' --out folders")
    parser.add_argument("--out", type=Path, required=True, help="where OUT/gradebook.csv and the reports go")
    args = parser.parse_args(argv)
    try:
        items, results = collect(args.shards)
    except MergeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    write(items, results, args.out)
    print(f"gradebook: {args.out / 'gradebook.csv'} ({len(results)} submissions from {len(args.shards)} shards)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
