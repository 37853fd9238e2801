#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image
# (Ubuntu; the autograder zip is unpacked into /autograder/source).
# It installs Python and the course's requirements into /autograder/venv.
set -euo pipefail

apt-get update -q
apt-get install -y -q python3 python3-pip python3-venv bubblewrap util-linux

python3 -m venv /autograder/venv
/autograder/venv/bin/python -m pip install --quiet --upgrade pip
/autograder/venv/bin/python -m pip install --quiet \
    -r /autograder/source/requirements.txt \
    -r /autograder/source/instructor/requirements-grader.txt
echo "setup.sh: $(/autograder/venv/bin/python --version) with the course requirements in /autograder/venv"
