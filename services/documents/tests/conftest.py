import datetime as dt
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from documents import pki

TEACHER_IIN = "880101300123"
DIRECTOR_IIN = "750505400456"
SCHOOL_BIN = "010140003594"


@pytest.fixture(scope="session")
def service_name():
    return "documents"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """A real S3 server (moto_server) on a free port for the whole session."""
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1",
                             "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"  # tests set PEDATT_S3_ENDPOINT with monkeypatch
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="session")
def test_pki(tmp_path_factory):
    """Root + intermediate in a trust dir, and the people the tests sign as."""
    now = pki.utcnow()
    root = pki.make_root(not_before=now - dt.timedelta(days=800))
    inter = pki.make_intermediate(root, not_before=now - dt.timedelta(days=700))
    trust = tmp_path_factory.mktemp("trust")
    (trust / "root.cer").write_bytes(root.der)
    (trust / "inter.cer").write_bytes(inter.der)
    ns = SimpleNamespace(root=root, inter=inter, trust_dir=trust)
    ns.teacher = pki.make_person(inter, iin=TEACHER_IIN)
    ns.teacher_auth = pki.make_person(inter, iin=TEACHER_IIN, usage="auth")
    ns.director = pki.make_person(inter, iin=DIRECTOR_IIN, surname="ДИРЕКТОРОВА",
                                  first_name="АЙГУЛЬ", patronymic="СЕРИКОВНА", bin=SCHOOL_BIN,
                                  organization='КГУ "ШКОЛА-ГИМНАЗИЯ №1"', roles=("director",))
    ns.revoked = pki.make_person(inter, iin="900101300222")
    ns.expired = pki.make_person(inter, iin=TEACHER_IIN, not_before=now - dt.timedelta(days=400),
                                 not_after=now - dt.timedelta(days=1))
    rogue_root = pki.make_root("ROGUE ROOT")
    ns.rogue = pki.make_person(pki.make_intermediate(rogue_root, "ROGUE CA"), iin=TEACHER_IIN)
    (trust / "revocation").mkdir()
    (trust / "revocation" / "inter.crl").write_bytes(pki.make_crl(inter, [ns.revoked.cert]))
    (trust / "revocation" / "root.crl").write_bytes(pki.make_crl(root))
    return ns
