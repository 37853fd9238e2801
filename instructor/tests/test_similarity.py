"""The similarity report (instructor/grading/similarity.py) on the independent solutions and a planted copy.

instructor/tests/solutions/style_a, style_b and the reference were written independently; "mallory" is
style_b with its variables renamed, its comments dropped and its lines re-spaced. The report must flag
exactly the pair (mallory, style_b), rank it with its shared passages highlighted, and never run a
submitted file (a file that would write a marker when imported or executed stays inert).
"""

import csv
import re
import shutil
from pathlib import Path

from instructor.grading import similarity
from instructor.release.build import graded_files

from .redteam_common import REPO, SOLUTIONS


def _disguise(text):
    text = re.sub(r"#[^\n\"']*$", "", text, flags=re.M)  # comments gone
    for old, new in (("dW", "grad_weights"), ("scores", "class_scores"), ("loss", "objective"), ("cache", "saved")):
        text = re.sub(rf"\b{old}\b", new, text)
    return text.replace(" = ", "  =  ")


def test_planted_copy_is_flagged_and_independent_solutions_are_not(tmp_path):
    folder = tmp_path / "submissions"
    for style in ("style_a", "style_b"):
        shutil.copytree(SOLUTIONS / style, folder / style)
    for rel in graded_files(REPO):
        (folder / "reference" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(REPO / rel, folder / "reference" / rel)
    shutil.copytree(SOLUTIONS / "style_b", folder / "mallory")
    for path in (folder / "mallory" / "cs231n_lib").rglob("*.py"):
        path.write_text(_disguise(path.read_text()))
    marker = tmp_path / "ran"  # a shared passage that would write a marker if anything ran it, with markup in it
    planted = (f"\nNOTE = [open({str(marker)!r}, 'w').write(text) for text in "
               "('<script>alert(1)</script>', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k')]\n"
               "ADMIN = 'user\u202e \u2066# admin only\u2069 \u2066'  # a bidirectional override: reads other than it runs\n")
    for name in ("mallory", "style_b"):
        with open(folder / name / "cs231n_lib" / "classifiers" / "linear_svm.py", "a", encoding="utf-8") as f:
            f.write(planted)
    (folder / "style_a" / "assignments" / "03_regularization.ipynb").write_text("{ not json")

    out = tmp_path / "report"
    assert similarity.main([str(folder), "--out", str(out)]) == 0
    rows = list(csv.reader((out / "similarity.csv").open()))
    assert rows[0] == ["submission_a", "submission_b", "score"]
    assert [row[:2] for row in rows[1:]] == [["mallory", "style_b"]], rows
    assert float(rows[1][2]) >= 0.9
    page = (out / "similarity.html").read_text(encoding="utf-8")
    assert "mallory</td><td>style_b" in page and page.count("<mark>") >= 10
    assert "grad_weights" in page and "&lt;script&gt;" in page and "<script>" not in page  # shown, escaped
    assert "ADMIN" in page and "user\ufffd" in page and not {"\u202e", "\u2066", "\u2069"} & set(page)  # shown, not obeyed
    assert not marker.exists(), "a submitted file was executed"

    # everything compared, nothing else flagged: the independent ones score well below the threshold
    prints, _ = similarity.read_all(folder, REPO)
    scores = {(a, b): score for score, a, b, _ in similarity.compare(prints, threshold=0.0)}
    independent = {pair: score for pair, score in scores.items() if "mallory" not in pair}
    assert len(independent) == 3
    assert max(independent.values()) < similarity.THRESHOLD - 0.1, independent


def test_bad_folder_is_one_sentence_and_writes_nothing(tmp_path, capsys):
    assert similarity.main([str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 1
    assert "is not a folder" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
