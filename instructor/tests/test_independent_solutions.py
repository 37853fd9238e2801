"""Two complete solutions written independently of the reference each get full marks end to end.

instructor/tests/solutions/style_a and style_b were written from the release's docstrings, TODO comments
and public tests only, in two styles the docstrings allow:

* style_a: optimizers update ``config`` in place and return it, and ``adamw`` relies on that promise
  (it ignores the dict ``adam`` returns); naive loops with classes outer; a vectorized SVM with boolean
  masks, ``np.bincount`` and ``np.add.at``; softmax through log-sum-exp; float32 kept by casting results;
  Newton by ``np.linalg.solve``; layers: ``reshape`` and ``dot``, ReLU backward by zeroing a copy, a boolean
  dropout mask scaled by 1/p afterwards, batch norm forward one graph node per line with a plain tuple
  cache, ``batchnorm_backward`` gate by gate (each branch's gradient added where ``centered`` and ``x`` are
  reused), ``batchnorm_backward_alt`` by the closed form with sums, layer norm as batch norm of the
  transposed input (``batchnorm_forward``/``batchnorm_backward_alt`` on ``x.T``); nets: TwoLayerNet through
  the ``layer_utils`` sandwich, FullyConnectedNet with one loop per layer building every key ("W%d") each
  time, one (affine, norm, relu, dropout) cache tuple per hidden layer, and ``_add_l2``;
* style_b: ``adamw`` uses only what ``adam`` returns, and state is computed in locals then written back;
  examples-outer loops; one-hot matrices and ``einsum``; computed in the input dtype; elastic net written
  out rather than calling L1/L2; Newton by an LU factorization (scipy); layers: ``einsum`` for the affine
  layer, ``np.where`` for ReLU and for a dropout mask chosen directly as 1/p or 0 (dropout backward keyed
  on the mask, not the mode), ``keepdims`` statistics and a ``NamedTuple`` cache (still a tuple, crossing
  the grader's wire as a worker-side object), ``batchnorm_backward`` by Ioffe and Szegedy's node-by-node
  chain (x_hat, variance, mean), one closed form with means over the statistics' axis shared by
  ``batchnorm_backward_alt`` and ``layernorm_backward``, layer norm written directly along axis 1; nets:
  TwoLayerNet layer by layer (its first affine skips dx) with ``regularizers.l2_penalty(W, 0.5 * reg)``
  called directly, FullyConnectedNet drawing every W first (same order W1..WL, in the model's dtype), then
  the biases, then gamma/beta, and a tape of (kind, layer, cache) records popped in reverse by the backward
  pass. Both follow the docstrings where they fix something: the order of the weights' random draws,
  ``rng.random(x.shape) < p`` for the dropout mask, CS231n A2's ``0.5 * reg * sum(W * W)``.

Both are graded in one ``make grade-all`` batch (2 jobs) and must score every point of every item. They
hold every graded file (the eight library files and notebooks 01-06), so every points.toml item is covered
by both; the test fails if a graded file is added that they do not hold.
"""

import shutil
import tomllib

import pytest

from instructor.tests.redteam_common import REPO, SOLUTIONS, read_gradebook, read_reports, run_make

pytestmark = pytest.mark.jail  # grades in the jail: see conftest.py

STYLES = ("style_a", "style_b")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    batch = tmp_path_factory.mktemp("independent")
    for style in STYLES:
        shutil.copytree(SOLUTIONS / style, batch / "submissions" / style)
    run = run_make("grade-all", {"SUBMISSIONS": batch / "submissions", "JOBS": 2}, batch / "grades")
    return run, read_reports(batch / "grades"), read_gradebook(batch / "grades")


def _covered_items(style):
    """Ids of the points.toml items whose graded file (or, for answers, every notebook) the solution holds."""
    with open(REPO / "instructor" / "points.toml", "rb") as f:
        items = tomllib.load(f)["item"]
    have = {str(p.relative_to(SOLUTIONS / style)) for p in (SOLUTIONS / style).rglob("*") if p.is_file()}
    covered = set()
    for item in items:
        files = [item[k] for k in ("file", "notebook") if k in item] + list(item.get("answers", []))
        if files and all(f in have for f in files):
            covered.add(item["id"])
    return covered


@pytest.mark.parametrize("style", STYLES)
def test_independent_solution_gets_full_marks(graded, style):
    run, reports, _ = graded
    assert style in reports, f"no report for {style}; make grade-all said:\n{run.output[-3000:]}"
    report = reports[style]
    covered = _covered_items(style)
    not_covered = sorted(item["id"] for item in report["items"] if item["id"] not in covered)
    print(f"{style}: items of graded files this solution does not hold: {not_covered}")
    lost = [f"{item['id']}: {item['score']}/{item['max_score']} "
            f"{[f.get('name', '') + ': ' + f.get('message', '')[:200] for f in item.get('failures', [])][:3]}"
            for item in report["items"] if item["id"] in covered and item["score"] < item["max_score"]]
    assert not lost, f"{style} is correct but lost points:\n" + "\n".join(lost)
    with open(REPO / "instructor" / "points.toml", "rb") as f:
        every_item = {item["id"] for item in tomllib.load(f)["item"]}
    assert covered == every_item and not not_covered, \
        f"{style} does not cover {sorted(every_item - covered)} (report items not covered: {not_covered})"
    assert report["status"] == "graded" and report["isolation"] != "none", report["notes"][:3]


def test_the_batch_succeeds_and_its_gradebook_agrees(graded):
    run, reports, gradebook = graded
    assert run.returncode == 0, f"make grade-all exited {run.returncode}:\n{run.output[-3000:]}"
    header, rows = gradebook[0], {row[0]: row for row in gradebook[1:]}
    for style in STYLES:
        assert rows[style][header.index("total")] == str(reports[style]["score"]).removesuffix(".0"), rows[style]
