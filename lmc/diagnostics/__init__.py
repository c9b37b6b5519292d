"""Source spans and diagnostics: the one way lmc reports a problem in a file."""
