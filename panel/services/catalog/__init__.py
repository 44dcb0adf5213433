"""The catalog: categories and products, keyed by the POS's external ids."""
