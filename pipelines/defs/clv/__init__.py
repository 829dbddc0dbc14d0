"""Customer lifetime value: BG/NBD + Gamma-Gamma fitted every run."""
