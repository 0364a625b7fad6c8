"""Link preview service for a chat app: fetches a page and shows its title."""
import re

import requests
from flask import Flask, request

app = Flask(__name__)
TITLE_RE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)


@app.route("/preview")
def preview():
    """Fetch the `url` query parameter and render a small preview card."""
    url = request.args.get("url", "")
    response = requests.get(url, timeout=5)  # expect: CWE-918
    match = TITLE_RE.search(response.text)
    title = match.group(1).strip() if match else "(no title)"
    return f"<div class='card'><a href='{url}'>{title}</a></div>"  # expect: CWE-79


@app.route("/status")
def partner_status():
    """Ask the partner API whether it is up (it uses a self-signed certificate)."""
    response = requests.get("https://partner.internal.example/health", verify=False, timeout=5)  # expect: CWE-295
    return {"partner_up": response.ok}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
