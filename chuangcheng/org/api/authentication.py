"""API authentication that refuses people who must first change their password.

Session calls are refused by :class:`chuangcheng.org.middleware.PasswordChangeRequiredMiddleware`
before DRF; a token is read here, so a token call is refused here — the same 403, the same
message. Trading a password for a token (``/api/v1/auth/token/``) is refused too.
"""

from rest_framework import authentication, exceptions
from rest_framework.authtoken.serializers import AuthTokenSerializer

from ..passwords import CHANGE_REQUIRED_CODE, CHANGE_REQUIRED_MESSAGE, must_change_password


class PasswordChangeRequired(exceptions.PermissionDenied):
    """403 ``{"detail": …, "code": "password_change_required"}``."""

    def __init__(self):
        super().__init__({"detail": str(CHANGE_REQUIRED_MESSAGE), "code": CHANGE_REQUIRED_CODE})


def refuse_if_password_change_required(user):
    if must_change_password(user):
        raise PasswordChangeRequired()


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token …``, refused while the password must be changed."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        refuse_if_password_change_required(user)
        return user, token


class PasswordCheckedAuthTokenSerializer(AuthTokenSerializer):
    """Username and password → token, unless the password is the one someone else chose."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        refuse_if_password_change_required(attrs["user"])
        return attrs
