"""Option schemas as data: the vocabulary, every block's schema and every optimizer's options (stdlib only; read by the checker and the optimizers)."""
