"""Company directory: search employees in LDAP and show a greeting banner."""
from flask import Flask, jsonify, render_template_string, request
from ldap3 import ALL, Connection, Server
from markupsafe import Markup

app = Flask(__name__)
LDAP_SERVER = Server("ldaps://ldap.corp.example", get_info=ALL)
BASE_DN = "ou=people,dc=corp,dc=example"

BANNER_TEMPLATE = "<html><body><div class='banner'>{{ banner }}</div></body></html>"


BIND_DN = "cn=svc-directory,ou=services,dc=corp,dc=example"


def ldap_connection() -> Connection:
    return Connection(LDAP_SERVER, user=BIND_DN, password="Dir3ctory!Svc2024", auto_bind=True)  # expect: CWE-798, CWE-259


@app.route("/directory/search")
def search():
    """Find employees by user id or department."""
    uid = request.args.get("uid", "")
    department = request.args.get("dept", "*")
    conn = ldap_connection()
    search_filter = "(&(uid=" + uid + ")(department=" + department + "))"
    conn.search(BASE_DN, search_filter, attributes=["cn", "mail", "telephoneNumber"])  # expect: CWE-90
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
    banner = Markup(f"Welcome back, <b>{name}</b>!")  # expect: CWE-79
    return render_template_string(BANNER_TEMPLATE, banner=banner)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
