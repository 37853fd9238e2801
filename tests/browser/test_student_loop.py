"""The student's loop in JupyterLab, in a real browser.

On the student release: Run All stops at the first unimplemented function with the project's message;
a library file written from outside is seen by check(...) and by the next cell in the same kernel,
with no restart; the library file opens in JupyterLab's editor. On the instructor's tree: notebook 01
runs to the end with no error output and its math rendered. Each step leaves a screenshot in
build/browser/ (what the student sees).
"""

import re

import pytest

from labdriver import REPO, code_cell, menu, open_notebook, notebook, prompts, run_all, run_cell, save, shoot

pytestmark = pytest.mark.slow

NB01 = "assignments/01_svm_loss.ipynb"
CHECK_LOSSES = 'check("svm_naive_loss", "svm_naive_gradient", "svm_vectorized")'
COURSE_KERNEL = "Python (cs231n)"
FIRST_CALL = "lecture_loss, _ = svm_loss_on_scores("  # the first cell after CHECK_LOSSES


def error_outputs(nb):
    """[(code cell index, ename, evalue)] of every error output of a saved notebook."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    return [(i, out.ename, out.evalue) for i, cell in enumerate(code) for out in cell.outputs
            if out.output_type == "error"]


def text_of(cell):
    return "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")


def show(locator):
    """Scroll the notebook so that ``locator`` is at the top of the view (for the screenshot)."""
    locator.evaluate("element => element.scrollIntoView({block: 'start'})")


def stub_messages(path):
    """The release's NotImplementedError messages in a library file (the project's words)."""
    return set(re.findall(r"raise NotImplementedError\('([^']+)'\)", path.read_text()))


def test_lands_in_assignments_and_the_launcher_offers_only_the_course_kernel(page, lab, release):
    server = lab(release)
    page.goto(server.url(""))  # what make lab prints, minus the path: its default URL
    page.locator(".jp-DirListing-item").first.wait_for()
    assert page.url.split("?")[0].endswith("/lab/tree/assignments"), page.url
    listed = sorted(page.locator(".jp-DirListing-itemText").all_inner_texts())
    assert listed == sorted(path.name for path in (release / "assignments").glob("*.ipynb")), listed
    menu(page, "File", "New Launcher")
    cards = page.locator(".jp-LauncherCard[data-category='Notebook']:visible")
    cards.first.wait_for()
    shoot(page, "release-00-landing-and-launcher")
    tiles = [card.get_attribute("title") for card in cards.all()]
    assert tiles == [COURSE_KERNEL], f"one notebook kernel, the course's: {tiles}"


def test_run_all_stops_at_the_first_unimplemented_function_then_an_outside_edit_needs_no_restart(
        page, lab, release):
    server = lab(release)
    open_notebook(page, server, NB01)
    assert notebook(page).locator(".jp-KernelName").inner_text().strip() == COURSE_KERNEL, (
        "the notebook must open with the course's kernel, without asking")
    run_all(page)
    show(code_cell(page, FIRST_CALL))
    shoot(page, "release-01-run-all-stops")
    saved = save(page, release / NB01)
    errors = error_outputs(saved)
    assert errors, "Run All on the release must stop at the first function the student has not written"
    first, ename, evalue = errors[0]
    library = release / "cs231n_lib" / "classifiers" / "linear_svm.py"
    assert ename == "NotImplementedError" and evalue in stub_messages(library), (ename, evalue)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    check_index = next(i for i, cell in enumerate(code) if cell.source == CHECK_LOSSES)
    assert first == check_index + 1 and FIRST_CALL in code[first].source, (
        "it stops at the first cell after check(...), which calls the loss")
    assert "0 of" in text_of(code[check_index]) or "not started" in text_of(code[check_index])
    assert all(cell.execution_count is None for cell in code[first + 1:]), "and runs nothing after it"
    kernel_before = [k["id"] for k in server.api("kernels")]

    # The student writes the functions (here: the reference file, written from outside) and saves.
    library.write_text((REPO / "cs231n_lib" / "classifiers" / "linear_svm.py").read_text())
    run_cell(page, code_cell(page, CHECK_LOSSES))
    run_cell(page, code_cell(page, FIRST_CALL))  # the cell that stopped Run All
    show(code_cell(page, CHECK_LOSSES))
    shoot(page, "release-02-after-the-edit")
    saved = save(page, release / NB01)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    verdict = text_of(code[check_index])
    assert re.search(r"(\d+) of \1 public tests pass", verdict), verdict
    assert code[first].execution_count is not None and not any(
        out.output_type == "error" for out in code[first].outputs), "the direct call runs the new code"
    assert [k["id"] for k in server.api("kernels")] == kernel_before, "in the same kernel: no restart"


def test_the_library_file_opens_in_the_editor(page, lab, release):
    server = lab(release)
    page.goto(server.url("lab/tree/cs231n_lib/classifiers/linear_svm.py"))
    editor = page.locator(".jp-FileEditor .cm-content")
    editor.first.wait_for()
    page.wait_for_function("() => document.querySelector('.jp-FileEditor .cm-content').innerText.includes('def svm_loss_naive')")
    shoot(page, "release-03-library-in-the-editor")


def test_notebook_01_of_the_instructor_tree_runs_to_the_end_with_its_math_rendered(page, lab, instructor):
    server = lab(instructor)
    open_notebook(page, server, NB01)
    run_all(page, timeout=900)
    show(notebook(page).locator(".jp-CodeCell").filter(has=page.locator(".jp-OutputArea-output img")).last)
    shoot(page, "instructor-01-ran")
    saved = save(page, instructor / NB01)
    assert not error_outputs(saved), error_outputs(saved)
    code = [cell for cell in saved.cells if cell.cell_type == "code"]
    assert all(cell.execution_count is not None for cell in code), prompts(page)
    rendered = notebook(page).locator(".jp-MarkdownCell .jp-RenderedMarkdown")
    assert notebook(page).locator("mjx-container").count() > 10, "MathJax typeset the formulas"
    assert notebook(page).locator("mjx-merror").count() == 0
    raw = [t for t in rendered.all_inner_texts() if re.search(r"\$[^$\s][^$]*\$", t)]
    assert not raw, f"raw $...$ left in the rendered markdown: {raw[:2]}"
