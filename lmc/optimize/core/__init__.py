"""What every optimizer shares: the task and result types, option specs, budgets, building ahead, the prompt model."""
