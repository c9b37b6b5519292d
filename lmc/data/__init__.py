"""The user's data files: datasets (``.jsonl``, ``.json``, ``.csv``) read into examples."""
