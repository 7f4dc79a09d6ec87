"""Run the emulated ServiceNow fleet and Atlassian Cloud in the foreground:

    .venv/bin/python -m tests.emulator --instance dev1 --site acme

It listens on 127.0.0.1 (``--port``, 8443 by default; 0 picks a free one), generates a throw-away CA for the run
(``--tls-dir``), and prints how to point clients at it: the proxy URL (clients keep the real host names
https://dev1.service-now.com, https://acme.atlassian.net, https://api.atlassian.com) and the CA file to trust.
Everything else (more instances, users, tokens, apps, consent clicks, faults) goes through the control API under
``/_emulator/`` (see tests/emulator/server.py and the applications' control modules; README.md, "Try it on the
emulator", gets an API token and OAuth apps from it with curl). Ctrl-C stops it.
"""

import argparse
import json
import os
import signal
import sys
import tempfile

from . import certs
from .atlassian import AtlassianCloud
from .server import EmulatorServer
from .servicenow import ServiceNowFleet


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.emulator", description=__doc__.split("\n\n", maxsplit=1)[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8443, help="port on 127.0.0.1 (0: a free one; default 8443)")
    parser.add_argument("--tls-dir", help="where to write the generated CA and certificate (default: a temp dir)")
    parser.add_argument("--no-tls", action="store_true", help="plain HTTP only (no CONNECT proxying of https)")
    parser.add_argument("--db", default=":memory:", help="SQLite file for the ServiceNow data (default: memory)")
    parser.add_argument("--instance", action="append", default=[], metavar="NAME",
                        help="create a ServiceNow instance NAME (NAME.service-now.com); repeatable")
    parser.add_argument("--site", action="append", default=[], metavar="NAME",
                        help="create a Jira Cloud site NAME (NAME.atlassian.net); repeatable")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--ready-file", help="write {port, proxy_url, ca_path} as JSON here once listening")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    tls = None
    if not args.no_tls:
        tls = certs.generate(args.tls_dir or tempfile.mkdtemp(prefix="snowspoke-emulator-tls-"))
    fleet = ServiceNowFleet(db_path=args.db)
    cloud = AtlassianCloud()
    server = EmulatorServer([fleet, cloud], tls=tls, port=args.port, latency=args.latency)
    for name in args.instance:
        fleet.add_instance(name)
    for name in args.site:
        cloud.add_site(name)

    print("snowspoke emulator listening on 127.0.0.1:%d" % server.port)
    print("  clients: export HTTPS_PROXY=%s HTTP_PROXY=%s NO_PROXY=" % (server.proxy_url, server.proxy_url))
    if tls:
        print("           export SN_CA_PATH=%s JIRA_CA_PATH=%s" % (tls.ca_path, tls.ca_path))
    for instance in fleet.instances():
        print("  ServiceNow %s  admin / %s" % (instance.url, instance.admin_password))
    for site in cloud.sites:
        print("  Jira Cloud %s  cloud id %s" % (site.url, site.cloud_id))
    print("  controls: %s/_emulator/health, .../servicenow/instances, .../atlassian/sites, .../log, .../faults"
          % server.base_url)
    sys.stdout.flush()
    if args.ready_file:
        with open(args.ready_file + ".tmp", "w", encoding="utf-8") as handle:
            json.dump({"port": server.port, "proxy_url": server.proxy_url, "base_url": server.base_url,
                       "ca_path": tls.ca_path if tls else None, "pid": os.getpid()}, handle)
        os.replace(args.ready_file + ".tmp", args.ready_file)

    def stop(_signum, _frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
