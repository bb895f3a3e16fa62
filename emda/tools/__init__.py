"""Command-line entry points (``emda-train``, ``emda-test``); the scripts in
``tools/`` call the same ``main`` functions."""
