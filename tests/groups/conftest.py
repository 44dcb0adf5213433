"""The API's fixtures (a pos token per tenant, Jan with a card) for the group tests too."""
from ..api.conftest import jan, token_a, token_b  # noqa: F401
