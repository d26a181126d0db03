"""BPMN 2.0: import, validation and export of models. Pure: no database or web imports."""
