"""Channels: how a delivery reaches a person. Configured by name in ``NOTIFICATION_CHANNELS``.

A channel says whether it accepts a kind, what address a person has on it (``None``: none, the
delivery is recorded as skipped with a note) and sends one delivery. Transport trouble (server
down, timeout, 5xx) raises :class:`TransientError` — the row goes back to pending with a
backoff; a refusal that will not change (bad address, 4xx) raises :class:`PermanentError`.

``send(delivery, hand_over)``: a channel calls ``hand_over()`` just before the message itself
leaves (the SMTP DATA body, the webhook's request). From then on silence is not failure: a
timeout or a dropped connection raises :class:`UnconfirmedError` — the message may have
arrived, so it is never sent again on its own. ``hand_over()`` raises when this worker's claim
on the row has lapsed (another worker has it): nothing is sent then.

WeCom (企业微信) and DingTalk (钉钉) group robots: :mod:`chuangcheng.notifications.robots`. An SMS
gateway: another entry of class :class:`WebhookChannel` with its URL (a relay that speaks the
vendor's format), or a subclass of :class:`Channel`.
"""

import json
import smtplib
import urllib.error
import urllib.request

import environ
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _


class DeliveryError(Exception):
    """A send that did not happen; ``str(exc)`` is stored as the delivery's last error."""


class TransientError(DeliveryError):
    """Try again later (with backoff)."""


class PermanentError(DeliveryError):
    """Do not try again; an operator may resend after fixing the cause."""


class UnconfirmedError(DeliveryError):
    """The message was handed over but no answer came: it may have arrived. Not retried."""


def _no_hand_over():
    return None


class Channel:
    """Base channel. ``immediate`` channels complete inside the creating transaction."""

    immediate = False
    # One message per item to a group (a robot), not one per person: see services.deliveries_create.
    per_group = False

    def __init__(self, name, *, kinds=None, **options):
        self.name = name
        self.kinds = tuple(kinds) if kinds else None
        self.options = options

    def accepts(self, kind):
        return self.kinds is None or kind.startswith(self.kinds)

    def address(self, user):
        """The person's address on this channel, or ``None`` when they have none."""
        return ""

    def send(self, delivery, hand_over=_no_hand_over):
        raise NotImplementedError


class InAppChannel(Channel):
    """The bell: a :class:`~chuangcheng.notifications.models.Notice`, created with the delivery
    row in the same transaction (see ``services.deliveries_create``)."""

    immediate = True

    def deliver_now(self, deliveries):
        from .models import Notice

        notices = [
            Notice(recipient_id=d.recipient_id, title=d.title[:200], body=d.body, url=d.url, kind=d.kind)
            for d in deliveries
        ]
        return Notice.objects.bulk_create(notices, batch_size=1000)


def absolute(url):
    if url.startswith("/") and settings.SITE_URL:
        return settings.SITE_URL + url
    return url


# Attachment loaders by name: the apps above register theirs at ready() (reports: "briefing_pdf"),
# so a row names a loader, never a dotted path into a higher layer.
_LOADERS = {}


def register_attachment(name, loader):
    """``loader(*args) -> bytes`` builds the attachment called ``name`` at send time."""
    _LOADERS[name] = loader


def load_attachments(delivery):
    """Resolve each attachment's loader now (``{"loader", "args", "filename", "mimetype"}``):
    large files are produced at send time, never stored in the row."""
    files = []
    for spec in delivery.attachments or []:
        try:
            loader = _LOADERS[spec["loader"]]
        except KeyError:
            raise PermanentError(_("未注册的附件类型：%(n)s") % {"n": spec.get("loader")}) from None
        content = loader(*spec.get("args", []))
        files.append((spec["filename"], content, spec.get("mimetype") or "application/octet-stream"))
    return files


class _HandOverMixin:
    """smtplib.SMTP that calls ``before_body()`` just before the DATA body (the message itself)
    goes out: the DATA command is a ``str``, the body the only ``bytes`` sent in the data phase."""

    before_body = None
    _in_data = False

    def data(self, msg):
        self._in_data = True
        try:
            return super().data(msg)
        finally:
            self._in_data = False

    def send(self, s):
        if self._in_data and isinstance(s, bytes) and self.before_body is not None:
            before, self.before_body = self.before_body, None
            before()
        return super().send(s)


class _HandOverSMTP(_HandOverMixin, smtplib.SMTP):
    pass


class _HandOverSMTPSSL(_HandOverMixin, smtplib.SMTP_SSL):
    pass


class HandOverEmailBackend(SMTPBackend):
    """Django's SMTP backend whose connection reports the hand-over (``before_body``)."""

    before_body = None

    @property
    def connection_class(self):
        return _HandOverSMTPSSL if self.use_ssl else _HandOverSMTP

    def open(self):
        opened = super().open()
        if self.connection is not None:
            self.connection.before_body = self.before_body
        return opened


