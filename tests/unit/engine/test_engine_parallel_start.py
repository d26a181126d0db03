"""Parallel multiple start events of a process: the process starts only once every trigger
has occurred; partial triggers wait in a pending start per correlation key."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

from civicflow.testing import bpmn, chain

DEFS = ('<bpmn:message id="m1" name="Applied"/><bpmn:message id="m2" name="Paid"/>'
        '<bpmn:signal id="sig" name="FiscalYearOpened"/>')
APPLIED = '<bpmn:messageEventDefinition messageRef="m1"/>'
PAID = '<bpmn:messageEventDefinition messageRef="m2"/>'
YEAR = '<bpmn:signalEventDefinition signalRef="sig"/>'
NO_TTL = timedelta(0)


def model(*definitions: str, task: str = "t") -> str:
    return bpmn('<bpmn:startEvent id="s" parallelMultiple="true">' + "".join(definitions)
                + f'</bpmn:startEvent><bpmn:userTask id="{task}"/><bpmn:endEvent id="e"/>'
                + chain("s", task, "e"), extra=DEFS)


def started(engine: Any) -> list[Any]:
    return [engine.instance(i.id) for i in engine.instances(process_id="p")]


def test_the_process_starts_only_when_both_messages_with_its_key_arrived(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    assert engine.correlate("Applied", "42", {"applicant": "ana"}, time_to_live=NO_TTL) == 1
    assert started(engine) == []
    assert engine.correlate("Paid", "42", {"amount": 120}, time_to_live=NO_TTL) == 1
    [inst] = started(engine)
    assert inst.business_key == "42"
    assert inst.variables == {"applicant": "ana", "amount": 120}
    assert [t.element_id for t in engine.tasks(instance_id=inst.id)] == ["t"]
    assert [h.element_id for h in engine.history(inst.id) if h.kind == "start"][:1] == ["s"]


def test_messages_with_different_correlation_keys_do_not_start_each_other(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Applied", "1", {"who": "one"}, time_to_live=NO_TTL)
    engine.correlate("Paid", "2", {"paid_by": "two"}, time_to_live=NO_TTL)
    assert started(engine) == []
    engine.correlate("Paid", "1", {"paid_by": "one"}, time_to_live=NO_TTL)
    [first] = started(engine)
    assert (first.business_key, first.variables) == ("1", {"who": "one", "paid_by": "one"})
    engine.correlate("Applied", "2", {"who": "two"}, time_to_live=NO_TTL)
    assert sorted((i.business_key, i.variables["who"], i.variables["paid_by"])
                  for i in started(engine)) == [("1", "one", "one"), ("2", "two", "two")]


def test_a_message_whose_part_already_occurred_is_not_taken_again(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    assert engine.correlate("Applied", "7", {"form": "first"}, time_to_live=NO_TTL) == 1
    assert engine.correlate("Applied", "7", {"form": "second"}, time_to_live=NO_TTL) == 0
    engine.correlate("Paid", "7", time_to_live=NO_TTL)
    [inst] = started(engine)
    assert inst.variables["form"] == "first"


def test_a_later_part_wins_when_two_parts_carry_the_same_variable(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Paid", "9", {"status": "paid"}, time_to_live=NO_TTL)
    engine.correlate("Applied", "9", {"status": "applied"}, time_to_live=NO_TTL)
    [inst] = started(engine)
    assert inst.variables["status"] == "applied"


def test_a_signal_counts_for_every_pending_start_waiting_for_it(engine: Any) -> None:
    engine.deploy(model(APPLIED, YEAR))
    engine.correlate("Applied", "finance", time_to_live=NO_TTL)
    engine.correlate("Applied", "housing", time_to_live=NO_TTL)
    engine.broadcast_signal("FiscalYearOpened", {"year": 2027})
    assert sorted((i.business_key, i.variables["year"]) for i in started(engine)) == [
        ("finance", 2027), ("housing", 2027)]


def test_a_signal_before_the_message_is_remembered_for_the_first_message(engine: Any) -> None:
    engine.deploy(model(APPLIED, YEAR))
    engine.broadcast_signal("FiscalYearOpened", {"year": 2027})
    assert started(engine) == []
    engine.correlate("Applied", "finance", {"budget": 10}, time_to_live=NO_TTL)
    [inst] = started(engine)
    assert (inst.business_key, inst.variables) == ("finance", {"year": 2027, "budget": 10})
    engine.correlate("Applied", "housing", time_to_live=NO_TTL)  # the signal was used up
    assert len(started(engine)) == 1


def test_a_timer_part_counts_when_it_fires(engine: Any, clock: Any) -> None:
    one_day = ("<bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration>"
               "</bpmn:timerEventDefinition>")
    engine.deploy(model(PAID, one_day))
    engine.correlate("Paid", "5", {"amount": 3}, time_to_live=NO_TTL)
    assert started(engine) == []
    clock.advance(timedelta(days=1))
    engine.run_due_jobs()
    [inst] = started(engine)
    assert (inst.business_key, inst.variables) == ("5", {"amount": 3})


def test_a_new_version_starts_collecting_afresh(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Applied", "3", {"v": 1}, time_to_live=NO_TTL)
    engine.deploy(model(APPLIED, PAID, task="review"))
    engine.correlate("Paid", "3", time_to_live=NO_TTL)
    assert started(engine) == []  # the Applied of version 1 does not count for version 2
    engine.correlate("Applied", "3", {"v": 2}, time_to_live=NO_TTL)
    [inst] = started(engine)
    assert (inst.version, inst.variables["v"]) == (2, 2)


def _publish(engine: Any, name: str, key: str, barrier: threading.Barrier,
             errors: list[BaseException]) -> None:
    barrier.wait()
    try:
        engine.correlate(name, key, {name.lower(): True}, time_to_live=NO_TTL)
    except BaseException as exc:  # reported by the test
        errors.append(exc)


def test_the_two_messages_published_at_once_start_exactly_one_instance(
    database_url: str, clock: Any
) -> None:
    from civicflow import Engine

    engines = [Engine.open(database_url, clock=clock, migrate=False) for _ in range(2)]
    try:
        engines[0].deploy(model(APPLIED, PAID))
        for key in range(6):
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []
            threads = [threading.Thread(target=_publish,
                                        args=(e, n, str(key), barrier, errors))
                       for e, n in zip(engines, ("Applied", "Paid"), strict=True)]
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            assert errors == []
        instances = [engines[0].instance(i.id) for i in engines[0].instances(process_id="p")]
        assert sorted(i.business_key for i in instances) == [str(k) for k in range(6)]
        assert all(i.variables == {"applied": True, "paid": True} for i in instances)
    finally:
        for e in engines:
            e.close()
