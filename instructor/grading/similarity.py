"""Code similarity across submissions: which pairs share unusually much graded code.

    python -m instructor.similarity SUBMISSIONS --out DIR [--threshold 0.7]
    make similarity SUBMISSIONS=dir [SIMILARITY=build/similarity]

Writes DIR/similarity.csv (one row per flagged pair: the two submissions and a
score, highest first) and DIR/similarity.html (the flagged pairs ranked, each
graded file side by side with the shared passages highlighted).

The comparison is copydetect's (PyPI): code is tokenized and its identifiers
and literals normalized (renaming variables does not hide a copy), k-grams of
tokens are hashed and winnowed (the MOSS method), and two files share the
passages whose fingerprints match. Only graded code is compared: the graded
library files, and the code cells of the graded notebooks; the released
starter code (docstrings, signatures, the notebooks' given cells) is
boilerplate, whose fingerprints are removed before comparing, so two
students who only wrote the same few obvious lines are not flagged.

A pair's score is the larger of its two similarities: the share of one
submission's graded tokens (boilerplate excluded) that also occur in the
other. A score of ``--threshold`` (0.7 by default) or more flags the pair: two
independent solutions of this course share up to about 0.55 of their graded
code once identifiers are normalized (short functions fixed by their
docstrings come out alike), a copy with renamed variables scores about 1.

Submissions are untrusted: they are read as bounded streams of bytes
(instructor/grading/submission.py: nothing extracted, nothing imported or run),
notebooks are parsed as JSON data, and each file's code is capped at
MAX_CODE_CHARS characters.
"""

import argparse
import csv
import html
import io
import itertools
import json
import os
import sys
from pathlib import Path

from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from .batch import report_names
from ..release.build import graded_files, student_version
from .report import csv_cell, visible
from .submission import SubmissionError, read_submission

REPO = Path(__file__).resolve().parents[2]
NOISE_TOKENS = 25  # copydetect's defaults: matches shorter than 25 tokens are noise,
GUARANTEE_TOKENS = 30  # matches of 30 tokens or more are always found
MAX_CODE_CHARS = 200_000
THRESHOLD = 0.7  # independent solutions of this course share up to about 0.55 (a training loop is a training loop)
CONTEXT_LINES = 3


def code_of(rel, data):
    """The code text of graded file ``rel`` from its bytes: a .py file's text, a notebook's code cells."""
    text = data.decode("utf-8", "replace")
    if rel.endswith(".ipynb"):
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return ""
        sources = []
        for cell in cells if isinstance(cells, list) else []:
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                sources.append("".join(s for s in source if isinstance(s, str)) if isinstance(source, list) else str(source))
        text = "\n\n".join(sources)
    return text[:MAX_CODE_CHARS]


def fingerprint(rel, code, boilerplate=None, window=GUARANTEE_TOKENS - NOISE_TOKENS + 1):
    """copydetect's fingerprint of ``code`` (Python), without ``boilerplate``'s fingerprints."""
    return CodeFingerprint(rel + ("" if rel.endswith(".py") else ".py"), NOISE_TOKENS, window,
                           boilerplate=boilerplate, language="python", fp=io.StringIO(code))


def starter_hashes(src, rel):
    """Every k-gram hash of the released starter code of ``rel`` (a window of 1 keeps them all, not a winnowed
    sample), so no passage of the starter code counts as shared."""
    return list(fingerprint(rel, code_of(rel, student_version(src, rel)), window=1).hashes)


def read_all(folder, src):
    """Return ({name: {rel: fingerprint}}, [notes]) for every submission of ``folder``."""
    graded = graded_files(src)
    starter = {rel: starter_hashes(src, rel) for rel in graded}
    prints, notes = {}, []
    for entry, name in report_names(folder).items():
        try:
            found, _ = read_submission(entry, graded)
        except SubmissionError as error:
            notes.append(f"{name} was left out: {error}")
            continue
        prints[name] = {rel: fingerprint(rel, code_of(rel, data), starter[rel])
                        for rel, data in found.items() if data is not None}
    return prints, notes


def compare(prints, threshold=THRESHOLD):
    """Return the flagged pairs, highest score first: [(score, a, b, [(rel, fp_a, fp_b, slices), ...])]."""
    flagged = []
    for a, b in itertools.combinations(sorted(prints), 2):
        shared, covered = [0.0, 0.0], [0, 0]
        files = []
        for rel in sorted(set(prints[a]) | set(prints[b])):
            fa, fb = prints[a].get(rel), prints[b].get(rel)
            covered[0] += fa.token_coverage if fa else 0
            covered[1] += fb.token_coverage if fb else 0
            if fa is None or fb is None:
                continue
            overlap, (sim_a, sim_b), slices = compare_files(fa, fb)
            if overlap:
                shared[0] += sim_a * fa.token_coverage
                shared[1] += sim_b * fb.token_coverage
                files.append((rel, fa, fb, slices))
        score = max(s / c if c else 0.0 for s, c in zip(shared, covered))
        if score >= threshold:
            flagged.append((round(float(score), 4), a, b, files))
    return sorted(flagged, key=lambda pair: (-pair[0], pair[1], pair[2]))


