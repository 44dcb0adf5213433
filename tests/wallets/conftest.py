from ..api.conftest import jan, token_a, token_b  # noqa: F401  (the API's fixtures, for the wallet's API tests)
