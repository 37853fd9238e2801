"""Instructor tooling, never shipped to students (see README.md here). Two jobs, one subpackage each:

    release/      cut the student release from the solution tree (markers, tree, questions, build, submit)
    grading/      grade submissions in a jail, score them, export to Gradescope (see grading/__init__.py)

The commands people type stay at this level: ``python -m instructor.release``
(release/__main__.py) and the small modules here that forward to grading/
(grade, gradescope, merge, similarity, bench_jail, bench_grader,
bench_grading). Data beside them: points.toml, hidden_tests/, release_README.md,
requirements-*.txt, gradescope/ (Gradescope's entry points) and cluster/.
"""
