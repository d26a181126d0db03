"""The process engine: advances instance state by commands. Pure: no database or web imports."""
