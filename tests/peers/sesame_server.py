"""A stand-in for the CDS Sesame service on 127.0.0.1, for tests (no network).

Usage: sesame_server.py PORT_FILE REQUESTS. Listens on a free port, writes it to PORT_FILE,
answers REQUESTS GET requests and exits. "/-oI/A?Sesame%20Test%20Star" gets a Sesame-style answer with a %J
line; any other name gets an answer without one (unknown). Also exits after 60 s.
"""
import http.server
import os
import sys
import urllib.parse

import local_server

KNOWN = {"Sesame Test Star": "%J 10.6846833 +41.2690650 = 00:42:44.32 +41:16:08.6"}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = urllib.parse.unquote(urllib.parse.urlparse(self.path).query)
        body = "# " + name + "\n#=Simbad: 1\n" + KNOWN.get(name, "#! *** Nothing found ***") + "\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


def main():
    server = local_server.start(Handler, sys.argv[1], 60)
    for _ in range(int(sys.argv[2])):
        server.handle_request()
    os._exit(0)


if __name__ == "__main__":
    main()
