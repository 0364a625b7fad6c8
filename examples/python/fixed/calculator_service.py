"""Calculator micro-service with a small function library and a result page.

Fixed version: expressions are parsed with `ast` and evaluated by a
whitelisting interpreter, user code is never executed (only named library
functions can be called), and user text is passed to the template as data.
"""
import ast
import math
import operator

from flask import Flask, abort, jsonify, render_template_string, request

app = Flask(__name__)

RESULT_PAGE = """
<html><body>
<h1>Result for {{ expr }}</h1>
<p>{{ value }}</p>
</body></html>
"""

_BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Mod: operator.mod,
}
_UNARY_OPS = {ast.UAdd: operator.pos, ast.USub: operator.neg}
_MAX_EXPRESSION_LENGTH = 200

LIBRARY = {
    "sqrt": math.sqrt,
    "log10": math.log10,
    "square": lambda x: x * x,
}


def _evaluate(node: ast.AST) -> float:
    if isinstance(node, ast.Expression):
        return _evaluate(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
        return _BINARY_OPS[type(node.op)](_evaluate(node.left), _evaluate(node.right))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY_OPS:
        return _UNARY_OPS[type(node.op)](_evaluate(node.operand))
    raise ValueError("unsupported expression")


def safe_arithmetic(expression: str) -> float:
    """Evaluate +, -, *, /, % and parentheses over numbers; nothing else."""
    if len(expression) > _MAX_EXPRESSION_LENGTH:
        raise ValueError("expression too long")
    return _evaluate(ast.parse(expression, mode="eval"))


@app.route("/calc")
def calculate():
    """Evaluate an arithmetic expression such as `2 * (3 + 4)`."""
    expression = request.args.get("expr", "0")
    try:
        value = safe_arithmetic(expression)
    except (ValueError, SyntaxError, ZeroDivisionError):
        abort(400, "invalid expression")
    return jsonify({"expr": expression, "value": value})


@app.route("/calc/custom", methods=["POST"])
def custom_function():
    """Call one of the library functions with one numeric argument."""
    payload = request.get_json(force=True)
    func = LIBRARY.get(payload.get("name"))
    arg = payload.get("arg")
    if func is None or type(arg) not in (int, float):
        abort(400, "unknown function or bad argument")
    try:
        value = func(arg)
    except (ValueError, OverflowError):
        abort(400, "argument out of range")
    return jsonify({"value": value})


@app.route("/calc/page")
def result_page():
    """Render the result as an HTML page (Jinja2 escapes `expr`)."""
    expression = request.args.get("expr", "0")
    try:
        value = sum(float(part) for part in expression.split("+"))
    except ValueError:
        abort(400, "invalid expression")
    return render_template_string(RESULT_PAGE, expr=expression, value=value)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5050)
