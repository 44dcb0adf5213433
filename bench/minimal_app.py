"""The floor for bench.card_lookup: the smallest Flask app answering JSON, served the same way."""
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping/<code>")
def ping(code: str):
    return jsonify(code=code)
