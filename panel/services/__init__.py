"""Business rules. Services validate, change objects and flush; the caller commits once."""


class ServiceError(Exception):
    """A rule was broken; `message` is already in the user's language, `field` names the input."""

    def __init__(self, message: str, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
