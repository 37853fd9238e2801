"""``python -m instructor.similarity``: report unusually similar submissions (instructor/grading/similarity.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

import sys

from instructor.grading.similarity import main

if __name__ == "__main__":
    sys.exit(main())
