"""Instructor tooling: cut the student release, grade submissions, export to Gradescope.

Never shipped to students. The modules, in import order:

    tree        which files make up the repository (git ls-files, or a walk)
    markers     find and cut the solution regions in .py files and notebooks
    release     build/release/ and build/release.zip from the solution tree
    points      the reviewed points file, instructor/points.toml
    submission  read a student's zip or folder safely: only the graded files
    sandbox     run a command in a child process with time and memory limits
    grade_plugin  pytest plugin used inside those child processes
    grade       grade one submission or a folder of them; reports and gradebook
    gradescope  the autograder zip for Gradescope
"""
