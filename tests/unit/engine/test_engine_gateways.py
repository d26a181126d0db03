"""Exclusive, parallel, inclusive and event-based gateways; implicit splits."""

from __future__ import annotations

from typing import Any

from civicflow.testing import bpmn, chain, flow

SCRIPT = ('<bpmn:scriptTask id="{id}"><bpmn:extensionElements>'
          '<zeebe:script expression="{expr}" resultVariable="{var}"/>'
          "</bpmn:extensionElements></bpmn:scriptTask>")


def script(task_id: str, expr: str, var: str) -> str:
    return SCRIPT.format(id=task_id, expr=expr.replace('"', "&quot;"), var=var)


def _xor(default: bool) -> str:
    gw = '<bpmn:exclusiveGateway id="g" default="f_low"/>' if default else (
        '<bpmn:exclusiveGateway id="g"/>')
    return bpmn(
        '<bpmn:startEvent id="s"/>' + gw
        + '<bpmn:userTask id="high"/><bpmn:userTask id="low"/>'
        + '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + flow("s", "g")
        + flow("g", "high", "=amount > 100")
        + (flow("g", "low", flow_id="f_low") if default else flow("g", "low", "=amount < 10"))
        + chain("high", "e1") + chain("low", "e2")
    )


def test_exclusive_gateway_follows_the_flow_whose_condition_holds(engine: Any) -> None:
    engine.deploy(_xor(default=True))
    inst = engine.start("p", {"amount": 500})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["high"]


def test_exclusive_gateway_takes_default_flow_when_no_condition_holds(engine: Any) -> None:
    engine.deploy(_xor(default=True))
    inst = engine.start("p", {"amount": 50})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["low"]


def test_exclusive_gateway_without_match_raises_an_incident_that_retry_resolves(
    engine: Any,
) -> None:
    engine.deploy(_xor(default=False))
    inst = engine.start("p", {"amount": 50})
    [incident] = engine.instance(inst.id).incidents
    assert incident.element_id == "g"
    assert "no outgoing condition is true" in incident.message
    assert engine.instance(inst.id).state == "active"
    engine.set_variables(inst.id, {"amount": 5})
    engine.retry(incident.id)
    assert engine.instance(inst.id).incidents == ()
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["low"]
    assert engine.incidents(instance_id=inst.id) == []


def test_parallel_join_waits_for_all_branches_and_keeps_every_branch_variable(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="split"/>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
        + script("c", "=1", "from_c")
        + '<bpmn:parallelGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + flow("s", "split") + flow("split", "a") + flow("split", "b") + flow("split", "c")
        + flow("a", "join") + flow("b", "join") + flow("c", "join") + chain("join", "after", "e")
    ))
    inst = engine.start("p")
    tasks = {t.element_id: t for t in engine.tasks(instance_id=inst.id)}
    assert set(tasks) == {"a", "b"}
    engine.complete(tasks["a"].id, {"from_a": "A"})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["b"]
    engine.complete(tasks["b"].id, {"from_b": "B"})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
    assert engine.instance(inst.id).variables == {"from_a": "A", "from_b": "B", "from_c": 1}
    joins = [h for h in engine.history(inst.id) if h.element_id == "join"]
    assert [h.kind for h in joins] == ["start", "end"]


def test_activity_with_two_outgoing_flows_splits_implicitly(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:task id="t"/><bpmn:userTask id="a"/>'
        '<bpmn:userTask id="b"/><bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + chain("s", "t") + flow("t", "a") + flow("t", "b") + chain("a", "e1") + chain("b", "e2")
    ))
    inst = engine.start("p")
    assert sorted(t.element_id for t in engine.tasks(instance_id=inst.id)) == ["a", "b"]
    for t in engine.tasks(instance_id=inst.id):
        engine.complete(t.id)
    assert engine.instance(inst.id).state == "completed"


def _inclusive() -> str:
    return bpmn(
        '<bpmn:startEvent id="s"/><bpmn:inclusiveGateway id="split" default="f_c"/>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/><bpmn:userTask id="c"/>'
        '<bpmn:inclusiveGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + flow("s", "split") + flow("split", "a", "=wants_a") + flow("split", "b", "=wants_b")
        + flow("split", "c", flow_id="f_c")
        + flow("a", "join") + flow("b", "join") + flow("c", "join") + chain("join", "after", "e")
    )


def test_inclusive_split_takes_every_true_flow_and_join_waits_for_exactly_those(
    engine: Any,
) -> None:
    engine.deploy(_inclusive())
    inst = engine.start("p", {"wants_a": True, "wants_b": True})
    tasks = {t.element_id: t for t in engine.tasks(instance_id=inst.id)}
    assert set(tasks) == {"a", "b"}
    engine.complete(tasks["a"].id)
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["b"]
    engine.complete(tasks["b"].id)
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_inclusive_join_does_not_wait_for_branches_that_were_not_taken(engine: Any) -> None:
    engine.deploy(_inclusive())
    inst = engine.start("p", {"wants_a": True, "wants_b": False})
    [a] = engine.tasks(instance_id=inst.id)
    assert a.element_id == "a"
    engine.complete(a.id)
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]


