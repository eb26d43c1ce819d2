"""PedAtt documents service: Files in S3/MinIO (upload slots, versions, downloads) and EDS signature verification."""
