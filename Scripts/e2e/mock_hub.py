"""A local server that answers like the Hugging Face Hub's resolve endpoint, for e2e-hub.sh.

    python mock_hub.py PORT_FILE FOLDER=REPO...

Serves each FOLDER's files as repository REPO at one commit: `.safetensors` files as LFS
files (302 to /cdn/<sha256>, X-Linked-Etag, X-Linked-Size), others with a git-style ETag;
HEAD and GET, `Range: bytes=N-` on /cdn. Writes the port it listens on to PORT_FILE.
"""
import hashlib
import http.server
import os
import sys

COMMIT = "89abcdef0123456789abcdef0123456789abcdef"
FILES = {}  # (repo, name) -> bytes
BLOBS = {}  # sha256 -> bytes


class Hub(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.answer(head=True)

    def do_GET(self):
        self.answer(head=False)

    def send(self, status, headers, body, head):
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def answer(self, head):
        path = self.path.split("?")[0]
        if path.startswith("/cdn/"):
            data = BLOBS.get(path[5:])
            if data is None:
                return self.send(404, {}, b"", head)
            start = 0
            rng = self.headers.get("Range", "")
            if rng.startswith("bytes=") and rng.endswith("-"):
                start = int(rng[6:-1])
            return self.send(206 if start else 200, {}, data[start:], head)
        if "/resolve/" not in path:
            return self.send(404, {}, b"", head)
        repo, rest = path[1:].split("/resolve/", 1)
        name = rest.split("/", 1)[1]
        data = FILES.get((repo, name))
        if data is None:
            known = any(r == repo for r, _ in FILES)
            return self.send(404, {"X-Error-Code": "EntryNotFound" if known else "RepositoryNotFound"}, b"", head)
        sha = hashlib.sha256(data).hexdigest()
        headers = {"X-Repo-Commit": COMMIT}
        if name.endswith(".safetensors"):
            headers.update({"X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(data)),
                            "ETag": f'"{sha[:40]}"',
                            # To another host, as the Hub's storage redirects are: clients
                            # follow same-host redirects of a HEAD, not this one.
                            "Location": f"http://localhost:{self.server.server_address[1]}/cdn/{sha}"})
            return self.send(302, headers, b"", head)
        headers["ETag"] = '"%s"' % hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        return self.send(200, headers, data, head)


def main():
    port_file = sys.argv[1]
    for spec in sys.argv[2:]:
        folder, repo = spec.split("=", 1)
        for name in os.listdir(folder):
            path = os.path.join(folder, name)
            if os.path.isfile(path):
                data = open(path, "rb").read()
                FILES[(repo, name)] = data
                BLOBS[hashlib.sha256(data).hexdigest()] = data
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(port_file + ".tmp", port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
