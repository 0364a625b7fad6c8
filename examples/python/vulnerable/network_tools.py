"""Flask service exposing ping and DNS lookup helpers for an ops dashboard."""
import logging
import os
import subprocess

from flask import Flask, jsonify, request

app = Flask(__name__)
logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("nettools")


@app.route("/ping", methods=["POST"])
def ping():
    """Ping the host given in the JSON body and report whether it answered."""
    host = request.json.get("host", "")
    logger.info("Ping requested for host: " + host)  # expect: CWE-117
    status = os.system(f"ping -c 1 -W 2 {host} > /dev/null")  # expect: CWE-78
    return jsonify({"host": host, "reachable": status == 0})


@app.route("/lookup")
def lookup():
    """Run nslookup for the `name` query parameter and return its output."""
    name = request.args.get("name", "")
    record_type = request.args.get("type", "A")
    result = subprocess.run("nslookup -type=" + record_type + " " + name, shell=True, capture_output=True, text=True)  # expect: CWE-78
    return jsonify({"name": name, "output": result.stdout})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
