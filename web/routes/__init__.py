"""The review desk's routes, one module per noun."""
