"""Which files make up the repository: the one list the release and the grader start from.

In a git checkout: tracked files plus untracked files git does not ignore
(``git ls-files --cached --others --exclude-standard``). Without git (the
autograder's copy on Gradescope): a walk of the folder. Either way the same
exclusions apply afterwards: environments, build products, caches and the
contents of datasets/ (its README stays).
"""

import os
import shutil
import subprocess
from pathlib import Path

EXCLUDED_DIRS = {".git", ".venv", "build", "__pycache__", ".pytest_cache", ".ipynb_checkpoints"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".egg-info")
KEPT_IN_DATASETS = {"datasets/README.md"}


def is_excluded(rel):
    """True when the POSIX relative path ``rel`` is never part of the tree."""
    parts = rel.split("/")
    if any(part in EXCLUDED_DIRS or part.endswith(EXCLUDED_SUFFIXES) for part in parts):
        return True
    return parts[0] == "datasets" and rel not in KEPT_IN_DATASETS


def _git_files(root):
    try:
        listing = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True, check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    return [name for name in listing.decode("utf-8").split("\0") if name]


def _walked_files(root):
    found = []
    for folder, dirs, files in os.walk(root):
        rel_folder = Path(folder).relative_to(root).as_posix()
        dirs[:] = sorted(d for d in dirs if d not in EXCLUDED_DIRS)
        for name in files:
            found.append(name if rel_folder == "." else f"{rel_folder}/{name}")
    return found


def tree_files(root):
    """Return the sorted POSIX paths, relative to ``root``, of the files in the repository.

    Symbolic links are left out: the tree is copied as plain files.
    """
    root = Path(root)
    names = _git_files(root) if (root / ".git").exists() else None
    if names is None:
        names = _walked_files(root)
    return sorted(
        rel for rel in set(names)
        if not is_excluded(rel) and (root / rel).is_file() and not (root / rel).is_symlink()
    )


def replace_dir(new, dest):
    """Put folder ``new`` at ``dest``, replacing what was there, with renames only.

    ``dest`` is never half-written: it is the old folder until the final rename
    and the new one after it. ``new`` and ``dest`` must be on the same file system.
    """
    new, dest = Path(new), Path(dest)
    old = new.with_name(new.name + ".old")
    if dest.exists():
        os.replace(dest, old)
    os.replace(new, dest)
    if old.exists():
        shutil.rmtree(old)
