"""``lmc build``: the plan, the optimization run, the dry run, the lock, the report and progress."""
