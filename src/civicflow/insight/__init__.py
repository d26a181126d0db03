"""Assessment and measurement: event logs, process mining, KPIs and simulation."""
