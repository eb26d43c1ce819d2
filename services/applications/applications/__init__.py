"""PedAtt applications service: Rules editions, attestation applications, portfolios, the status workflow and notifications."""
