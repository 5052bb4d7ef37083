"""Reading a report email back from its raw bytes, shared by the report email tests."""

from __future__ import annotations

import email
import re
from dataclasses import dataclass
from email import policy


@dataclass
class ReportMail:
    subject: str
    to: str
    tree: list  # content types, nested like the MIME parts
    text: str
    html: str
    images: dict[str, bytes]  # Content-ID (no brackets): PNG bytes
    inline: set[str]  # Content-IDs whose part is Content-Disposition: inline
    csv_name: str
    csv: str

    @property
    def cid_references(self) -> set[str]:
        """The cid: URLs the HTML shows."""
        return set(re.findall(r'src="cid:([^"]+)"', self.html))


def parse_report_mail(raw: bytes) -> ReportMail:
    """The parts of a report email."""
    message = email.message_from_bytes(raw, policy=policy.default)
    found = {"text": "", "html": "", "images": {}, "inline": set(), "csv_name": "", "csv": ""}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and not part.get_filename():
            found["text"] = part.get_content()
        elif kind == "text/html":
            found["html"] = part.get_content()
        elif kind == "image/png":
            cid = part["Content-ID"].strip("<>")
            found["images"][cid] = part.get_content()
            if part.get_content_disposition() == "inline":
                found["inline"].add(cid)
        elif kind == "text/csv":
            assert part.get_content_disposition() == "attachment"
            found["csv_name"], found["csv"] = part.get_filename(), part.get_content()
    return ReportMail(
        subject=str(message["Subject"]), to=str(message["To"]), tree=_tree(message), **found
    )


def _tree(part) -> list | str:
    if part.is_multipart():
        return [part.get_content_type(), [_tree(p) for p in part.iter_parts()]]
    return part.get_content_type()
