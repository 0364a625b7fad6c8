"""Link preview service for a chat app: fetches a page and shows its title.

Fixed version: only https URLs on an allow-list of hosts are fetched, every
value put into the HTML is escaped, and TLS certificates are verified (the
partner's private CA bundle is configured instead of turning checks off).
"""
import html
import os
import re
from urllib.parse import urlparse

import requests
from flask import Flask, abort, request

app = Flask(__name__)
TITLE_RE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
PREVIEW_HOSTS = {"www.example.com", "docs.example.com", "news.example.org"}
PARTNER_CA_BUNDLE = os.environ.get("PARTNER_CA_BUNDLE", "/etc/ssl/certs/partner-ca.pem")


def allowed_preview_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.scheme != "https" or parsed.hostname not in PREVIEW_HOSTS or parsed.port not in (None, 443):
        abort(400, "URL not allowed")
    return "https://" + parsed.hostname + (parsed.path or "/")


@app.route("/preview")
def preview():
    """Fetch the `url` query parameter and render a small preview card."""
    url = allowed_preview_url(request.args.get("url", ""))
    response = requests.get(url, timeout=5, allow_redirects=False)
    match = TITLE_RE.search(response.text)
    title = match.group(1).strip() if match else "(no title)"
    return "<div class='card'><a href='{}'>{}</a></div>".format(
        html.escape(url, quote=True), html.escape(title)
    )


@app.route("/status")
def partner_status():
    """Ask the partner API whether it is up (its certificate is signed by a private CA)."""
    response = requests.get(
        "https://partner.internal.example/health", verify=PARTNER_CA_BUNDLE, timeout=5
    )
    return {"partner_up": response.ok}


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
