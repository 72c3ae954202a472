"""A stand-in for nova.astrometry.net's JSON API on 127.0.0.1, for tests (no network).

Usage: nova_server.py PORT_FILE WCS_FILE RDLS_FILE LOG_FILE. Listens on a free port, writes it
to PORT_FILE, logs every request (method, path, request-json) as a JSON line to LOG_FILE, and
exits after 120 s. The API key ("key-" + a mode) picks the behaviour of the whole exchange:
  good      success, after one HTTP 500 on the submission status and a job that is first
            "solving"; wcs_file and rdls_file are the given files
  failing   the job fails
  slow      the job never ends
  garbled   the login reply is not JSON
  broken    every login answers HTTP 500
  other     login refused ({"status": "error"})
"""
import http.server
import json
import sys
import urllib.parse

import local_server

MODES = ["good", "failing", "slow", "garbled", "broken"]
calls = {}


def count(key):
    calls[key] = calls.get(key, 0) + 1
    return calls[key]


class Handler(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body, kind="application/json"):
        data = body if isinstance(body, bytes) else body.encode()
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log(self, method, request):
        with open(sys.argv[4], "a") as f:
            f.write(json.dumps({"method": method, "path": self.path, "request": request}) + "\n")

    def do_POST(self):
        form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        request = json.loads(form["request-json"][0])
        self.log("POST", request)
        if self.path == "/api/login":
            mode = request.get("apikey", "").removeprefix("key-")
            if mode == "garbled":
                return self.reply(200, "<html>Service temporarily unavailable</html>", "text/html")
            if mode == "broken":
                return self.reply(500, "oops", "text/plain")
            if mode not in MODES:
                return self.reply(200, json.dumps({"status": "error", "errormessage": "bad apikey"}))
            return self.reply(200, json.dumps({"status": "success", "session": mode}))
        if self.path == "/api/url_upload":
            subid = MODES.index(request["session"]) + 1
            return self.reply(200, json.dumps({"status": "success", "subid": subid}))
        self.reply(404, "{}")

    def do_GET(self):
        self.log("GET", None)
        parts = self.path.strip("/").split("/")
        if parts[:2] == ["api", "submissions"]:
            subid = int(parts[2])
            n = count(self.path)
            if MODES[subid - 1] == "good" and n == 1:
                return self.reply(500, "busy", "text/plain")
            return self.reply(200, json.dumps({"jobs": [] if n <= 2 else [100 + subid]}))
        if parts[:2] == ["api", "jobs"]:
            mode = MODES[int(parts[2]) - 101]
            n = count(self.path)
            status = {"good": "solving" if n == 1 else "success", "failing": "failure"}.get(mode, "solving")
            return self.reply(200, json.dumps({"status": status}))
        if parts[0] in ("wcs_file", "rdls_file"):
            with open(sys.argv[2] if parts[0] == "wcs_file" else sys.argv[3], "rb") as f:
                return self.reply(200, f.read(), "application/fits")
        self.reply(404, "{}")

    def log_message(self, *args):
        pass


def main():
    local_server.start(Handler, sys.argv[1], 120).serve_forever()


if __name__ == "__main__":
    main()
