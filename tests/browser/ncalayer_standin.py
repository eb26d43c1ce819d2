"""A stand-in for NCALayer (the НУЦ РК signing application) for browser tests.

It speaks NCALayer's local WebSocket protocol as the web client uses it:
- on connect it greets with ``{"result": {"version": "1.4-standin"}}``;
- ``{"module": "kz.gov.pki.knca.basics", "method": "sign", "args": {"format": "cms", "data": <base64
  or list>, "signingParams": {"decode", "encapsulate", "digested"}, "signerParams": {...}, "locale"}}``
  answers ``{"status": true, "body": {"result": [<base64 CMS>, ...]}}``;
- with no key "inserted" it answers like a user who closed the dialog: ``{"status": true, "body": {}}``;
- anything else: ``{"status": false, "code": "500", "message": ...}``.

Where a person would choose a PKCS#12 file and type its password, the test calls ``use_key``.
Signing is real CMS (cryptography's PKCS7 builder, SHA-256, signed attributes), detached unless
``encapsulate`` is true, so the documents service verifies it like a NCALayer signature.
Plain ``ws://`` by default (the web client's NCALayer URL is configurable); ``--tls CERT KEY``
serves ``wss://``.

It runs as its own process (``python tests/browser/ncalayer_standin.py --state DIR``): the test
process is monkey-patched by eventlet, which does not mix with an asyncio server. The test
controls it through files in DIR: ``key.json`` (the inserted key) and reads ``requests.jsonl``."""
import argparse
import asyncio
import base64
import json
import ssl
import subprocess
import sys
import time
from pathlib import Path

import websockets
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7, pkcs12

MODULE = "kz.gov.pki.knca.basics"


def load_key(state: Path):
    """The key a person would pick in NCALayer's dialog: ``key.json`` = {path, password}."""
    try:
        conf = json.loads((state / "key.json").read_text())
    except (OSError, ValueError):
        return None
    if not conf:
        return None
    key, cert, _ = pkcs12.load_key_and_certificates(Path(conf["path"]).read_bytes(),
                                                     conf["password"].encode())
    return key, cert


def sign(key, cert, data_b64: str, encapsulate: bool, decode: bool = True) -> str:
    content = base64.b64decode(data_b64) if decode else data_b64.encode()
    # Binary: sign the bytes as they are (without it, S/MIME text canonicalization turns LF into CRLF)
    options = [pkcs7.PKCS7Options.Binary]
    if not encapsulate:
        options.append(pkcs7.PKCS7Options.DetachedSignature)
    der = (pkcs7.PKCS7SignatureBuilder().set_data(content)
           .add_signer(cert, key, hashes.SHA256())
           .sign(serialization.Encoding.DER, options))
    return base64.b64encode(der).decode()


def handle(state: Path, message: dict) -> dict:
    if message.get("module") != MODULE or message.get("method") != "sign":
        return {"status": False, "code": "500", "message": "unsupported module or method"}
    args = message.get("args") or {}
    if args.get("format", "cms") != "cms":
        return {"status": False, "code": "500", "message": "only CMS is supported by the stand-in"}
    loaded = load_key(state)
    if loaded is None:
        return {"status": True, "body": {}}  # the user closed the key dialog
    params = args.get("signingParams") or {}
    data = args.get("data")
    items = data if isinstance(data, list) else [data]
    try:
        result = [sign(*loaded, d, bool(params.get("encapsulate")), params.get("decode", True)) for d in items]
    except Exception as e:  # noqa: BLE001 - reported to the page like NCALayer does
        return {"status": False, "code": "500", "message": str(e)}
    return {"status": True, "body": {"result": result}}


async def serve(state: Path, host: str, port: int, tls):
    async def session(ws):
        await ws.send(json.dumps({"result": {"version": "1.4-standin"}}))
        async for raw in ws:
            try:
                message = json.loads(raw)
            except ValueError:
                await ws.send(json.dumps({"status": False, "code": "500", "message": "bad JSON"}))
                continue
            with open(state / "requests.jsonl", "a") as log:
                log.write(json.dumps(message) + "\n")
            await ws.send(json.dumps(handle(state, message)))

    context = None
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
    async with websockets.serve(session, host, port, ssl=context, max_size=64 * 1024 * 1024) as server:
        bound = server.sockets[0].getsockname()[1]
        (state / "port").write_text(str(bound))
        print(f"NCALayer stand-in on {'wss' if tls else 'ws'}://{host}:{bound}", flush=True)
        await asyncio.Future()


class NCALayerStandIn:
    """The test's handle on a stand-in process."""

    def __init__(self, state_dir: Path, host: str = "127.0.0.1"):
        self.state = Path(state_dir)
        self.host = host
        self.port = None
        self.proc = None

    def start(self) -> "NCALayerStandIn":
        self.state.mkdir(parents=True, exist_ok=True)
        for name in ("port", "key.json", "requests.jsonl"):
            (self.state / name).unlink(missing_ok=True)
        root = Path(__file__).resolve().parents[2]
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()),
                                      "--state", str(self.state), "--host", self.host],
                                     cwd=root, stdout=subprocess.DEVNULL,
                                     stderr=open(self.state / "standin.log", "ab"))
        deadline = time.monotonic() + 20
        while not (self.state / "port").exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the NCALayer stand-in did not start; see {self.state}/standin.log")
            time.sleep(0.05)
        self.port = int((self.state / "port").read_text())
        return self

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def use_key(self, p12_path, password: str):
        (self.state / "key.json").write_text(json.dumps({"path": str(p12_path), "password": password}))

    def remove_key(self):
        (self.state / "key.json").write_text("null")

    @property
    def requests(self) -> list[dict]:
        try:
            return [json.loads(line) for line in (self.state / "requests.jsonl").read_text().splitlines()]
        except OSError:
            return []

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    args = parser.parse_args()
    args.state.mkdir(parents=True, exist_ok=True)
    asyncio.run(serve(args.state, args.host, args.port, args.tls))


if __name__ == "__main__":
    main()
