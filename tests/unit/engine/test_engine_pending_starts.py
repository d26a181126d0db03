"""Operators see, withdraw and outlive pending starts of a parallel multiple start event:
``engine.pending_starts()``, ``engine.withdraw_pending_start(id)``, expiry at the earliest
time to live of the messages taken (decision 0303)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from typer.testing import CliRunner

from civicflow.cli import app
from civicflow.engine.errors import NotFoundError
from civicflow.testing import bpmn, chain

DEFS = ('<bpmn:message id="m1" name="Applied"/><bpmn:message id="m2" name="Paid"/>'
        '<bpmn:signal id="sig" name="FiscalYearOpened"/>')
APPLIED = '<bpmn:messageEventDefinition messageRef="m1"/>'
PAID = '<bpmn:messageEventDefinition messageRef="m2"/>'
YEAR = '<bpmn:signalEventDefinition signalRef="sig"/>'
NO_TTL = timedelta(0)


def model(*definitions: str) -> str:
    return bpmn('<bpmn:startEvent id="s" parallelMultiple="true">' + "".join(definitions)
                + '</bpmn:startEvent><bpmn:userTask id="t"/><bpmn:endEvent id="e"/>'
                + chain("s", "t", "e"), extra=DEFS)


def started(engine: Any) -> list[Any]:
    return [engine.instance(i.id) for i in engine.instances(process_id="p")]


def test_pending_starts_list_the_parts_seen_and_missing_per_correlation_key(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(model(APPLIED, PAID, YEAR))
    engine.correlate("Applied", "42", {"applicant": "ana"}, time_to_live=NO_TTL)
    clock.advance(timedelta(minutes=1))
    engine.correlate("Paid", "43", time_to_live=NO_TTL)
    first, second = engine.pending_starts()
    assert (first.process_id, first.version, first.start_event) == ("p", 1, "s")
    assert (first.correlation_key, first.parts_seen, first.parts_missing) == (
        "42", ("message:Applied",), ("message:Paid", "signal:FiscalYearOpened"))
    assert (second.correlation_key, second.parts_seen) == ("43", ("message:Paid",))
    assert first.created_at < second.created_at
    assert first.expires_at is None  # published without a time to live
    assert engine.pending_starts("p") == [first, second]
    assert engine.pending_starts("other") == []
    clock.advance(timedelta(minutes=1))
    engine.broadcast_signal("FiscalYearOpened")  # counts for both, and opens a keyless one
    assert [(p.correlation_key, p.parts_missing) for p in engine.pending_starts()] == [
        ("42", ("message:Paid",)), ("43", ("message:Applied",)),
        (None, ("message:Applied", "message:Paid"))]


def test_a_withdrawn_pending_start_forgets_its_triggers(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Applied", "42", {"applicant": "ana"}, time_to_live=NO_TTL)
    [pending] = engine.pending_starts()
    gone = engine.withdraw_pending_start(pending.id)
    assert (gone.id, gone.parts_seen) == (pending.id, ("message:Applied",))
    assert engine.pending_starts() == []
    engine.correlate("Paid", "42", time_to_live=NO_TTL)
    assert started(engine) == []  # the withdrawn Applied no longer counts
    engine.correlate("Applied", "42", {"applicant": "bo"}, time_to_live=NO_TTL)
    [inst] = started(engine)
    assert inst.variables == {"applicant": "bo"}


def test_withdrawing_an_unknown_or_started_pending_start_is_not_found(engine: Any) -> None:
    engine.deploy(model(APPLIED, PAID))
    with pytest.raises(NotFoundError, match="no pending start nope"):
        engine.withdraw_pending_start("nope")
    engine.correlate("Applied", "1", time_to_live=NO_TTL)
    [pending] = engine.pending_starts()
    engine.correlate("Paid", "1", time_to_live=NO_TTL)
    assert len(started(engine)) == 1
    with pytest.raises(NotFoundError, match="started its instance or expired"):
        engine.withdraw_pending_start(pending.id)


def test_a_pending_start_expires_with_the_time_to_live_of_its_message(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(model(APPLIED, PAID))
    published = clock.now()
    engine.correlate("Applied", "42", {"form": "old"}, time_to_live=timedelta(days=30))
    [pending] = engine.pending_starts()
    assert pending.expires_at == published + timedelta(days=30)
    clock.advance(timedelta(days=30))
    assert engine.pending_starts() == []  # expired: not shown
    with pytest.raises(NotFoundError):
        engine.withdraw_pending_start(pending.id)
    assert engine.correlate("Paid", "42", time_to_live=NO_TTL) == 1  # opens a fresh one
    assert started(engine) == []
    [fresh] = engine.pending_starts()
    assert (fresh.parts_seen, fresh.expires_at) == (("message:Paid",), None)
    engine.correlate("Applied", "42", {"form": "new"}, time_to_live=NO_TTL)
    [inst] = started(engine)
    assert inst.variables == {"form": "new"}


def test_a_message_published_without_a_time_to_live_keeps_its_part_until_the_others_come(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Applied", "42", {"form": "A-1"})  # no time to live given
    [pending] = engine.pending_starts()
    assert pending.expires_at is None
    clock.advance(timedelta(days=9))  # the payment comes more than a week later
    assert engine.correlate("Paid", "42") == 1
    [inst] = started(engine)
    assert (inst.business_key, inst.variables) == ("42", {"form": "A-1"})


def test_a_message_nobody_receives_is_still_buffered_for_an_hour_by_default(
    engine: Any, clock: Any,
) -> None:
    paid = ('<bpmn:message id="m3" name="Paid"><bpmn:extensionElements>'
            '<zeebe:subscription correlationKey="=key"/></bpmn:extensionElements>'
            "</bpmn:message>")
    engine.deploy(bpmn('<bpmn:startEvent id="s"/><bpmn:receiveTask id="r" messageRef="m3"/>'
                       '<bpmn:endEvent id="e"/>' + chain("s", "r", "e"), "q", extra=paid))
    assert engine.correlate("Paid", "7") == 0
    clock.advance(timedelta(minutes=59))
    early = engine.start("q", {"key": "7"})
    assert engine.instance(early.id).state == "completed"  # took the buffered message
    assert engine.correlate("Paid", "8") == 0
    clock.advance(timedelta(minutes=61))
    late = engine.start("q", {"key": "8"})
    assert engine.instance(late.id).state == "active"  # the buffered one had expired


def test_the_earliest_message_time_to_live_bounds_the_wait_and_signals_set_none(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(model(APPLIED, PAID, YEAR))
    t0 = clock.now()
    engine.correlate("Applied", "42", time_to_live=timedelta(days=10))
    clock.advance(timedelta(days=2))
    engine.correlate("Paid", "42", time_to_live=timedelta(days=3))
    [pending] = engine.pending_starts()
    assert pending.expires_at == t0 + timedelta(days=5)  # the earlier of the two
    clock.advance(timedelta(days=2, hours=23))
    engine.broadcast_signal("FiscalYearOpened")  # just in time
    [inst] = started(engine)
    assert inst.business_key == "42"
    [keyless] = engine.pending_starts()  # the signal also opened the keyless one
    assert (keyless.correlation_key, keyless.expires_at) == (None, None)


def test_a_message_completing_an_expired_pending_start_does_not_start_the_process(
    engine: Any, clock: Any,
) -> None:
    engine.deploy(model(APPLIED, PAID))
    engine.correlate("Applied", "42", time_to_live=timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    engine.correlate("Paid", "42", time_to_live=NO_TTL)
    assert started(engine) == []
    [pending] = engine.pending_starts()
    assert pending.parts_seen == ("message:Paid",)


def test_cli_lists_and_withdraws_pending_starts(database_url: str) -> None:
    runner = CliRunner()
    db = ["--database", database_url]

    def run(*args: str) -> Any:
        return runner.invoke(app, [*args, *db])

    from civicflow import Engine

    eng = Engine.open(database_url, migrate=False)
    try:
        eng.deploy(model(APPLIED, PAID))
    finally:
        eng.close()
    assert "No pending starts." in run("pending-starts").output
    assert run("correlate", "Applied", "--key", "42", "--var", "who=ana").exit_code == 0
    listed = run("pending-starts", "--process", "p")
    assert listed.exit_code == 0, listed.output
    line = listed.output.strip()
    pending_id = line.split()[0]
    # the CLI gives no time to live: the part waits until the others come
    assert "p v1 s key=42 seen=message:Applied missing=message:Paid expires=never" in line
    gone = run("withdraw-pending-start", pending_id)
    assert gone.exit_code == 0, gone.output
    assert f"withdrew {pending_id}" in gone.output
    again = run("withdraw-pending-start", pending_id)
    assert again.exit_code == 1
    assert "no pending start" in again.output
    assert "Traceback" not in again.output
