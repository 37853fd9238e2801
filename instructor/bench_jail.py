"""``python -m instructor.bench_jail``: the jail's start-up overhead (instructor/grading/bench_jail.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

from instructor.grading.bench_jail import main

if __name__ == "__main__":
    main()
