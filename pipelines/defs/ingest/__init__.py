"""Landing -> bronze assets, one module per source system."""
