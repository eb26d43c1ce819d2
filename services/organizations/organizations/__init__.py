"""PedAtt organizations service: Organizations, their settings, HR (staff and role assignments) and staff profiles."""
