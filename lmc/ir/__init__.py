"""The frozen IR of a ``.lmp`` file (``nodes``), its generic walk, its text dump, and option values as plain Python."""
