"""``python -m instructor.bench_grader``: the grader's cost per submission (instructor/grading/bench_grader.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

from instructor.grading.bench_grader import main

if __name__ == "__main__":
    main()
