"""Tests for cs231n_lib.course.schedules: hand-worked values, shapes of the curves, bad parameters."""

import math

import numpy as np
import pytest

from cs231n_lib.course import schedules


def test_constant_is_one():
    assert [schedules.constant()(t) for t in (0, 1, 10, 10**6)] == [1.0, 1.0, 1.0, 1.0]


def test_step_decay_hand_values():
    s = schedules.step_decay(step_size=3, gamma=0.5)
    # t = 0..7 -> drops after iterations 2 and 5
    assert [s(t) for t in range(8)] == [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25]
    assert schedules.step_decay(100)(250) == pytest.approx(0.01)  # default gamma 0.1, two drops


def test_exponential_decay_hand_values():
    s = schedules.exponential_decay(0.5)
    assert [s(t) for t in range(4)] == [1.0, 0.5, 0.25, 0.125]
    k = 0.01  # the lecture's exp(-k t) with gamma = exp(-k)
    assert schedules.exponential_decay(math.exp(-k))(50) == pytest.approx(math.exp(-0.5), rel=1e-12)


def test_inverse_time_decay_hand_values():
    s = schedules.inverse_time_decay(0.5)
    assert [s(t) for t in range(4)] == [1.0, 1 / 1.5, 0.5, 1 / 2.5]
    assert schedules.inverse_time_decay(0.0)(1000) == 1.0


def test_inverse_sqrt_decay_hand_values():
    s = schedules.inverse_sqrt_decay(0.5)
    assert [s(t) for t in range(4)] == pytest.approx([1.0, 1 / math.sqrt(1.5), 1 / math.sqrt(2.0), 1 / math.sqrt(2.5)])
    assert s(6) == pytest.approx(math.sqrt(schedules.inverse_time_decay(0.5)(6)), rel=1e-12)


def test_linear_decay_hand_values_and_floor():
    s = schedules.linear_decay(total_steps=4, min_factor=0.2)
    assert [s(t) for t in range(6)] == pytest.approx([1.0, 0.8, 0.6, 0.4, 0.2, 0.2])
    assert schedules.linear_decay(10)(10) == 0.0


def test_cosine_hand_values_and_floor():
    s = schedules.cosine(total_steps=4, min_factor=0.2)
    # 0.2 + 0.8 * (1 + cos(pi t / 4)) / 2 at t = 0, 2, 4; stays at the floor after
    assert s(0) == pytest.approx(1.0)
    assert s(2) == pytest.approx(0.6)
    assert s(1) == pytest.approx(0.2 + 0.4 * (1 + math.sqrt(0.5)))
    assert s(4) == pytest.approx(0.2)
    assert s(100) == pytest.approx(0.2)
    values = schedules.multipliers(schedules.cosine(50), 60)
    assert np.all(np.diff(values) <= 1e-15)  # never increases
    assert values[-1] == pytest.approx(0.0, abs=1e-15)


def test_linear_warmup_ramps_then_hands_over():
    s = schedules.linear_warmup(4)
    assert [s(t) for t in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    after = schedules.step_decay(2, gamma=0.1)
    s = schedules.linear_warmup(2, after=after)
    # ramp to after(0) = 1, then after's clock starts at 0 when the ramp ends
    assert [s(t) for t in range(6)] == pytest.approx([0.5, 1.0, 1.0, 1.0, 0.1, 0.1])
    # the ramp ends exactly at the value the next schedule starts from: no jump
    s = schedules.linear_warmup(10, after=schedules.cosine(20, min_factor=0.1))
    values = schedules.multipliers(s, 40)
    assert np.max(np.abs(np.diff(values))) <= 0.1 + 1e-12


def test_multipliers_shape():
    values = schedules.multipliers(schedules.exponential_decay(0.9), 5)
    assert values.shape == (5,)
    np.testing.assert_allclose(values, 0.9 ** np.arange(5))


@pytest.mark.parametrize("factory", [
    lambda: schedules.step_decay(0),
    lambda: schedules.step_decay(2.5),
    lambda: schedules.step_decay(10, gamma=0.0),
    lambda: schedules.step_decay(10, gamma=1.5),
    lambda: schedules.exponential_decay(-0.1),
    lambda: schedules.exponential_decay(float("nan")),
    lambda: schedules.inverse_time_decay(-1.0),
    lambda: schedules.inverse_sqrt_decay(-1.0),
    lambda: schedules.linear_decay(0),
    lambda: schedules.linear_decay(10, min_factor=-0.5),
    lambda: schedules.cosine(0),
    lambda: schedules.cosine(10, min_factor=2.0),
    lambda: schedules.linear_warmup(0),
    lambda: schedules.linear_warmup(5, after=0.5),
    lambda: schedules.multipliers(schedules.constant(), 0),
])
def test_bad_parameters(factory):
    with pytest.raises(ValueError, match="must"):
        factory()


@pytest.mark.parametrize("t", [-1, 1.5, "3", None])
def test_bad_iteration(t):
    with pytest.raises(ValueError, match="t must be a non-negative integer"):
        schedules.cosine(10)(t)


def test_numpy_integer_iteration_is_accepted():
    assert schedules.step_decay(2)(np.int64(4)) == pytest.approx(0.01)
