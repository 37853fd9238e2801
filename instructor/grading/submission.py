"""Read a student's submission, a zip or a folder laid out like the release, safely.

Only the graded files are read, as bytes; nothing is extracted and the
submission is never modified. A graded file is found at its path
(``cs231n_lib/optim.py``), else under a single extra top folder
(``my-work/cs231n_lib/optim.py``), else, when unambiguous, by its name alone
(files uploaded one by one land flat). A zip with an absolute path, a ``..``
component or a symbolic link is rejected as a whole, as is a graded file
that is a symbolic link in a folder.

A zip is read as a bounded stream: its headers' sizes are never trusted
(a member is read in chunks and dropped once it passes MAX_FILE_BYTES), the
archive itself, the number of members and the bytes read in total are capped.
"""

import os
import stat
import zipfile
from pathlib import Path, PurePosixPath

from ..release.tree import EXCLUDED_DIRS

MAX_FILE_BYTES = 20 * 2**20  # a notebook with plots stays far below
MAX_ZIP_BYTES = 200 * 2**20  # the zip file itself, and the bytes read from it in total
MAX_MEMBERS = 5000
CHUNK = 1 << 20
IGNORED_PREFIXES = ("__MACOSX/",)


class SubmissionError(ValueError):
    """The submission cannot be graded at all; the message says why and what to do."""


def _unsafe_member(info):
    """Why zip member ``info`` is unsafe (absolute path, '..', symbolic link), or None. Trusts nothing of its name
    or attributes."""
    name = info.filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or (parts and ":" in parts[0]):
        return "an absolute path"
    if ".." in parts:
        return "a '..' path component"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link"
    return None


def _locate(rel, names):
    """Return the one name in ``names`` that stands for graded file ``rel``, or None."""
    if rel in names:
        return rel
    nested = [n for n in names if n.endswith("/" + rel) and n.count("/") == rel.count("/") + 1]
    if len(nested) == 1:
        return nested[0]
    base = rel.rsplit("/", 1)[-1]
    flat = [n for n in names if n.rsplit("/", 1)[-1] == base]
    return flat[0] if len(flat) == 1 else None


def _read_bounded(archive, info, cap):
    """Return the member's bytes, or None once more than ``cap`` bytes come out (whatever its header says)."""
    chunks, size = [], 0
    with archive.open(info) as stream:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > cap:
                return None
            chunks.append(chunk)


def _from_zip(path, graded):
    """({graded path: bytes}, notes) from zip ``path``. Trusts nothing of the zip: checks its size, member count,
    every member's path and reads each graded member bounded."""
    if path.stat().st_size > MAX_ZIP_BYTES:
        raise SubmissionError(f"{path} is larger than {MAX_ZIP_BYTES >> 20} MB; submit only the graded files with `make submit`.")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise SubmissionError(f"{path} is not a readable zip file ({error}); make it again with `make submit`.") from None
    with archive:
        if len(archive.infolist()) > MAX_MEMBERS:
            raise SubmissionError(f"{path} holds more than {MAX_MEMBERS} files; submit only the graded files with `make submit`.")
        infos = [i for i in archive.infolist() if not i.filename.startswith(IGNORED_PREFIXES)]
        for info in infos:
            problem = _unsafe_member(info)
            if problem:
                raise SubmissionError(
                    f"{path} contains {problem} ({info.filename!r}), which is not allowed; "
                    "make the zip again with `make submit`."
                )
        by_name = {i.filename: i for i in infos if not i.is_dir()}
        found, notes = {}, []
        for rel in graded:
            name = _locate(rel, by_name)
            if name is None:
                continue
            try:
                data = _read_bounded(archive, by_name[name], MAX_FILE_BYTES)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, NotImplementedError, ValueError) as error:
                notes.append(f"{rel} could not be read from the zip ({type(error).__name__}) and was not graded.")
                continue
            if data is None:
                notes.append(f"{rel} is larger than {MAX_FILE_BYTES >> 20} MB and was not graded.")
                continue
            found[rel] = data
        return found, notes


def _from_folder(path, graded):
    """({graded path: bytes}, notes) from folder ``path``. Trusts nothing of the folder: checks graded files are
    not symbolic links and their size before reading them."""
    names = []
    for folder, dirs, files in os.walk(path):  # does not follow symbolic links to folders
        dirs[:] = [d for d in dirs if d not in EXCLUDED_DIRS]
        rel_folder = Path(folder).relative_to(path).as_posix()
        names += [name if rel_folder == "." else f"{rel_folder}/{name}" for name in files]
    found, notes = {}, []
    for rel in graded:
        name = _locate(rel, names)
        if name is None:
            continue
        file = path / name
        if file.is_symlink():
            raise SubmissionError(f"{path}: {name} is a symbolic link, which is not allowed; submit the file itself.")
        if file.stat().st_size > MAX_FILE_BYTES:
            notes.append(f"{rel} is larger than {MAX_FILE_BYTES >> 20} MB and was not graded.")
            continue
        found[rel] = file.read_bytes()
    return found, notes


def read_submission(path, graded):
    """Return ({graded path: bytes}, notes) for the submission at ``path`` (a zip or a folder).

    Graded files the submission lacks are absent from the dict and get a note.
    Raises SubmissionError when the submission is unsafe or unreadable.
    """
    path = Path(path)
    if path.is_dir():
        found, notes = _from_folder(path, graded)
    elif path.is_file():
        found, notes = _from_zip(path, graded)
    else:
        raise SubmissionError(f"{path} does not exist; give a submission zip or folder.")
    notes += [f"{rel} is not in the submission; its questions score 0." for rel in graded if rel not in found and not any(n.startswith(rel + " ") for n in notes)]
    return found, notes
