"""`flask company lookup`: ask GUS (PL) or ARES (CZ) for a company."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

company_cli = AppGroup("company", help="Company registers (GUS REGON, ARES).")

# Exit codes, for scripts: click itself uses 2 for bad usage, which an invalid number is too.
EXIT_INVALID, EXIT_NOT_FOUND, EXIT_REGISTER = 2, 3, 4


@company_cli.command("lookup")
@click.argument("number")
@click.option("--country", type=click.Choice(["PL", "CZ"], case_sensitive=False),
              help="PL: NIP in GUS, CZ: IČO in ARES. Default: guessed from the number (10 digits: NIP).")
@click.option("--raw", is_flag=True, help="Include the register's whole answer.")
def lookup(number: str, country: str | None, raw: bool) -> None:
    """Print the company with this NIP (PL) or IČO (CZ) as JSON.

    Exit codes: 0 found, 2 invalid number, 3 not found, 4 register unavailable, key refused
    or an answer not understood. Uses GUS_URL, GUS_API_KEY and ARES_URL, and the shared cache.
    """
    from .registers import (
        CompanyNotFound,
        InvalidIdentifier,
        RegisterAuthError,
        RegisterProtocolError,
        RegisterUnavailable,
    )
    from .services import lookups

    country = (country or lookups.guess_country(number)).upper()
    register = lookups.register_name(country)
    try:
        record = lookups.fetch_company(country, lookups.normalize(country, number))
    except InvalidIdentifier as e:
        _fail(EXIT_INVALID, f"{number!r}: {lookups.identifier_message(e.code)} ({e.code})")
    except CompanyNotFound:
        _fail(EXIT_NOT_FOUND, f"{register}: no company with {'IČO' if country == 'CZ' else 'NIP'} {number}")
    except RegisterAuthError as e:
        _fail(EXIT_REGISTER, f"{register} refused the API key (check GUS_API_KEY and GUS_URL): {e}")
    except RegisterUnavailable as e:
        _fail(EXIT_REGISTER, f"{register} is not answering; try again later ({e})")
    except RegisterProtocolError as e:
        _fail(EXIT_REGISTER, f"{register} answered something unexpected: {e}")
    data = record.to_dict() if raw else lookups.company_data(record)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _fail(code: int, message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    click.get_current_context().exit(code)
