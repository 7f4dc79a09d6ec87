"""Tiny servers on 127.0.0.1 that misbehave on purpose at the socket level, for the transport's failure tests.

``RawServer(behaviour)`` accepts connections and hands each to ``behaviour(connection)``, a function that reads
and writes the raw socket (helpers below: read a request, answer with cut bodies, close, reset). ``TunnelProxy``
is an HTTP CONNECT proxy that answers each CONNECT as told and, when it opens the tunnel, pipes it to a target
address (for example a RawServer wrapped in TLS), so a test can tell a proxy failure from a remote one.
Every server stops by itself when the test closes it, and each connection's handler is bounded in time.
"""

import socket
import ssl
import struct
import threading


def read_request(connection, limit=65536):
    """Read one HTTP request head (and a Content-Length body); returns the head as text ('' when the peer left)."""
    data = b""
    connection.settimeout(5)
    while b"\r\n\r\n" not in data and len(data) < limit:
        try:
            chunk = connection.recv(4096)
        except (OSError, ssl.SSLError):
            return ""
        if not chunk:
            return data.decode("latin-1")
        data += chunk
    head, _sep, rest = data.partition(b"\r\n\r\n")
    text = head.decode("latin-1")
    for line in text.split("\r\n")[1:]:
        name, _colon, value = line.partition(":")
        if name.strip().lower() == "content-length":
            missing = int(value.strip() or 0) - len(rest)
            while missing > 0:
                chunk = connection.recv(min(missing, 4096))
                if not chunk:
                    break
                missing -= len(chunk)
    return text


def reset(connection):
    """Close with an RST instead of a FIN (SO_LINGER 0)."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


class RawServer:
    """Accept connections on 127.0.0.1 (optionally TLS with ``tls``, a certs.TLSMaterial) and run ``behaviour``."""

    def __init__(self, behaviour, tls=None):
        self.behaviour = behaviour
        self.context = None
        if tls is not None:
            self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.context.load_cert_chain(tls.cert_path, tls.key_path)
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]  # kept: a test may use the port after closing (refused)
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.context else "http", self.port)

    def _serve(self):
        while not self._stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(connection,), daemon=True).start()

    def _handle(self, connection):
        try:
            if self.context is not None:
                connection.settimeout(5)
                connection = self.context.wrap_socket(connection, server_side=True)
            self.behaviour(connection)
        except (OSError, ssl.SSLError):
            pass
        finally:
            try:
                connection.close()
            except OSError:
                pass

    def close(self):
        self._stop.set()
        self.listener.close()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class TunnelProxy(RawServer):
    """A CONNECT proxy: ``answer`` is the status line it gives (``200 Connection established`` opens a tunnel to
    ``target``, a (host, port); anything else is sent and the connection closed); ``answer=None`` closes without a
    word. ``requests_seen`` lists the request lines it got."""

    def __init__(self, target=None, answer="200 Connection established"):
        self.target = target
        self.answer = answer
        self.requests_seen = []
        super().__init__(self._proxy)

    def _proxy(self, connection):
        head = read_request(connection)
        self.requests_seen.append(head.split("\r\n", 1)[0])
        if self.answer is None:
            return
        connection.sendall(("HTTP/1.1 %s\r\nContent-Length: 0\r\n\r\n" % self.answer).encode("latin-1"))
        if not self.answer.startswith("200") or self.target is None:
            return
        upstream = socket.create_connection(self.target, timeout=5)
        connection.settimeout(10)
        upstream.settimeout(10)
        back = threading.Thread(target=_pipe, args=(upstream, connection), daemon=True)
        back.start()
        _pipe(connection, upstream)
        back.join(10)
        upstream.close()
