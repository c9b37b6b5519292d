"""The front end: source text to IR (grammar tables, the one-pass reader, the rules-to-IR builder, string literals, syntax messages)."""
