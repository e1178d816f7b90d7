"""Fault-injection tests and the harness bench/reliability.py shares with them."""
