"""Downloads against a local HTTP server on 127.0.0.1: Range resume, lock file, checksum mismatch, no refetch."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest

from longvid.data.download import ChecksumError, DownloadError, download, read_lock

PAYLOAD = bytes(range(256)) * 400  # 102,400 bytes


class Handler(http.server.BaseHTTPRequestHandler):
    requests: list = []
    cut_after: int | None = None  # drop the connection after this many bytes (first full request only)

    def do_GET(self):  # noqa: N802 (http.server API)
        rng = self.headers.get("Range")
        Handler.requests.append((self.path, rng))
        if self.path != "/data.bin":
            self.send_error(404)
            return
        start = int(rng.split("=")[1].rstrip("-")) if rng else 0
        body = PAYLOAD[start:]
        self.send_response(206 if rng else 200)
        self.send_header("Content-Length", str(len(body)))
        if rng:
            self.send_header("Content-Range", f"bytes {start}-{len(PAYLOAD) - 1}/{len(PAYLOAD)}")
        self.end_headers()
        if Handler.cut_after is not None and not rng:
            self.wfile.write(body[: Handler.cut_after])
            self.wfile.flush()
            self.connection.shutdown(2)  # simulated network failure mid-transfer
            return
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def server():
    Handler.requests, Handler.cut_after = [], None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_first_download_records_the_checksum_and_is_not_repeated(server, tmp_path):
    lock = tmp_path / "lock.json"
    url = server + "/data.bin"
    path = download(url, tmp_path / "d" / "data.bin", lock=lock)
    assert path.read_bytes() == PAYLOAD
    assert read_lock(lock)[url] == {"sha256": hashlib.sha256(PAYLOAD).hexdigest(), "size": len(PAYLOAD)}
    download(url, path, lock=lock)
    assert len(Handler.requests) == 1  # present and matching: never fetched again


def test_interrupted_download_resumes_with_range(server, tmp_path):
    url, dest = server + "/data.bin", tmp_path / "data.bin"
    Handler.cut_after = 30_000
    with pytest.raises(DownloadError):
        download(url, dest, lock=tmp_path / "lock.json")
    part = tmp_path / "data.bin.part"
    assert part.is_file() and 0 < part.stat().st_size < len(PAYLOAD) and not dest.exists()
    done = part.stat().st_size
    download(url, dest, sha256=hashlib.sha256(PAYLOAD).hexdigest(), lock=None)
    assert Handler.requests[-1] == ("/data.bin", f"bytes={done}-")
    assert dest.read_bytes() == PAYLOAD and not part.exists()


def test_checksum_mismatch(server, tmp_path):
    lock = tmp_path / "lock.json"
    url = server + "/data.bin"
    lock.write_text(json.dumps({url: {"sha256": "0" * 64, "size": 1}}))
    with pytest.raises(ChecksumError, match="does not match the pinned 0000"):
        download(url, tmp_path / "data.bin", lock=lock)
    assert not (tmp_path / "data.bin").exists() and not (tmp_path / "data.bin.part").exists()


def test_unreachable_and_missing_sources_name_url_and_manual_step(server, tmp_path):
    with pytest.raises(DownloadError, match=r"HTTP 404.*by hand.*nothing.bin"):
        download(server + "/nothing.bin", tmp_path / "nothing.bin", lock=None)
    with pytest.raises(DownloadError, match=r"http://127.0.0.1:9/x.zip: host cannot be reached.*by hand"):
        download("http://127.0.0.1:9/x.zip", tmp_path / "x.zip", lock=None, timeout=5)


def test_package_lock_file_is_well_formed():
    import re

    from longvid.data.download import LOCK_FILE
    from longvid.data.taichi import METADATA_URL

    entries = read_lock(LOCK_FILE)
    assert METADATA_URL in entries  # pinned from the repository at commit ac40aac (file unchanged since 2019)
    for url, entry in entries.items():
        assert url.startswith("https://") and re.fullmatch(r"[0-9a-f]{64}", entry["sha256"]) and entry["size"] > 0
