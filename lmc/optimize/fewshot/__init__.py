"""Few-shot optimizers: LabeledFewShot, BootstrapFewShot, its random search, KNNFewShot."""
