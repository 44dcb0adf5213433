"""Business rules. Services validate, change objects and flush; the caller commits once (a
request in panel/transaction.py, a job in tenant_job, a CLI command itself)."""


class ServiceError(Exception):
    """A rule was broken; `message` is already in the user's language, `field` names the input.

    `details` are facts a program may act on (the API adds them to its error, e.g. card_taken's
    customer_id).
    """

    def __init__(self, message: str, field: str | None = None, code: str = "invalid", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.details = details or {}
