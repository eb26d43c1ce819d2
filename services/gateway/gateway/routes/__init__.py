"""HTTP routes, one module per area; importing a module registers its routes on ``api``."""
