"""FEEL, the expression language of DMN and Camunda 8. Pure: no database or web imports."""
