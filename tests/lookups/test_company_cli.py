"""`flask company lookup NIP_OR_ICO [--country PL|CZ]`: JSON on stdout, errors on stderr with exit codes."""
from __future__ import annotations

import json

import pytest

from panel.cli_company import EXIT_INVALID, EXIT_NOT_FOUND, EXIT_REGISTER

from .conftest import searches


def _lookup(app, *args):
    return app.test_cli_runner().invoke(args=["company", "lookup", *args])


def test_found_nip_prints_the_company_as_json(app, registers, fake):
    result = _lookup(app, "PL 774-000-14-54")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "POLSKI KONCERN NAFTOWY ORLEN SPÓŁKA AKCYJNA"
    assert (data["country"], data["nip"], data["regon"], data["city"]) == ("PL", "7740001454", "610188201", "Płock")
    assert "raw" not in data
    assert searches(fake) == ["7740001454"]


def test_eight_digits_go_to_ares_and_raw_adds_the_whole_answer(app, registers, fake):
    result = _lookup(app, "26168685", "--raw")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["name"] == "Seznam.cz, a.s." and data["raw"]["ico"] == "26168685"
    assert searches(fake, "ARES") == ["26168685"]


@pytest.mark.parametrize("args, code, text", [
    (["7740001455"], EXIT_INVALID, "'7740001455': This NIP is not valid: its check digit does not match."),
    (["26168686", "--country", "CZ"], EXIT_INVALID, "This IČO is not valid: its check digit does not match."),
    (["1234563218"], EXIT_NOT_FOUND, "GUS: no company with NIP 1234563218"),
    (["2222222222"], EXIT_REGISTER, "GUS is not answering"),
    (["22222227", "--country", "cz"], EXIT_REGISTER, "ARES is not answering"),
])
def test_failures_exit_with_their_code_and_a_message_on_stderr(app, registers, args, code, text):
    result = _lookup(app, *args)
    assert result.exit_code == code
    assert text in result.stderr and result.stdout == ""


def test_a_refused_key_is_a_register_error(app, registers):
    app.config["GUS_API_KEY"] = "wrong-key-wrong-key1"
    result = _lookup(app, "7740001454")
    assert result.exit_code == EXIT_REGISTER and "refused the API key" in result.stderr
