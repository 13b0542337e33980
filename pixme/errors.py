class ApplicationError(Exception):
    """The one error type services raise: ``message`` is written for the user to read.

    Pages show it as a form error or message, the API as ``{"detail": message, **extra}``,
    and the CLI prints it on one line and exits non-zero.
    """

    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
