"""Row ids that sort by creation time.

Random ids (``uuid4``) scatter a command's inserts over the whole primary-key index: on SQLite
every new token, task or scope dirtied its own index leaf page, and a commit wrote (and
checksummed) each of those pages to the WAL. An id that starts with the time lands next to the
previous one, so the inserts of a command, and of the commands sharing one commit, fill the
same right-most pages. The layout follows UUID version 7 (RFC 9562): 48 bits of Unix time in
milliseconds, then the version digit, then 74 bits that are unique in this process: a random
node number drawn at start-up (and again in a forked child) and a counter. Ids are written as
32 hex digits, like the ``uuid4().hex`` ids before them, so old and new rows mix freely.
"""

from __future__ import annotations

import itertools
import os
import time

_COUNTER_BITS = 42
_COUNTER_MASK = (1 << _COUNTER_BITS) - 1


def _fresh_node() -> tuple[int, itertools.count[int]]:
    seed = int.from_bytes(os.urandom(8), "big")
    node = seed >> (64 - 32)  # 32 random bits per process
    return node, itertools.count(seed & 0xFFFF)  # counters of processes start apart too


_node, _counter = _fresh_node()


def _reseed_after_fork() -> None:
    global _node, _counter
    _node, _counter = _fresh_node()


os.register_at_fork(after_in_child=_reseed_after_fork)


def next_id() -> str:
    """A new id: unique across processes and machines (32 random bits of node plus a 42-bit
    counter), increasing within a process, and ordered by millisecond across processes."""
    millis = time.time_ns() // 1_000_000
    low = (_node << _COUNTER_BITS) | (next(_counter) & _COUNTER_MASK)  # 74 bits
    # 48-bit time, version 7, 12 bits of ``low``, variant 0b10, the remaining 62 bits
    value = (millis << 80) | (0x7 << 76) | ((low >> 62) << 64) | (0b10 << 62) | (
        low & ((1 << 62) - 1))
    return f"{value:032x}"
