"""The hang budget of a submission's package tests counts the student's time, with a fake worker on a pipe."""

import os
import threading
import time

from instructor.grading import wire
from instructor.grading.connection import Student


class _Box:
    def alive(self):
        return True


def test_the_hang_budget_counts_the_students_time_not_the_trusted_callbacks():
    """A call whose trusted callback takes 0.6 s and whose own code takes 0.2 s charges about 0.2 s to the
    budget: on a busy machine the reference's work grows with the load and is not the submission's."""
    to_worker_r, to_worker_w = os.pipe()
    to_grader_r, to_grader_w = os.pipe()
    student = Student.__new__(Student)
    student.config = {"budget": 120, "call_timeout": 10}
    student.used = student.nested_used = student.wall_used = 0.0
    student.depth = student.gen = student.next_callback = 0
    student.callbacks, student.infos, student.proxies = {}, {}, {}
    student.box, student.wfd, student.rfd = _Box(), to_worker_w, to_grader_r
    student.ensure = lambda: None
    key = student._other(lambda: time.sleep(0.6) or "trusted")["$fn"]

    def worker():
        wire.read_frame(to_worker_r, time.monotonic() + 10)                      # the request
        encoder = wire.Encoder(None)
        wire.write_frame(to_grader_w, {"op": "callback", "fn": key, "args": encoder.encode([]),
                                       "kwargs": encoder.encode({})}, encoder.blob())
        header, _ = wire.read_frame(to_worker_r, time.monotonic() + 10)          # the callback's result
        assert header["op"] == "return"
        time.sleep(0.2)                                                            # the student's own work
        encoder = wire.Encoder(None)
        wire.write_frame(to_grader_w, {"op": "return", "value": encoder.encode(None)}, encoder.blob())

    thread = threading.Thread(target=worker)
    thread.start()
    began = time.monotonic()
    student._request({"op": "call"}, {})
    wall = time.monotonic() - began
    thread.join()
    assert wall >= 0.8, wall
    assert 0.15 <= student.used <= wall - 0.5, f"charged {student.used:.2f} s of a {wall:.2f} s call"
    for fd in (to_worker_r, to_worker_w, to_grader_r, to_grader_w):
        os.close(fd)


def test_the_callbacks_time_still_counts_toward_a_wall_limit_of_a_few_budgets():
    """The grader's own work is bounded too: all calls together, callbacks included, get WALL_FACTOR budgets of
    wall time (a submission could otherwise make the trusted callbacks slow, e.g. with huge inputs, without
    spending its budget). Calls whose 0.4 s callbacks fit the budget of 0.5 s each: the fourth one passes
    3 x 0.5 s of wall time and is stopped."""
    import pytest
    from instructor.grading.faults import StudentTimeout
    from instructor.grading.launch import WALL_FACTOR

    to_worker_r, to_worker_w = os.pipe()
    to_grader_r, to_grader_w = os.pipe()
    student = Student.__new__(Student)
    student.config = {"budget": 0.5, "call_timeout": 10}
    student.used = student.nested_used = student.wall_used = 0.0
    student.depth = student.gen = student.next_callback = 0
    student.callbacks, student.infos, student.proxies = {}, {}, {}
    student.box, student.wfd, student.rfd = _Box(), to_worker_w, to_grader_r
    student.ensure = student.stop = lambda: None
    key = student._other(lambda: time.sleep(0.4) or "trusted")["$fn"]

    def worker():
        for _ in range(4):
            wire.read_frame(to_worker_r, time.monotonic() + 10)
            encoder = wire.Encoder(None)
            wire.write_frame(to_grader_w, {"op": "callback", "fn": key, "args": encoder.encode([]),
                                           "kwargs": encoder.encode({})}, encoder.blob())
            wire.read_frame(to_worker_r, time.monotonic() + 10)
            encoder = wire.Encoder(None)
            wire.write_frame(to_grader_w, {"op": "return", "value": encoder.encode(None)}, encoder.blob())

    thread = threading.Thread(target=worker)
    thread.start()
    for _ in range(3):
        student._request({"op": "call"}, {})
    assert student.used < 0.5 and student.wall_used >= 1.2, (student.used, student.wall_used)
    assert WALL_FACTOR * 0.5 - student.wall_used < 0.4, "the fourth call's callback does not fit what is left"
    with pytest.raises(StudentTimeout):
        student._request({"op": "call"}, {})
    thread.join()
    for fd in (to_worker_r, to_worker_w, to_grader_r, to_grader_w):
        os.close(fd)
