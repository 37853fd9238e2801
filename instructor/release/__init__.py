"""Cutting the release: the student version of this repository, from the one source with the solutions.

    python -m instructor.release [--src .] [--out build/release]      (make release; __main__.py)

The modules, in import order:

    tree          which files make up the repository (git ls-files, or a walk)
    markers       find, check and cut the solution regions (.py files and cells)
    notebook_cuts whole notebooks: instructor cells dropped, regions cut, outputs cleared
    questions     the public map of questions to points (tests/questions.json)
    build         build/release/ and build/release.zip from the solution tree, checked
    submit        `make submit` in the release (shipped as tools/submit.py; never imported here)

It reads points.toml through grading/points.py (the only grading module it
imports); nothing here runs or reads a submission.
"""
