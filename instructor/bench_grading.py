"""``python -m instructor.bench_grading``: the grading throughput (instructor/grading/bench_grading.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

from instructor.grading.bench_grading import main

if __name__ == "__main__":
    main()
