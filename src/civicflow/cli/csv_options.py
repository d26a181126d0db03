"""The CSV column-mapping options shared by ``civicflow mine`` and ``civicflow kpi``.

One declaration, so both commands read a legacy system's export with the same words and
defaults (``civicflow.insight.csv_import.CsvMapping`` is what they fill).
"""

from __future__ import annotations

from typing import Annotated

import typer

CaseColumn = Annotated[str | None, typer.Option(
    "--case", metavar="COLUMN", help="CSV column with the case id.")]
ActivityColumn = Annotated[str | None, typer.Option(
    "--activity", metavar="COLUMN", help="CSV column with the activity.")]
TimestampColumn = Annotated[str | None, typer.Option(
    "--timestamp", metavar="COLUMN", help="CSV column with the time.")]
ResourceColumn = Annotated[str | None, typer.Option(
    "--resource", metavar="COLUMN", help="CSV column with the resource (org:resource).")]
GroupColumn = Annotated[str | None, typer.Option(
    "--group", metavar="COLUMN", help="CSV column with the department (org:group).")]
LifecycleColumn = Annotated[str | None, typer.Option(
    "--lifecycle-column", metavar="COLUMN", help="CSV column with the lifecycle transition.")]
TimestampFormat = Annotated[str | None, typer.Option(
    "--timestamp-format", metavar="FORMAT",
    help="strftime format of CSV times, e.g. '%d/%m/%Y %H:%M' (default: ISO 8601).")]
Timezone = Annotated[str, typer.Option(
    "--timezone", metavar="ZONE",
    help="Zone of CSV times without one (IANA name, e.g. Europe/Paris).")]
Separator = Annotated[str, typer.Option(
    "--separator", metavar="CHAR", help="CSV field separator.")]
ObjectType = Annotated[str | None, typer.Option(
    "--object-type", metavar="TYPE",
    help="OCEL logs: the object type whose objects are the cases (default: the type most "
    "events relate to).")]
