"""Company directory: search employees in LDAP and show a greeting banner.

Fixed version: user values are escaped with ldap3's filter escaping before
they go into the search filter, and the banner is built with Markup.format,
which HTML-escapes its arguments. The bind password comes from the
environment.
"""
import os

from flask import Flask, jsonify, render_template_string, request
from ldap3 import ALL, Connection, Server
from ldap3.utils.conv import escape_filter_chars
from markupsafe import Markup

app = Flask(__name__)
LDAP_SERVER = Server("ldaps://ldap.corp.example", get_info=ALL)
BASE_DN = "ou=people,dc=corp,dc=example"

BANNER_TEMPLATE = "<html><body><div class='banner'>{{ banner }}</div></body></html>"


BIND_DN = "cn=svc-directory,ou=services,dc=corp,dc=example"


def ldap_connection() -> Connection:
    # The service account's password is provisioned by the deployment, not the code.
    return Connection(LDAP_SERVER, user=BIND_DN, password=os.environ["LDAP_BIND_PASSWORD"], auto_bind=True)


@app.route("/directory/search")
def search():
    """Find employees by user id and, optionally, department."""
    uid = escape_filter_chars(request.args.get("uid", ""))
    department = request.args.get("dept")
    conn = ldap_connection()
    if department:
        search_filter = "(&(uid={})(department={}))".format(uid, escape_filter_chars(department))
    else:
        search_filter = "(uid={})".format(uid)
    conn.search(BASE_DN, search_filter, attributes=["cn", "mail", "telephoneNumber"])
    people = [
        {"name": str(entry.cn), "mail": str(entry.mail), "phone": str(entry.telephoneNumber)}
        for entry in conn.entries
    ]
    conn.unbind()
    return jsonify(people)


@app.route("/welcome")
def welcome():
    """Greet the visitor by the name they typed on the landing page."""
    name = request.args.get("name", "guest")
    banner = Markup("Welcome back, <b>{}</b>!").format(name)
    return render_template_string(BANNER_TEMPLATE, banner=banner)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
