"""Rules of the documents service as plain Python: file names, types, access."""
import re
import unicodedata

from pedatt_common.actor import Actor

TYPES = {  # short name → (MIME type, magic bytes, extensions)
    "pdf": ("application/pdf", (b"%PDF-",), (".pdf",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",), (".jpg", ".jpeg")),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",), (".png",)),
}
MIME_TO_TYPE = {mime: name for name, (mime, _, _) in TYPES.items()}
MIME_TO_TYPE["image/jpg"] = "jpeg"
READER_ROLES = ("director", "assessor", "org_admin")
MAX_FILENAME = 180

REJECT_MESSAGES = {
    "NOT_UPLOADED": "Файл не был загружен в хранилище",
    "EMPTY_FILE": "Файл пустой",
    "TOO_LARGE": "Файл больше допустимого размера",
    "SIZE_MISMATCH": "Размер загруженного файла больше заявленного",
    "TYPE_NOT_ALLOWED": "Недопустимый тип файла: разрешены PDF, JPEG и PNG",
    "TYPE_MISMATCH": "Содержимое файла не соответствует его типу или расширению",
}


def sanitize_filename(name: str | None) -> str:
    """The last path component, without control characters, reserved characters or leading dots."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*\x00]', "_", name).strip().lstrip(".").strip()
    if not name:
        name = "file"
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: MAX_FILENAME - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 \
            else name[:MAX_FILENAME]
    return name


def type_from_extension(filename: str) -> str | None:
    lower = filename.lower()
    for name, (_, _, exts) in TYPES.items():
        if lower.endswith(exts):
            return name
    return None


def declared_type(content_type: str | None, filename: str, allowed) -> str | None:
    """The short type the client claims: its MIME type if known, else the file extension."""
    ct = (content_type or "").split(";")[0].strip().lower()
    name = MIME_TO_TYPE.get(ct) or type_from_extension(filename)
    return name if name in allowed else None


def sniff(head: bytes) -> str | None:
    for name, (_, magics, _) in TYPES.items():
        if any(head.startswith(m) for m in magics):
            return name
    return None


def mime(type_name: str) -> str:
    return TYPES[type_name][0]


def can_read(actor: Actor, organization_id: str, owner_id: str) -> bool:
    if actor.is_platform_admin:
        return True
    if not actor.organization_id or actor.organization_id != organization_id:
        return False
    return actor.user_id == owner_id or actor.has_role(*READER_ROLES)
