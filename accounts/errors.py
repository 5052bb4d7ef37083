"""Domain errors of the accounts app; facedetect.exceptions maps them to HTTP."""


class AccountError(Exception):
    http_status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AccountExists(AccountError):
    http_status = 409
    code = "account_exists"


class KeyNotFound(AccountError):
    http_status = 404
    code = "not_found"
