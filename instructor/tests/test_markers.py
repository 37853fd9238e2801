"""The solution-marker parser and cutter: instructor/release/markers.py."""

import nbformat
import pytest

from instructor.release.markers import (
    ANSWER_PLACEHOLDER,
    MARKDOWN,
    PYTHON,
    MarkerError,
    cut_markdown,
    cut_python,
    find_regions,
)
from instructor.release.notebook_cuts import cut_notebook

from .course import ANSWER, dedent, demo_notebook


def regions(text, syntax=PYTHON):
    return find_regions(text.split("\n"), syntax, "f.py")


def test_regions_are_found_with_their_indentation():
    text = dedent("""
        def f():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION
        ### BEGIN SOLUTION
        x = 2
        ### END SOLUTION
    """)
    found = regions(text)
    assert [(r.begin, r.end, r.indent) for r in found] == [(1, 3, "    "), (4, 6, "")]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("### BEGIN SOLUTION\na = 1\n### BEGIN SOLUTION\nb = 2\n### END SOLUTION", 3, "nested"),
        ("x = 0\n### BEGIN SOLUTION\na = 1\n", 2, "never closed"),
        ("a = 1\n### END SOLUTION", 2, "has no ### BEGIN SOLUTION"),
        ("if x:\n    ### BEGIN SOLUTION\n    a = 1\n### END SOLUTION", 4, "indented differently"),
        ("if x:\n    ### BEGIN SOLUTION\na = 1\n    ### END SOLUTION", 3, "indented less"),
        ("### BEGIN SOLUTION\n\n### END SOLUTION", 1, "empty"),
        ("## BEGIN SOLUTION\na = 1\n### END SOLUTION", 1, "looks like a solution marker"),
        ("### BEGIN SOLUTIONS\na = 1\n### END SOLUTION", 1, "looks like a solution marker"),
    ],
    ids=["nested", "unterminated", "unmatched-end", "end-indent", "body-indent", "empty", "two-hashes", "plural"],
)
def test_malformed_python_markers_name_the_file_and_line(text, line, words):
    with pytest.raises(MarkerError) as error:
        regions(text)
    message = str(error.value)
    assert message.startswith(f"f.py, line {line}: ") and words in message, message


def test_malformed_markdown_markers_are_errors():
    with pytest.raises(MarkerError, match="line 1: .*never closed"):
        regions("<!-- BEGIN SOLUTION -->\nanswer", MARKDOWN)
    with pytest.raises(MarkerError, match="line 2: .*looks like a solution marker"):
        regions("text\nAnswer: <!-- BEGIN SOLUTION --> inline\n<!-- END SOLUTION -->", MARKDOWN)


def test_marker_text_inside_code_is_not_a_marker():
    assert regions('BEGIN = "### BEGIN SOLUTION"\nprint(BEGIN)') == []


def test_cut_python_stubs_each_region_at_its_indentation_naming_the_function():
    source = dedent("""
        class Model:
            def fit(self, X):
                # TODO: fit the model
                # (two lines of instructions).
                ### BEGIN SOLUTION
                self.w = X.mean()
                ### END SOLUTION
                return self


        def helper():
            ### BEGIN SOLUTION
            return 42
            ### END SOLUTION
    """)
    text, count = cut_python(source, "pkg/model.py", "pkg/model.py")
    assert count == 2
    lines = text.split("\n")
    fit_raise = next(line for line in lines if "Model.fit" in line and "raise" in line)
    assert fit_raise.startswith("        raise NotImplementedError('Implement Model.fit in pkg/model.py")
    assert "# (two lines of instructions)." in text and text.count("# TODO") == 2, "an author's TODO is kept, one is added"
    assert "    # TODO: implement helper in pkg/model.py." in lines
    assert "self.w = X.mean()" not in text and "return 42" not in text
    assert "### BEGIN SOLUTION" not in text
    compile(text, "model.py", "exec")


def test_cut_python_stub_raises_the_message_when_run():
    text, _ = cut_python("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "m.py", "m.py")
    namespace = {}
    exec(compile(text, "m.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Implement f in m.py"):
        namespace["f"]()


def test_cut_python_refuses_a_student_version_that_would_not_compile():
    source = "for i in range(3):\n### BEGIN SOLUTION\n    print(i)\n### END SOLUTION\n"
    with pytest.raises(MarkerError, match="would not compile"):
        cut_python(source, "bad.py", "bad.py")


def test_cut_python_accepts_notebook_magics():
    text, count = cut_python("%matplotlib inline\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "nb, cell 2", "code cell 1 of nb", is_cell=True)
    assert count == 1 and text.startswith("%matplotlib inline\n# TODO: implement code cell 1 of nb.\nraise")


def test_cut_markdown_leaves_the_question_and_a_placeholder():
    text, count = cut_markdown("**Q:** why?\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->\nThanks.", "nb")
    assert count == 1
    assert text == f"**Q:** why?\n{ANSWER_PLACEHOLDER}\nThanks."


def test_cut_notebook_drops_instructor_cells_clears_outputs_and_cuts_both_kinds():
    nb = demo_notebook()
    student, code, answers = cut_notebook(nb, "assignments/demo.ipynb")
    assert (code, answers) == (1, 1)
    assert len(student.cells) == len(nb.cells) - 1
    assert not any("instructor only" in cell.source for cell in student.cells)
    code_cells = [cell for cell in student.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code_cells)
    assert 'Implement cell 3 ("# TODO: double 21 with the package.") of assignments/demo.ipynb' in code_cells[1].source
    assert ANSWER not in nbformat.writes(student) and ANSWER_PLACEHOLDER in student.cells[4].source
    assert nb.cells[2].outputs, "the instructor's notebook is not modified"


def test_cut_notebook_names_the_cell_of_a_malformed_marker():
    nb = demo_notebook()
    nb.cells[4].source = "<!-- BEGIN SOLUTION -->\nunfinished"
    with pytest.raises(MarkerError, match=r"^assignments/demo.ipynb, cell 5, line 1: "):
        cut_notebook(nb, "assignments/demo.ipynb")
