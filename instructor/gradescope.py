"""``python -m instructor.gradescope``: build the Gradescope autograder zip (instructor/grading/gradescope.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

import sys

from instructor.grading.gradescope import main

if __name__ == "__main__":
    sys.exit(main())
