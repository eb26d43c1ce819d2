"""Events the documents service publishes: its public contract (names and payload fields).

See the README for the payloads."""
DOCUMENT_UPLOADED = "document_uploaded"
DOCUMENT_DELETED = "document_deleted"
SIGNATURE_VERIFIED = "document_signature_verified"
SIGNATURE_REJECTED = "document_signature_rejected"

SIGNER_FIELDS = ("iin", "bin", "roles", "subject_type")


def signer_summary(report: dict) -> list[dict]:
    return [{k: (s.get("identity") or {}).get(k) for k in SIGNER_FIELDS} | {"valid": s.get("valid")}
            for s in report.get("signers", [])]
