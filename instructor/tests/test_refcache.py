"""What grade --all stops repeating per submission: reference results (instructor/grading/refcache.py) and the
URI grammar a notebook box used to build at every start (instructor/grading/nbrun.py MASKED_PACKAGES)."""

import importlib.util
import os
import sys
import threading

import numpy as np
import pytest

from instructor.grading import jail, jail_backends, nbrun, refcache


@pytest.fixture(autouse=True)
def fresh():
    refcache.clear()
    yield
    refcache.clear()


def test_a_reference_result_is_computed_once_per_key_even_when_two_jobs_ask_together():
    calls = []
    gate = threading.Event()

    def slow():
        calls.append(1)
        gate.wait(5)
        return 0.42

    threads = [threading.Thread(target=refcache.cached, args=("retrain", (1e-6, 5e3), slow)) for _ in range(4)]
    for thread in threads:
        thread.start()
    gate.set()
    for thread in threads:
        thread.join()
    assert calls == [1]
    assert refcache.cached("retrain", (1e-6, 5e3), lambda: 0.0) == 0.42
    assert refcache.stats() == {"computed": 1, "reused": 4}


def test_other_parameters_data_or_name_are_other_entries():
    X = np.arange(12.0).reshape(3, 4)
    base = refcache.cached("retrain", (1e-6, 5e3), lambda: "a", refcache.fingerprint(X))
    assert refcache.cached("retrain", (3e-7, 5e3), lambda: "b", refcache.fingerprint(X)) == "b"
    assert refcache.cached("retrain", (1e-6, 5e3), lambda: "c", refcache.fingerprint(X + 1)) == "c"
    assert refcache.cached("retrain", (1e-6, 5e3), lambda: "d", refcache.fingerprint(X.astype(np.float32))) == "d"
    assert refcache.cached("other", (1e-6, 5e3), lambda: "e", refcache.fingerprint(X)) == "e"
    assert base == "a" and refcache.stats() == {"computed": 5, "reused": 0}


@pytest.mark.skipif(importlib.util.find_spec("rfc3987_syntax") is None, reason="rfc3987_syntax is not installed here")
def test_a_notebook_box_does_not_import_the_uri_grammar(tmp_path):
    if jail_backends._probe_bwrap() is not None:
        pytest.skip("bwrap does not work here")
    os.chmod(tmp_path, 0o755)
    code = ("import jsonschema._format as f, sys\n"
            "print('GRAMMAR', 'rfc3987_syntax.syntax_helpers' in sys.modules)")
    log = tmp_path.parent / f"{tmp_path.name}.log"
    with open(log, "wb") as out:
        box = jail.start([sys.executable, "-I", "-c", code], backend="bwrap", uid=jail.slot_uid(0),
                         binds=nbrun._masks(tmp_path), cwd="/tmp", env={"PATH": "/usr/bin:/bin"}, stdout=out)
        box.process.wait(timeout=120)
    jail.kill(box)
    assert "GRAMMAR False" in log.read_text(), log.read_text()[-2000:]
