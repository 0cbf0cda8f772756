"""Train tiny spam/ham classifiers from scratch and export them for DJL."""
