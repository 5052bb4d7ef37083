"""A stand-in for the few Elasticsearch endpoints the sink writes to, over real HTTP.

No Elasticsearch server runs on the test machines, so this fake answers at the edge: index
templates, bulk ``create`` (201, or 409 for an ``_id`` already in the index, as Elasticsearch
does), refresh, and delete-by-query on ``user_id``. As in Elasticsearch, delete-by-query
only sees documents that a refresh has made searchable. Searches are not faked: the
aggregation queries are checked as request bodies and recorded responses, and live against a
real server when ELASTICSEARCH_URL is set.
"""

from __future__ import annotations

import fnmatch
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HEADERS = {
    "Content-Type": "application/vnd.elasticsearch+json;compatible-with=8",
    "X-Elastic-Product": "Elasticsearch",
}


def free_port() -> int:
    """A TCP port nothing listens on (yet)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeElasticsearch:
    """Documents by index and ``_id``; templates by name; every bulk request seen."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.documents: dict[str, dict[str, dict]] = {}
        self.templates: dict[str, dict] = {}
        self.bulk_requests = 0
        self.searchable: set[tuple[str, str]] = set()  # (index, _id) refreshed since written
        self.delete_failures: list[dict] = []  # what the next delete-by-query reports
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> FakeElasticsearch:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _reply(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in HEADERS.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_GET(self) -> None:
                self._reply(200, {"name": "fake", "version": {"number": "8.15.0"}})

            def do_PUT(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                path, query = urlsplit(self.path).path, urlsplit(self.path).query
                body = self._body()
                if path.startswith("/_index_template/"):
                    fake.templates[path.rsplit("/", 1)[1]] = json.loads(body)
                    self._reply(200, {"acknowledged": True})
                elif path.endswith("/_bulk"):
                    self._reply(200, fake.bulk(body))
                elif path.endswith("/_refresh"):
                    fake.refresh(path.strip("/").split("/")[0])
                    self._reply(200, {"_shards": {"total": 1, "successful": 1, "failed": 0}})
                elif path.endswith("/_delete_by_query"):
                    pattern = path.strip("/").split("/")[0]
                    self._reply(200, fake.delete_by_query(pattern, json.loads(body)))
                    if "refresh=true" in query:  # after the delete, as Elasticsearch does
                        fake.refresh(pattern)
                else:
                    self._reply(404, {"error": {"type": "not_faked", "reason": path}})

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def bulk(self, body: bytes) -> dict:
        self.bulk_requests += 1
        lines = [json.loads(line) for line in body.splitlines() if line.strip()]
        items = []
        for action, document in zip(lines[::2], lines[1::2], strict=True):
            ((op, target),) = action.items()
            index = self.documents.setdefault(target["_index"], {})
            result = {"_index": target["_index"], "_id": target["_id"]}
            if op == "create" and target["_id"] in index:
                result |= {
                    "status": 409,
                    "error": {"type": "version_conflict_engine_exception", "reason": "exists"},
                }
            else:
                index[target["_id"]] = document
                result |= {"status": 201, "result": "created"}
            items.append({op: result})
        return {
            "took": 1,
            "errors": any(i[next(iter(i))]["status"] > 201 for i in items),
            "items": items,
        }

    def refresh(self, pattern: str) -> None:
        for name, documents in self.documents.items():
            if fnmatch.fnmatch(name, pattern):
                self.searchable.update((name, doc_id) for doc_id in documents)

    def delete_by_query(self, pattern: str, body: dict) -> dict:
        user_id = body["query"]["term"]["user_id"]
        deleted = 0
        for name, documents in self.documents.items():
            if not fnmatch.fnmatch(name, pattern):
                continue
            matching = [k for k, doc in documents.items() if doc.get("user_id") == user_id]
            for doc_id in matching:
                if (name, doc_id) in self.searchable:
                    del documents[doc_id]
                    self.searchable.discard((name, doc_id))
                    deleted += 1
        failures, self.delete_failures = self.delete_failures, []
        return {"took": 1, "deleted": deleted, "version_conflicts": 0, "failures": failures}

    def all_documents(self) -> dict[str, dict]:
        """Every stored document by ``_id``."""
        return {doc_id: doc for docs in self.documents.values() for doc_id, doc in docs.items()}