def test_inclusive_split_takes_default_flow_when_nothing_holds(engine: Any) -> None:
    engine.deploy(_inclusive())
    inst = engine.start("p", {"wants_a": False, "wants_b": False})
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["c"]


def test_event_based_gateway_follows_the_event_that_happens_first(
    engine: Any, clock: Any
) -> None:
    from datetime import timedelta

    model = bpmn(
        '<bpmn:startEvent id="s"/><bpmn:eventBasedGateway id="g"/>'
        '<bpmn:intermediateCatchEvent id="paid"><bpmn:messageEventDefinition '
        'messageRef="m"/></bpmn:intermediateCatchEvent>'
        '<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition>'
        '<bpmn:timeDuration>P7D</bpmn:timeDuration></bpmn:timerEventDefinition>'
        "</bpmn:intermediateCatchEvent>"
        '<bpmn:userTask id="ship"/><bpmn:userTask id="remind"/>'
        '<bpmn:endEvent id="e1"/><bpmn:endEvent id="e2"/>'
        + chain("s", "g") + flow("g", "paid") + flow("g", "late")
        + chain("paid", "ship", "e1") + chain("late", "remind", "e2"),
        extra='<bpmn:message id="m" name="Paid"><bpmn:extensionElements>'
              '<zeebe:subscription correlationKey="=order"/></bpmn:extensionElements>'
              "</bpmn:message>",
    )
    engine.deploy(model)
    first = engine.start("p", {"order": "A"})
    second = engine.start("p", {"order": "B"})
    assert engine.correlate("Paid", "A", {"amount": 3}) == 1
    assert [t.element_id for t in engine.tasks(instance_id=first.id)] == ["ship"]
    assert engine.instance(first.id).variables["amount"] == 3
    clock.advance(timedelta(days=8))
    engine.run_due_jobs()
    assert [t.element_id for t in engine.tasks(instance_id=second.id)] == ["remind"]
    assert [t.element_id for t in engine.tasks(instance_id=first.id)] == ["ship"]
    assert engine.jobs(instance_id=first.id) == []


def test_uncontrolled_merge_passes_each_arriving_token_through(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="split"/>'
        '<bpmn:task id="a"/><bpmn:task id="b"/><bpmn:userTask id="merge"/>'
        '<bpmn:endEvent id="e"/>' + flow("s", "split") + flow("split", "a") + flow("split", "b")
        + flow("a", "merge") + flow("b", "merge") + chain("merge", "e")))
    inst = engine.start("p")
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["merge", "merge"]
    for t in engine.tasks(instance_id=inst.id):
        engine.complete(t.id)
    assert engine.instance(inst.id).state == "completed"


def test_inclusive_join_ignores_tokens_that_cannot_reach_it(engine: Any) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:parallelGateway id="fork"/>'
        '<bpmn:userTask id="side"/><bpmn:endEvent id="side_end"/>'
        '<bpmn:inclusiveGateway id="split"/><bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
        '<bpmn:inclusiveGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + flow("s", "fork") + flow("fork", "side") + flow("side", "side_end")
        + flow("fork", "split") + flow("split", "a", "=true") + flow("split", "b", "=true")
        + flow("a", "join") + flow("b", "join") + chain("join", "after", "e")))
    inst = engine.start("p")
    tasks = {t.element_id: t for t in engine.tasks(instance_id=inst.id)}
    assert set(tasks) == {"side", "a", "b"}
    engine.complete(tasks["a"].id)
    assert sorted(t.element_id for t in engine.tasks(instance_id=inst.id)) == ["b", "side"]
    engine.complete(tasks["b"].id)
    assert sorted(t.element_id for t in engine.tasks(instance_id=inst.id)) == ["after", "side"]


def test_inclusive_join_fires_when_the_last_awaited_token_leaves_for_elsewhere(
    engine: Any,
) -> None:
    engine.deploy(bpmn(
        '<bpmn:startEvent id="s"/><bpmn:inclusiveGateway id="split"/>'
        '<bpmn:userTask id="a"/><bpmn:userTask id="b"/>'
        '<bpmn:exclusiveGateway id="route" default="f_join"/><bpmn:endEvent id="dropped"/>'
        '<bpmn:inclusiveGateway id="join"/><bpmn:userTask id="after"/><bpmn:endEvent id="e"/>'
        + flow("s", "split") + flow("split", "a", "=true") + flow("split", "b", "=true")
        + flow("a", "join") + flow("b", "route") + flow("route", "dropped", "=drop")
        + flow("route", "join", flow_id="f_join") + chain("join", "after", "e")))
    inst = engine.start("p", {"drop": True})
    tasks = {t.element_id: t for t in engine.tasks(instance_id=inst.id)}
    engine.complete(tasks["a"].id)
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["b"]
    engine.complete(tasks["b"].id)  # b's token ends at 'dropped': nothing else can arrive
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["after"]
