"""Flask service exposing ping and DNS lookup helpers for an ops dashboard.

Fixed version: commands run from argument lists without a shell, and the
host names are validated before they are used or logged.
"""
import logging
import re
import subprocess

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("nettools")

# A DNS name or an IPv4 address: letters, digits, dots and inner hyphens only.
HOSTNAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")
RECORD_TYPES = {"A", "AAAA", "MX", "NS", "TXT", "CNAME"}


def validated_host(value: str) -> str:
    if not isinstance(value, str) or not HOSTNAME_RE.fullmatch(value):
        abort(400, "invalid host name")
    return value


@app.route("/ping", methods=["POST"])
def ping():
    """Ping the host given in the JSON body and report whether it answered."""
    host = validated_host(request.json.get("host", ""))
    logger.info("Ping requested for host: %s", host)
    result = subprocess.run(
        ["ping", "-c", "1", "-W", "2", host],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=10,
        check=False,
    )
    return jsonify({"host": host, "reachable": result.returncode == 0})


@app.route("/lookup")
def lookup():
    """Run nslookup for the `name` query parameter and return its output."""
    name = validated_host(request.args.get("name", ""))
    record_type = request.args.get("type", "A")
    if record_type not in RECORD_TYPES:
        abort(400, "unsupported record type")
    result = subprocess.run(
        ["nslookup", "-type=" + record_type, name],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    return jsonify({"name": name, "output": result.stdout})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
