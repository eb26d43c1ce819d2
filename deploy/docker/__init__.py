"""Container images and compose helpers (see docker-compose.yml at the repository root)."""
