"""``python -m instructor.merge``: merge the shards of a grade --all run (instructor/grading/merge.py).

Kept so that the documented command stays the same; the code lives in instructor/grading/.
"""

import sys

from instructor.grading.merge import main

if __name__ == "__main__":
    sys.exit(main())
