"""Instructor tooling: cut the student release, grade submissions, export to Gradescope.

Never shipped to students (see README.md here). The modules, in import order:

    tree          which files make up the repository (git ls-files, or a walk)
    markers       find, check and cut the solution regions in .py files and notebooks
    release       build/release/ and build/release.zip from the solution tree
    submit        `make submit` in the release (shipped as tools/submit.py)
    grade_plugin  pytest plugin inside the grading processes: outcomes, limits, selection
    points        the reviewed points file, points.toml
    submission    read a student's zip or folder safely: only the graded files
    sandbox       run a command in a child process with time and memory limits
    notebooks     prepare a submitted notebook for nbval; find its answers
    report        report.md, report.json, Gradescope's results.json, the gradebook
    grade         grade one submission or a folder of them
    gradescope    the autograder zip for Gradescope
"""
