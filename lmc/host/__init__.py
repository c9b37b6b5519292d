"""A checked file hosted in this process: the front end's driver, the generated package loaded, its LMs, metrics and evaluation."""
