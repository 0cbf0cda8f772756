"""Short forms of a message, for the demo models' robustness to length and form (issue #18).

A classifier text is "Subject: <subject>\\n\\n<body>" (corpus.classifier_text). People type far
shorter things: a subject line alone, a body without a subject, a sentence or two. Each form is
derived from one message only, so a message's forms stay in its split (nothing of a test message
leaks into training). Deterministic: the same message gives the same forms.
"""

import hashlib
import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
MAX_CUT_OUT_CHARS = 240
MIN_FORM_CHARS = 12


def split_text(text: str) -> tuple[str, str]:
    """The subject and the body of a classifier text."""
    head, _, body = text.partition("\n\n")
    subject = head[len("Subject:"):].strip() if head.startswith("Subject:") else ""
    return subject, body.strip()


def sentences(body: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(body) if len(s.strip()) >= MIN_FORM_CHARS]


def short_forms(message_id: str, text: str) -> list[tuple[str, str]]:
    """(form, text) pairs: subject (the subject line alone), body (the body without its subject),
    first (its first sentence or two, at most 240 characters) and inner (a sentence or two from
    further in, chosen by the message id's hash). Forms shorter than 12 characters are left out."""
    subject, body = split_text(text)
    forms = []
    if len(subject) >= MIN_FORM_CHARS:
        forms.append(("subject", subject))
    if len(body) >= MIN_FORM_CHARS and body != subject:
        forms.append(("body", body))
    parts = sentences(body)
    if parts:
        forms.append(("first", _cut(parts, 0)))
    if len(parts) > 2:
        start = 1 + int(hashlib.sha256(message_id.encode()).hexdigest(), 16) % (len(parts) - 1)
        forms.append(("inner", _cut(parts, start)))
    return forms


def _cut(parts: list[str], start: int) -> str:
    cut = parts[start]
    if start + 1 < len(parts) and len(cut) + 1 + len(parts[start + 1]) <= MAX_CUT_OUT_CHARS:
        cut += " " + parts[start + 1]
    return cut[:MAX_CUT_OUT_CHARS]


def with_forms(rows: list[dict], keep_whole: bool = True) -> list[dict]:
    """Rows ({"id", "label", "text"}) each followed by its short forms as rows {"id", "form",
    "label", "text"} (same id and label); keep_whole=False: the forms only. The whole row's form
    is "full"."""
    out = []
    for row in rows:
        if keep_whole:
            out.append({"id": row["id"], "form": "full", "label": row["label"], "text": row["text"]})
        out += [{"id": row["id"], "form": form, "label": row["label"], "text": text}
                for form, text in short_forms(row["id"], row["text"])]
    return out
