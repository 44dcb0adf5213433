"""The floor for bench.card_lookup and bench.quote: the smallest Flask app answering JSON, served the same way."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.get("/ping/<code>")
def ping(code: str):
    return jsonify(code=code)


@app.post("/echo")
def echo():
    """The floor of a JSON POST (bench.quote): parse the body, answer JSON."""
    body = request.get_json()
    return jsonify(lines=len(body.get("lines", ())))
