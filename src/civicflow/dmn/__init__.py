"""DMN decisions: import and evaluation, with an audit of matched rules. Pure."""