def _highlighted(fp, slices):
    """HTML of ``fp``'s code with shared ``slices`` marked. Trusts nothing of the code: every character is escaped,
    and the ones a browser would act on or hide (bidirectional overrides that make code read other than it runs,
    zero-width characters, controls other than line breaks and tabs) are shown as U+FFFD."""
    if slices.size == 0:
        return visible(html.escape(fp.raw_code), keep="\n\r\t")
    text, _ = highlight_overlap(fp.raw_code, slices, "<mark>", "</mark>", truncate=CONTEXT_LINES, escape_html=True)
    return visible(text, keep="\n\r\t")


def to_html(flagged, total, threshold, notes):
    """The report: a ranked table of flagged pairs, then each pair's files side by side, shared code marked."""
    e = lambda text: html.escape(visible(text))  # names and notes: shown characters only
    parts = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>Code similarity</title><style>"
             "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:4px 8px}.pair{display:flex;gap:1em}.pair pre{flex:1;overflow:auto;background:#f7f7f7;"
             "padding:8px;font-size:12px;max-height:40em}mark{background:#ffd54f}</style></head><body>",
             f"<h1>Code similarity</h1><p>{total} submissions compared, {len(flagged)} pairs flagged at a score of "
             f"{threshold:g} or more (the share of one submission's graded code, starter code excluded, that also "
             "occurs in the other). Compared with copydetect; a flag is a reason to look, not a verdict.</p>"]
    parts += [f"<p>{e(note)}</p>" for note in notes]
    parts.append("<table><tr><th>rank</th><th>submission</th><th>submission</th><th>score</th></tr>")
    for rank, (score, a, b, _) in enumerate(flagged, 1):
        parts.append(f"<tr><td>{rank}</td><td>{e(a)}</td><td>{e(b)}</td><td><a href='#pair-{rank}'>{score:.2f}</a></td></tr>")
    parts.append("</table>")
    for rank, (score, a, b, files) in enumerate(flagged, 1):
        parts.append(f"<h2 id='pair-{rank}'>{rank}. {e(a)} and {e(b)}: {score:.2f}</h2>")
        for rel, fa, fb, (slices_a, slices_b) in files:
            parts.append(f"<h3>{e(rel)}</h3><div class='pair'><pre>{_highlighted(fa, slices_a)}</pre>"
                         f"<pre>{_highlighted(fb, slices_b)}</pre></div>")
    parts.append("</body></html>\n")
    return "".join(parts)


def _replace(path, text):
    """Write ``text`` to ``path`` atomically (a temporary file, then a rename). Trusts its caller; checks nothing."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None):
    """The command. Trusts the instructor's arguments; checks the threshold, and reads submissions as bounded
    bytes (SubmissionError ends it)."""
    parser = argparse.ArgumentParser(description="Report pairs of submissions whose graded code is unusually similar.")
    parser.add_argument("submissions", type=Path, help="the folder holding the submissions (zips or folders)")
    parser.add_argument("--out", type=Path, required=True, help="where similarity.html and similarity.csv go")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help=f"flag pairs scoring this or more (default {THRESHOLD})")
    parser.add_argument("--src", type=Path, default=REPO, help="the instructor's tree (default: this repository)")
    args = parser.parse_args(argv)
    if not 0 < args.threshold <= 1:
        print(f"error: --threshold {args.threshold} is not in (0, 1]; give a share such as 0.5.", file=sys.stderr)
        return 2
    try:
        prints, notes = read_all(args.submissions, args.src)
    except SubmissionError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    flagged = compare(prints, args.threshold)
    args.out.mkdir(parents=True, exist_ok=True)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["submission_a", "submission_b", "score"])
    for score, a, b, _ in flagged:
        writer.writerow([csv_cell(a), csv_cell(b), f"{score:.4f}"])
    _replace(args.out / "similarity.csv", rows.getvalue())
    _replace(args.out / "similarity.html", to_html(flagged, len(prints), args.threshold, notes))
    for note in notes:
        print(note)
    print(f"similarity: {len(flagged)} pair(s) flagged among {len(prints)} submissions "
          f"({args.out / 'similarity.html'}, {args.out / 'similarity.csv'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
