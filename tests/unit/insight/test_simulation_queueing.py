"""The simulator against queueing theory: mean waits of M/M/1 and M/M/c lanes match Erlang C."""

from __future__ import annotations

import math

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

HOUR = 3600.0


def erlang_c_mean_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean time in queue of an M/M/c queue (Erlang C), in the rates' time unit."""
    offered = arrival_rate / service_rate
    utilisation = offered / servers
    assert utilisation < 1
    below = math.fsum(offered**k / math.factorial(k) for k in range(servers))
    top = offered**servers / math.factorial(servers) / (1 - utilisation)
    probability_of_waiting = top / (below + top)
    return probability_of_waiting / (servers * service_rate - arrival_rate)


def simulated_mean_wait_h(
    arrival_rate: float, service_rate: float, servers: int, hours: float, seeds: range
) -> float:
    graph = (
        GraphBuilder("lane")
        .node("arrive", NodeKind.START)
        .node("serve", NodeKind.TASK, "Serve")
        .node("leave", NodeKind.END)
        .chain("arrive", "serve", "leave")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(arrival_rate),
        activities={"serve": ActivityParams(Exponential(HOUR / service_rate), pool="desk")},
        pools={"desk": PoolParams(capacity=servers)},
        horizon_hours=hours,
        warmup_hours=200,
    )
    waits: list[float] = []
    for seed in seeds:
        waits.extend(simulate(graph, params, seed).waits_s["Serve"])
    assert len(waits) > 30_000
    return math.fsum(waits) / len(waits) / HOUR


def test_mm1_lane_mean_wait_is_within_five_percent_of_the_formula() -> None:
    expected = erlang_c_mean_wait(0.5, 1.0, 1)
    simulated = simulated_mean_wait_h(0.5, 1.0, 1, hours=25_000, seeds=range(3))
    assert abs(simulated - expected) / expected < 0.05


def test_mmc_lane_mean_wait_is_within_five_percent_of_erlang_c() -> None:
    expected = erlang_c_mean_wait(1.5, 1.0, 3)
    simulated = simulated_mean_wait_h(1.5, 1.0, 3, hours=15_000, seeds=range(3))
    assert abs(simulated - expected) / expected < 0.05


def test_mmc_lane_keeps_servers_busy_at_the_offered_load() -> None:
    graph = (
        GraphBuilder()
        .node("s", NodeKind.START)
        .node("t", NodeKind.TASK)
        .node("e", NodeKind.END)
        .chain("s", "t", "e")
        .build()
    )
    params = SimulationParameters(
        arrivals=PoissonArrivals(1.5),
        activities={"t": ActivityParams(Exponential(HOUR), pool="desk")},
        pools={"desk": PoolParams(capacity=3)},
        horizon_hours=5_000,
        warmup_hours=100,
    )
    utilisation = simulate(graph, params, 7).utilisation["desk"]
    assert abs(utilisation - 0.5) < 0.02
