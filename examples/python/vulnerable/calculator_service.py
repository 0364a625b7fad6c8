"""Calculator micro-service with a tiny plugin hook and a result page."""
from flask import Flask, jsonify, render_template_string, request

app = Flask(__name__)

RESULT_PAGE = """
<html><body>
<h1>Result for {expr}</h1>
<p>{{{{ value }}}}</p>
</body></html>
"""


@app.route("/calc")
def calculate():
    """Evaluate an arithmetic expression such as `2 * (3 + 4)`."""
    expression = request.args.get("expr", "0")
    value = eval(expression)  # expect: CWE-95, CWE-94
    return jsonify({"expr": expression, "value": value})


@app.route("/calc/custom", methods=["POST"])
def custom_function():
    """Let power users define a helper function and call it with one argument."""
    payload = request.get_json(force=True)
    namespace = {}
    exec(payload["source"], namespace)  # expect: CWE-95, CWE-94
    func = namespace[payload["name"]]
    return jsonify({"value": func(payload["arg"])})


@app.route("/calc/page")
def result_page():
    """Render the result as an HTML page."""
    expression = request.args.get("expr", "0")
    value = sum(float(part) for part in expression.split("+"))
    page = RESULT_PAGE.format(expr=expression)
    return render_template_string(page, value=value)  # expect: CWE-1336, CWE-94


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5050)
