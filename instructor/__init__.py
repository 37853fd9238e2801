"""Instructor tooling: cut the student release, grade submissions, export to Gradescope.

Never shipped to students (see README.md here). The modules, in import order:

    tree          which files make up the repository (git ls-files, or a walk)
    markers       find, check and cut the solution regions in .py files and notebooks
    release       build/release/ and build/release.zip from the solution tree
    submit        `make submit` in the release (shipped as tools/submit.py)
    jail          start a confined process (bubblewrap, a dedicated uid) and kill it
    wire          plain data over a pipe: JSON plus raw numpy arrays, an allow-list on decode
    worker        runs in the jail: the only code that imports a student's files
    harness       the trusted side: pytest with proxies of the graded modules, the outcomes
    points        the reviewed points file, points.toml
    submission    read a student's zip or folder safely: only the graded files, bounded
    notebooks     the graded notebook (instructor cells restored); the inline answers
    nbchecks      notebook items: what runs in the jail, what the trusted side recomputes
    report        report.md, report.json, Gradescope's results.json, the gradebook
    grade         grade one submission or a folder of them
    gradescope    the autograder zip for Gradescope
"""
