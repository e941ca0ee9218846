"""A model answering at once from a script (``scripted/``): tests and benchmarks."""
