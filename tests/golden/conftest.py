"""The golden packages are expected output, not tests: pytest must not collect their parity tests."""

collect_ignore_glob = ["*"]
