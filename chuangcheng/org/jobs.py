"""Celery jobs of the org app (thin)."""

from celery import shared_task
from django.core.cache import cache
from redis.exceptions import RedisError

from . import passwords

# After an SMTP failure: try again after these many seconds, then give up (logged by Celery).
RESET_MAIL_RETRY_DELAYS = [30, 120, 600, 1800]
RESET_MAIL_SENT_SECONDS = 60 * 60 * 24


@shared_task(name="org.send_password_reset_mail", bind=True, max_retries=len(RESET_MAIL_RETRY_DELAYS))
def send_password_reset_mail(self, message):
    """Send a 找回密码 mail rendered by the web (:func:`chuangcheng.org.passwords.reset_mail_render`).

    Once per message: its ``id`` is claimed in the cache before sending, so a redelivered
    message is not sent twice (without a cache it is sent — better twice than never)."""
    key = f"org:reset-mail:{message['id']}"
    try:
        if not cache.add(key, 1, RESET_MAIL_SENT_SECONDS):
            return "already sent"
    except RedisError:
        pass
    try:
        passwords.reset_mail_send(message)
    except OSError as exc:  # SMTP down, refusing or timing out (smtplib's errors are OSErrors)
        try:
            cache.delete(key)
        except RedisError:
            pass
        delay = RESET_MAIL_RETRY_DELAYS[min(self.request.retries, len(RESET_MAIL_RETRY_DELAYS) - 1)]
        raise self.retry(exc=exc, countdown=delay) from exc
    return "sent"
