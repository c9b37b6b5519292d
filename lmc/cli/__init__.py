"""The ``lmc`` command: argument parsing and the commands, printing and exit codes only."""
