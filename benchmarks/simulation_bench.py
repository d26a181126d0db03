"""Simulation kernel speed: an M/M/3 lane on CivicFlow and on SimPy (the peer), same run.

Run: ``.venv/bin/python benchmarks/simulation_bench.py`` (needs the ``bench`` extra for SimPy).
Both simulate the same queue (arrival rate 2.4/h, exponential service of 1 h, 3 servers) for the
same number of customers; the figure compared is customers simulated per second, and both mean
waits are printed beside the Erlang C value to show both simulators are right, not just fast.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Callable, Generator
from typing import Any

from civicflow.insight.simulation import (
    ActivityParams,
    Exponential,
    GraphBuilder,
    NodeKind,
    PoissonArrivals,
    PoolParams,
    SimulationParameters,
    simulate,
)

ARRIVALS_PER_HOUR = 2.4
SERVERS = 3
HOURS = 80_000.0
REPEATS = 3


def erlang_c_wait_h() -> float:
    offered = ARRIVALS_PER_HOUR
    below = math.fsum(offered**k / math.factorial(k) for k in range(SERVERS))
    top = offered**SERVERS / math.factorial(SERVERS) / (1 - offered / SERVERS)
    return top / (below + top) / (SERVERS - offered)


def civicflow_lane() -> tuple[int, float]:
    graph = (
        GraphBuilder()
        .node("s", NodeKind.START)
        .node("t", NodeKind.TASK, "Serve")
        .node("e", NodeKind.END)
        .chain("s", "t", "e")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(ARRIVALS_PER_HOUR),
        activities={"t": ActivityParams(Exponential(3600.0), pool="desk")},
        pools={"desk": PoolParams(SERVERS)},
        horizon_hours=HOURS,
    )
    waits = simulate(graph, params, seed=1).waits_s["Serve"]
    return len(waits), math.fsum(waits) / len(waits) / 3600


def simpy_lane() -> tuple[int, float]:
    import simpy

    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=SERVERS)
    rng = random.Random(1)
    waits: list[float] = []

    def customer() -> Generator[Any, Any, None]:
        arrived = env.now
        with desk.request() as request:
            yield request
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0))

    def source() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(rng.expovariate(ARRIVALS_PER_HOUR))
            env.process(customer())

    env.process(source())
    env.run(until=HOURS)
    return len(waits), math.fsum(waits) / len(waits)


def timed(run: Callable[[], tuple[int, float]]) -> tuple[float, int, float]:
    start = time.perf_counter()
    customers, wait = run()
    return time.perf_counter() - start, customers, wait


def best(results: list[tuple[float, int, float]]) -> tuple[float, int, float]:
    """The fastest of several runs: the least disturbed by other load on a shared machine."""
    return min(results)


def main() -> int:
    print(f"M/M/{SERVERS} lane, {HOURS:.0f} h simulated; Erlang C wait {erlang_c_wait_h():.4f} h")
    try:
        import simpy  # noqa: F401
    except ModuleNotFoundError:
        simpy_present = False
    else:
        simpy_present = True
    ours: list[tuple[float, int, float]] = []
    peer: list[tuple[float, int, float]] = []
    for _ in range(REPEATS):  # alternate, so both see the same background load
        ours.append(timed(civicflow_lane))
        if simpy_present:
            peer.append(timed(simpy_lane))
    mine = best(ours)
    print(f"civicflow: {mine[1] / mine[0]:>9,.0f} customers/s  mean wait {mine[2]:.4f} h")
    if not simpy_present:
        print("simpy not installed: pip install -e '.[bench]' to compare")
        return 0
    theirs = best(peer)
    print(f"simpy:     {theirs[1] / theirs[0]:>9,.0f} customers/s  mean wait {theirs[2]:.4f} h")
    ratio = (mine[1] / mine[0]) / (theirs[1] / theirs[0])
    print(f"ratio (civicflow / simpy throughput, best of {REPEATS}): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
