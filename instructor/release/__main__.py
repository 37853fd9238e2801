"""``python -m instructor.release``: build the student release (instructor/release/build.py)."""

import sys

from instructor.release.build import main

sys.exit(main())
