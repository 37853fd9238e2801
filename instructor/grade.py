"""``python -m instructor.grade``: grade one submission or a folder of them (instructor/grading/cli.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

import sys

from instructor.grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
