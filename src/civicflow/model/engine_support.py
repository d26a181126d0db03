"""THE list of BPMN constructs the CivicFlow engine runs. Engine team: adjust it here.

Executability findings (``executability.py``) are derived from this one object, so when the
engine learns a construct, add it here and ``civicflow check`` reports models using it as
executable. Triggers are the one-word ``EventDefinition.kind`` values (``none`` for no
definition, ``multiple`` for several).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineSupport:
    """Which events, activities, gateways and expression languages the engine runs."""

    start_triggers: frozenset[str]  #: start events of a process or embedded subprocess
    event_subprocess_start_triggers: frozenset[str]
    end_triggers: frozenset[str]
    intermediate_catch_triggers: frozenset[str]
    intermediate_throw_triggers: frozenset[str]
    boundary_triggers: frozenset[str]
    activities: frozenset[str]  #: class names, e.g. ``UserTask``
    gateways: frozenset[str]  #: class names, e.g. ``ExclusiveGateway``
    script_formats: frozenset[str]  #: ``scriptFormat`` values run by a script task (lowercase)
    #: an expression language is run when its URI contains one of these words (lowercase)
    expression_languages: frozenset[str]
    #: Camunda 7 attributes naming Java code (``camunda:class``...) count as runnable
    java_delegates: bool
    conditional_flows_from_activities: bool  #: conditions on flows leaving a task
    #: definitions a multiple / parallel multiple catch event (start, intermediate, boundary)
    #: may combine, and those a multiple throw (intermediate, end) event may combine
    multiple_catch_parts: frozenset[str] = frozenset()
    multiple_throw_parts: frozenset[str] = frozenset()
    parallel_multiple_process_start: bool = False  #: parallel multiple start of a process
    #: a transaction's ``method`` values the engine runs (lowercase; "" = no attribute)
    transaction_methods: frozenset[str] = frozenset()


#: What the engine of issue 4 runs (its "Semantics" section), as agreed on 2026-11-29.
ENGINE_SUPPORT = EngineSupport(
    start_triggers=frozenset({"none", "message", "timer", "signal", "multiple"}),
    event_subprocess_start_triggers=frozenset(
        {"message", "timer", "signal", "error", "escalation", "conditional", "compensate",
         "multiple"}
    ),
    end_triggers=frozenset(
        {"none", "terminate", "error", "escalation", "message", "signal", "compensate", "cancel",
         "multiple"}
    ),
    intermediate_catch_triggers=frozenset(
        {"message", "timer", "signal", "link", "conditional", "multiple"}
    ),
    intermediate_throw_triggers=frozenset(
        {"none", "message", "signal", "escalation", "link", "compensate", "multiple"}
    ),
    boundary_triggers=frozenset(
        {"timer", "message", "signal", "error", "escalation", "conditional", "compensate",
         "cancel", "multiple"}
    ),
    activities=frozenset(
        {
            "Task",
            "UserTask",
            "ManualTask",
            "ServiceTask",
            "SendTask",
            "ReceiveTask",
            "ScriptTask",
            "BusinessRuleTask",
            "CallActivity",
            "SubProcess",
            "Transaction",
        }
    ),
    gateways=frozenset(
        {"ExclusiveGateway", "ParallelGateway", "InclusiveGateway", "EventBasedGateway",
         "ComplexGateway"}
    ),
    script_formats=frozenset({"feel", "text/feel", "application/feel"}),
    expression_languages=frozenset({"feel"}),
    conditional_flows_from_activities=False,
    java_delegates=False,
    multiple_catch_parts=frozenset({"message", "timer", "signal", "conditional"}),
    multiple_throw_parts=frozenset({"message", "signal", "escalation", "error"}),
    parallel_multiple_process_start=True,  # triggers collected in cf_pending_starts (0303)
    # undone by compensation only: ##Store and ##Image are refused (decision 0310)
    transaction_methods=frozenset({"", "##compensate", "compensate"}),
)
