"""Row ids: unique, time-ordered, and unique again in a forked child."""

from __future__ import annotations

import os
import uuid

import pytest

from civicflow.engine.ids import next_id


def test_row_ids_increase_within_a_process() -> None:
    ids = [next_id() for _ in range(10_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_row_ids_are_32_hex_digits_in_uuid_version_7_layout() -> None:
    value = uuid.UUID(next_id())
    assert len(value.hex) == 32
    assert value.version == 7
    assert value.variant == uuid.RFC_4122


def test_row_ids_start_with_the_current_time_in_milliseconds() -> None:
    import time

    before = time.time_ns() // 1_000_000
    millis = int(next_id()[:12], 16)
    after = time.time_ns() // 1_000_000
    assert before <= millis <= after


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_repeat_its_parents_ids() -> None:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the ids it makes, then leave at once
        os.close(read)
        os.write(write, ",".join(next_id() for _ in range(100)).encode())
        os._exit(0)
    os.close(write)
    parent = {next_id() for _ in range(100)}
    with os.fdopen(read) as pipe:
        child = set(pipe.read().split(","))
    os.waitpid(pid, 0)
    assert len(child) == 100
    assert not parent & child
    # the child drew its own node number rather than continuing the parent's counter
    assert {_node(i) for i in child} != {_node(i) for i in parent}


def _node(row_id: str) -> int:
    """The 32-bit node number: the top 32 of the 74 bits after the time and version."""
    value = int(row_id, 16)
    low = (((value >> 64) & 0xFFF) << 62) | (value & ((1 << 62) - 1))
    return low >> 42
