"""The log cursor never skips a sequence number that commits late (DESIGN: the statement log)."""

from lrs.progress.cursor import MAX_HOLE, CursorState

GRACE = 30


def test_contiguous_numbers_move_the_position():
    state = CursorState()
    state.advance([1, 2, 3], now_us=0, grace_us=GRACE)
    assert (state.position, state.pending, state.gaps) == (3, set(), {})


def test_a_hole_holds_the_position_until_it_fills():
    state = CursorState()
    state.advance([1, 2, 4, 5], now_us=0, grace_us=GRACE)
    assert state.position == 2 and state.pending == {4, 5} and 3 in state.gaps
    assert state.unhandled([3, 4, 5, 6]) == [3, 6]
    state.advance([3], now_us=10, grace_us=GRACE)
    assert (state.position, state.pending, state.gaps) == (5, set(), {})


def test_a_hole_that_never_fills_is_passed_after_the_grace_period():
    state = CursorState()
    state.advance([1, 3], now_us=0, grace_us=GRACE)
    state.advance([], now_us=GRACE - 1, grace_us=GRACE)
    assert state.position == 1
    state.advance([], now_us=GRACE, grace_us=GRACE)
    assert state.position == 3 and state.gaps == {}


def test_a_partly_filled_hole_keeps_waiting_for_the_rest():
    state = CursorState()
    state.advance([1, 5], now_us=0, grace_us=GRACE)
    state.advance([2], now_us=5, grace_us=GRACE)
    assert state.position == 2 and 3 in state.gaps
    state.advance([3, 4], now_us=6, grace_us=GRACE)
    assert state.position == 5 and state.gaps == {}


def test_a_hole_wider_than_transactions_in_flight_is_passed_at_once():
    state = CursorState()
    state.advance([MAX_HOLE + 10], now_us=0, grace_us=GRACE)
    assert state.position == MAX_HOLE + 10


def test_handled_numbers_below_the_position_are_ignored():
    state = CursorState(position=10)
    state.advance([9, 11], now_us=0, grace_us=GRACE)
    assert state.position == 11 and state.pending == set()
