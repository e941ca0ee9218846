"""The evaluation run: the runner, role models, the journal, heap handling and result files.

Layer: imports the API, the call path and the plugin manager; the CLI sits above it.
"""