class EmailChannel(Channel):
    """Email through Django's mail backend (``EMAIL_*``), or the SMTP given as ``url``. Each
    copy of a delivery carries its Message-ID (``Delivery.message_id``)."""

    def address(self, user):
        return user.email or None

    def connection(self):
        url = self.options.get("url")
        if not url:
            backend = settings.EMAIL_BACKEND
            if backend == "django.core.mail.backends.smtp.EmailBackend":
                backend = f"{__name__}.HandOverEmailBackend"
            return get_connection(backend, timeout=settings.EMAIL_TIMEOUT)
        config = environ.Env.email_url_config(url)
        backend = config["EMAIL_BACKEND"]
        if backend == "django.core.mail.backends.smtp.EmailBackend":
            backend = f"{__name__}.HandOverEmailBackend"
        return get_connection(
            backend,
            host=config.get("EMAIL_HOST"),
            port=config.get("EMAIL_PORT"),
            username=config.get("EMAIL_HOST_USER"),
            password=config.get("EMAIL_HOST_PASSWORD"),
            use_tls=config.get("EMAIL_USE_TLS", False),
            use_ssl=config.get("EMAIL_USE_SSL", False),
            timeout=settings.EMAIL_TIMEOUT,
        )

    def send(self, delivery, hand_over=_no_hand_over):
        body = delivery.body
        if delivery.url:
            body = f"{body}\n\n{_('查看')}：{absolute(delivery.url)}".strip()
        connection = self.connection()
        handed = []

        def before_body():
            hand_over()
            handed.append(True)

        # Backends without a hand-over (console, locmem, file) deliver or fail on the spot.
        connection.before_body = before_body
        message = EmailMessage(
            subject=delivery.title,
            body=body,
            to=[delivery.address],
            connection=connection,
            headers={"X-Chuangcheng-Delivery": str(delivery.pk), "Message-ID": delivery.message_id},
        )
        for filename, content, mimetype in load_attachments(delivery):
            message.attach(filename, content, mimetype)
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentError(_("收件地址被拒收：%(e)s") % {"e": exc.recipients}) from exc
        except smtplib.SMTPResponseException as exc:  # the server answered with a refusal (4xx/5xx)
            raise TransientError(_("邮件服务器不可用：%(e)s") % {"e": repr(exc)}) from exc
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout
            if handed:
                raise UnconfirmedError(
                    _("邮件已交给服务器，但未收到确认（%(e)s）：可能已送达，不再自动重发。Message-ID %(id)s")
                    % {"e": repr(exc), "id": delivery.message_id}
                ) from exc
            raise TransientError(_("邮件服务器不可用：%(e)s") % {"e": repr(exc)}) from exc


class WebhookChannel(Channel):
    """A JSON POST to ``url`` per delivery (WeCom/DingTalk/SMS relays adapt it to the vendor).
    5xx, 429 and connection errors are retried; other 4xx answers are permanent."""

    def payload(self, delivery):
        user = delivery.recipient
        return {
            "delivery_id": delivery.pk,
            "kind": delivery.kind,
            "subject": delivery.subject_key,
            "window": delivery.window,
            "title": delivery.title,
            "body": delivery.body,
            "url": absolute(delivery.url),
            "recipient": {
                "username": user.username,
                "name": str(user),
                "email": user.email,
                "phone": getattr(user, "phone", ""),
            },
        }

    def send(self, delivery, hand_over=_no_hand_over):
        data = json.dumps(self.payload(delivery), ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **self.options.get("headers", {})}
        request = urllib.request.Request(self.options["url"], data=data, headers=headers, method="POST")
        hand_over()
        try:
            with urllib.request.urlopen(request, timeout=self.options.get("timeout", 10)) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            message = _("Webhook 返回 %(code)s") % {"code": exc.code}
            if exc.code >= 500 or exc.code == 429:
                raise TransientError(message) from exc
            raise PermanentError(message) from exc
        except urllib.error.URLError as exc:  # no connection: nothing was sent
            raise TransientError(_("Webhook 不可达：%(e)s") % {"e": repr(exc)}) from exc
        except (TimeoutError, OSError) as exc:  # the request went out, the answer did not come
            raise UnconfirmedError(
                _("Webhook 已发出请求但未收到应答（%(e)s）：可能已送达，不再自动重发。") % {"e": repr(exc)}
            ) from exc


def get_channel(name):
    """The configured channel ``name`` (KeyError when it is not configured). Cheap: built per use,
    so a settings change (or a test's override) takes effect at once."""
    options = dict(settings.NOTIFICATION_CHANNELS[name])
    return import_string(options.pop("class"))(name, **options)


def configured_channels():
    return [get_channel(name) for name in settings.NOTIFICATION_CHANNELS]
