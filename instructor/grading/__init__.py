"""Grading: score a student's submission without ever running its code outside the jail.

    python -m instructor.grade ...      (cli.py; instructor/grade.py forwards here)

The modules, each importing only the ones above it (instructor/README.md
draws the trust boundary):

  the jailed side (stands alone: worker.py runs as a script in the box, next to the three below)
    wire          plain data over a pipe: JSON plus raw numpy arrays, an allow-list on decode
    worker        runs in the jail: the entry point, the notebook run
    worker_serve  the request server: the only code that imports a student's files
    worker_stand_ins  the trusted version of another item put in place of the student's
  the trusted side
    jail_backends which backend works here; the bwrap command line and the rlimits
    jail_uids     the uid backend's housekeeping: slot uids, network ban, processes, files
    jail_cpu      one CPU per job slot (a cgroup quota), where cgroups can be written
    jail          start a confined process (bubblewrap, a dedicated uid) and kill it
    stand_ins     the reference's functions put in the worker in place of other items' code
    points        the reviewed points file, points.toml; node-id patterns
    box           a submission's box folder, and where its paths appear inside a box
    canary        prove the jail holds on this machine before grading
    faults        the student's faults and exceptions, as raised on the trusted side
    proxy         the graded modules as proxies (an import hook); the run's connection
    launch        start, restart and stop the worker in its box
    replies       what a reply may do here: exceptions, write-backs, warnings
    connection    requests to the worker, callbacks, the API hidden tests use
    plugin        the harness's pytest plugin: proxies in place, outcomes recorded
    harness       the harness process (python -m instructor.grading.harness); student()
    submission    read a student's zip or folder safely: only the graded files, bounded
    notebooks     the graded notebook (instructor cells restored); the inline answers
    refcache      reference results computed once per batch
    nbchecks      notebook items: which cells run in the jail, what the trusted side recomputes
    nbdata        the instructor's data those recomputations read, loaded once
    nbrun         run a graded notebook in the jail and read its artifacts back
    course        the instructor's tree as grading needs it; runs the harness
    units         a submission's units: the package tests, each notebook
    report        report.md, report.json, Gradescope's results.json, the gradebook; folder names
    scoring       each item's score from its units' results
    grade         grade one submission: box, units in job slots, scores, reports
    batch         grade --all: progress, resume, shards
    cli           the command line
    merge, similarity, gradescope, bench_*    the other commands
"""
