"""Shared start-up of the tests' stand-in HTTP services (sesame_server.py, nova_server.py).

start(handler, port_file, lifetime_s): listens on a free port of 127.0.0.1, writes the port to
port_file atomically (the test polls for it), and ends the process after lifetime_s seconds
whatever happens, so that no server outlives its test.
"""
import http.server
import os
import threading


def start(handler, port_file, lifetime_s):
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Timer(lifetime_s, lambda: os._exit(0)).start()
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    return server
