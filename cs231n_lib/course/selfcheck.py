"""``check("svm_vectorized")``: run one question's public tests from a notebook cell.

The question names are the grade report's (``check()`` with no name lists
them). The tests run in a fresh Python process on the files as saved on disk,
so save the .py file first; a kernel that imported an older version does not
matter. The same as ``make check Q=svm_vectorized`` in a terminal
(tools/selfcheck.py does the work; this only starts it).
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the course folder: cs231n_lib/, tests/, tools/
SCRIPT = ROOT / "tools" / "selfcheck.py"


def check(*questions):
    """Run the public tests of ``questions`` and print one verdict per test.

    Parameters
    ----------
    *questions : str
        Question names such as ``"svm_vectorized"``; none lists the questions.

    Returns
    -------
    None
        The verdicts are printed; a failing test does not raise, so the
        notebook goes on.
    """
    if not all(isinstance(q, str) for q in questions):
        raise ValueError(f"questions must be names (str), got {questions!r}; pass e.g. check('svm_vectorized').")
    if not SCRIPT.is_file():
        raise FileNotFoundError(f"{SCRIPT} is missing, so the public tests cannot run here; "
                                f"work in the course folder (make lab) or restore tools/ from the release zip.")
    result = subprocess.run([sys.executable, str(SCRIPT), *questions], cwd=ROOT, capture_output=True, text=True)
    print(result.stdout, end="")
    if result.returncode == 2:  # an unknown name: the script's one sentence
        print(result.stderr.strip())
