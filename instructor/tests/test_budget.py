"""The hang budget of a submission's package tests counts the student's time, with a fake worker on a pipe."""

import os
import threading
import time

import pytest

from instructor.grading import wire
from instructor.grading.connection import Student
from instructor.grading.faults import StudentTimeout
from instructor.grading.launch import WALL_FACTOR


class _Box:
    def alive(self):
        return True


def _send(fd, header, value):
    encoder = wire.Encoder(None)
    header.update({key: encoder.encode(item) for key, item in value.items()})
    wire.write_frame(fd, header, encoder.blob())


class _FakeWorker:
    """A Student talking over two pipes to a thread that plays the worker: each request it answers with
    one callback of ``callback_seconds`` on the trusted side, then ``own_seconds`` of its own work."""

    def __init__(self, budget, callback_seconds, own_seconds, calls):
        self.to_worker = os.pipe()
        self.to_grader = os.pipe()
        student = self.student = Student.__new__(Student)
        student.config = {"budget": budget, "call_timeout": 10}
        student.used = student.nested_used = student.wall_used = 0.0
        student.depth = student.gen = student.next_callback = 0
        student.callbacks, student.infos, student.proxies = {}, {}, {}
        student.box, student.wfd, student.rfd = _Box(), self.to_worker[1], self.to_grader[0]
        student.reader = wire.Reader(student.rfd, ahead=wire.READ_AHEAD)
        student.ensure = student.stop = lambda: None
        key = student._other(lambda: time.sleep(callback_seconds) or "trusted")["$fn"]

        def serve():
            for _ in range(calls):
                wire.read_frame(self.to_worker[0], time.monotonic() + 10)                 # the request
                _send(self.to_grader[1], {"op": "callback", "fn": key}, {"args": [], "kwargs": {}})
                header, _ = wire.read_frame(self.to_worker[0], time.monotonic() + 10)     # the callback's result
                assert header["op"] == "return"
                time.sleep(own_seconds)                                                     # the student's work
                _send(self.to_grader[1], {"op": "return"}, {"value": None})

        self.thread = threading.Thread(target=serve)
        self.thread.start()

    def close(self):
        self.thread.join()
        for fd in (*self.to_worker, *self.to_grader):
            os.close(fd)


def test_the_hang_budget_counts_the_students_time_not_the_trusted_callbacks():
    """A call whose trusted callback takes 0.6 s and whose own code takes 0.2 s charges about 0.2 s to the
    budget: on a busy machine the reference's work grows with the load and is not the submission's."""
    fake = _FakeWorker(budget=120, callback_seconds=0.6, own_seconds=0.2, calls=1)
    began = time.monotonic()
    fake.student._request({"op": "call"}, {})
    wall = time.monotonic() - began
    fake.close()
    assert wall >= 0.8, wall
    assert 0.15 <= fake.student.used <= wall - 0.5, f"charged {fake.student.used:.2f} s of a {wall:.2f} s call"
    assert fake.student.wall_used >= 0.8, "the call's wall time, callbacks included, is kept too"


def test_the_callbacks_time_still_counts_toward_a_wall_limit_of_a_few_budgets():
    """The grader's own work is bounded too: all calls together, callbacks included, get WALL_FACTOR budgets of
    wall time (a submission could otherwise make the trusted callbacks slow, e.g. with huge inputs, without
    spending its budget). Calls whose 0.4 s callbacks fit the budget of 0.5 s each: the fourth one passes
    3 x 0.5 s of wall time and is stopped."""
    fake = _FakeWorker(budget=0.5, callback_seconds=0.4, own_seconds=0.0, calls=4)
    for _ in range(3):
        fake.student._request({"op": "call"}, {})
    assert fake.student.used < 0.5 and fake.student.wall_used >= 1.2, (fake.student.used, fake.student.wall_used)
    assert WALL_FACTOR * 0.5 - fake.student.wall_used < 0.4, "the fourth call's callback does not fit what is left"
    with pytest.raises(StudentTimeout):
        fake.student._request({"op": "call"}, {})
    fake.close()
