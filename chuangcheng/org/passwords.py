"""Passwords: who must change theirs, the forms that set one, and the 找回密码 mail.

**First sign-in.** A password someone else chose (the admin's 新增用户 or 重设密码) is good for
one sign-in: :attr:`User.must_change_password` is set, :mod:`chuangcheng.org.middleware` sends
the person to 修改密码 before any page and refuses API calls, and choosing a password of their
own (修改密码, or a 找回密码 link) clears it. The demo accounts of ``seed_demo`` are left
unflagged on purpose: their password is published in the README for trying the product.

**找回密码 mail.** Django's :class:`~django.contrib.auth.forms.PasswordResetForm` sends in the
request, so a slow SMTP server would hold a web worker for up to ``EMAIL_TIMEOUT``. Here the
message is rendered in the request (the person's language, the link with this host) and handed
to the ``org.send_password_reset_mail`` job after the commit. When the broker cannot be reached
it is sent in the request after all, with a warning in the log: nothing is lost. The message
(with its one-time link) waits in the broker as it would in any mail queue.
"""

import logging
import uuid
from functools import partial

from django import forms
from django.contrib.auth import forms as auth_forms
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import loader
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What a person reads when an API call is refused until the password is changed.
CHANGE_REQUIRED_MESSAGE = _("账号的初始密码须先修改：请登录网页版，按提示修改密码后再使用接口。")
CHANGE_REQUIRED_CODE = "password_change_required"

# The web's hand-off to the broker waits this long per socket operation (connect, push).
BROKER_SOCKET_TIMEOUT = 0.5
BROKER_ERRORS = (KombuError, OSError, RedisError)


def must_change_password(user):
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "must_change_password", False))


# --- Forms -----------------------------------------------------------------------------------------


def _tabler(form):
    for field in form.fields.values():
        field.widget.attrs["class"] = "form-control"


class SetPasswordForm(auth_forms.SetPasswordForm):
    """找回密码's new password: the person chose it, so the first-sign-in flag goes."""

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """修改密码: the old password, a new one that differs from it; clears the first-sign-in flag."""

    error_messages = {
        **auth_forms.PasswordChangeForm.error_messages,
        "password_unchanged": _("新密码不能与原密码相同，请设置一个新的密码。"),
    }

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        _tabler(self)

    def clean_new_password1(self):
        password = self.cleaned_data.get("new_password1")
        if password and self.user.check_password(password):
            raise forms.ValidationError(self.error_messages["password_unchanged"], code="password_unchanged")
        return password

    def save(self, commit=True):
        self.user.must_change_password = False
        return super().save(commit=commit)


class AdminPasswordChangeForm(auth_forms.AdminPasswordChangeForm):
    """The admin's 修改密码 of another person: the password it sets is for one sign-in only.
    (``UserAdmin.user_change_password`` clears the flag again when admins set their own.)"""

    def save(self, commit=True):
        self.user.must_change_password = True
        return super().save(commit=commit)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """找回密码: the mail goes through a job after the commit (module docstring)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        message = reset_mail_render(
            subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name
        )
        transaction.on_commit(partial(reset_mail_enqueue, message))


# --- The 找回密码 mail ----------------------------------------------------------------------------


def reset_mail_render(
    subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
):
    """The message as JSON-safe data (what the job receives); ``id`` names it for the job."""
    subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
    html = loader.render_to_string(html_email_template_name, context) if html_email_template_name else ""
    return {
        "id": uuid.uuid4().hex,
        "user_id": context["user"].pk,
        "subject": subject,
        "body": loader.render_to_string(email_template_name, context),
        "html": html,
        "from_email": from_email,
        "to": [to_email],
    }


def reset_mail_send(message):
    """Send it now (SMTP errors propagate: the job retries them)."""
    email = EmailMultiAlternatives(message["subject"], message["body"], message["from_email"], message["to"])
    if message.get("html"):
        email.attach_alternative(message["html"], "text/html")
    email.send()


def reset_mail_enqueue(message):
    """Hand the message to the job: one connection attempt with short timeouts, no publish
    retries. A broker that cannot be reached costs this request about a second, then the mail
    is sent here instead (logged). Returns whether the job was queued."""
    from .jobs import send_password_reset_mail

    app = send_password_reset_mail.app
    options = {"socket_timeout": BROKER_SOCKET_TIMEOUT, "socket_connect_timeout": BROKER_SOCKET_TIMEOUT}
    try:
        with app.connection_for_write(transport_options=options) as connection:
            connection.ensure_connection(max_retries=0, timeout=1)
            send_password_reset_mail.apply_async(args=[message], retry=False, connection=connection)
    except BROKER_ERRORS as exc:
        logger.warning(
            "password reset mail for user %s: broker unavailable (%r), sending it in the request",
            message["user_id"],
            exc,
        )
        try:
            reset_mail_send(message)
        except OSError:  # smtplib's errors are OSErrors; Django's own form logs and goes on too
            logger.exception("password reset mail for user %s could not be sent", message["user_id"])
        return False
    return True
