"""Load benchmark of the chat's live fan-out: `python -m bench --help`, see bench/README.md."""
