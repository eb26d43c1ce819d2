"""The demo director signs with the dev PKI's GOST 34.10-2015/512 key, and the documents service
verifies it through the gateway: path to the GOST test CA, identity, the director rule."""
import base64

from tests.e2e.test_assessment_support import director_key, login, ok


def test_demo_director_signs_with_gost(stack, gateway):
    from documents.gost import issue, load_pkcs12

    rsa_key = director_key(stack)
    assert rsa_key is not None, "the dev PKI seed step did not run"
    key, certs = load_pkcs12((rsa_key.parent / "director-gost.p12").read_bytes(), "Demo-Pass-2026")
    content = b"%PDF-1.4\n% scan of a diploma\n" + bytes(range(256)) * 40
    cms = issue.sign_cms(content, key, certs[0], detached=True)
    headers = login(gateway, "director@demo.pedatt.kz")
    me = ok(gateway.get("/api/v1/me", headers=headers))
    org = ok(gateway.get("/api/v1/organization", headers=headers))
    body = {"signature": base64.b64encode(cms).decode(), "content": base64.b64encode(content).decode(),
            "expect": {"director_of_bin": org["bin"]}}

    report = ok(gateway.post("/api/v1/signatures/verify", headers=headers, json=body))
    assert report["valid"], report
    [signer] = report["signers"]
    assert signer["identity"]["bin"] == org["bin"]
    assert "director" in signer["identity"]["roles"]
    assert signer["identity"]["iin"] == me["iin"]
    assert "(GOST)" in signer["certificate"]["issuer"]  # the dev PKI's GOST issuing CA
    assert report["rules"] and all(rule["ok"] for rule in report["rules"]), report["rules"]

    tampered = {**body, "content": base64.b64encode(content + b"x").decode()}
    report = ok(gateway.post("/api/v1/signatures/verify", headers=headers, json=tampered))
    assert not report["valid"] and report["reason_code"] == "TAMPERED", report
