"""The exit codes of ``lmc`` (spec section 3), defined once."""

EXIT_OK = 0  # success
EXIT_DIAGNOSTICS = 1  # the file has errors
EXIT_CRASH = 2  # a bug in lmc
EXIT_RUN_FAILED = 3  # an LM, data or program failure the user can fix
EXIT_USAGE = 64  # the command line itself is wrong (sysexits' EX_USAGE; argparse would say 2, a crash's)
