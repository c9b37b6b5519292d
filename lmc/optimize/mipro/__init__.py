"""MIPROv2: demo sets, grounded instruction proposals, the optuna study and its sampler."""
