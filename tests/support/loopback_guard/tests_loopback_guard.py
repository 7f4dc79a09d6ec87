"""The loopback-only guard, shared by the pytest process (conftest) and child processes (sitecustomize)."""

import socket

ALLOWED = ("127.0.0.1", "::1", "localhost")
_installed = []


class OffLoopbackConnection(OSError):
    """A test tried to connect somewhere other than 127.0.0.1."""


def install(socket_module=socket):
    """Patch socket.connect so that only loopback (and Unix sockets) can be reached. Idempotent."""
    if _installed:
        return
    original = socket_module.socket.connect
    original_ex = socket_module.socket.connect_ex

    def check(sock, address):
        if sock.family in (socket_module.AF_INET, socket_module.AF_INET6):
            host = address[0]
            if host not in ALLOWED:
                raise OffLoopbackConnection(
                    "test guard: refused a connection to %s:%s; tests may only reach 127.0.0.1 "
                    "(use the emulator's proxy)" % (host, address[1]))

    def connect(sock, address):
        check(sock, address)
        return original(sock, address)

    def connect_ex(sock, address):
        check(sock, address)
        return original_ex(sock, address)

    socket_module.socket.connect = connect
    socket_module.socket.connect_ex = connect_ex
    _installed.append(True)
