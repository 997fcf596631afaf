"""Exercise definitions, one module per notebook, each exposing a tuple ``EXERCISES``."""
