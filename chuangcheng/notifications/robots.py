"""Group robots of 企业微信 (WeCom) and 钉钉 (DingTalk): one message per item to the office's
group, @-mentioning by mobile number everyone it is for (``per_group``: the outbox writes one
row to send per item and marks the other recipients' rows 已在同一条群消息中提醒).

- WeCom: ``url`` is the robot's webhook (``…/cgi-bin/webhook/send?key=…``; the key is its only
  secret — WeCom robots have no signature).
- DingTalk: ``url`` is the robot's webhook (``…/robot/send?access_token=…``) and ``secret`` its
  加签 secret: each request carries ``timestamp`` (ms) and ``sign`` = Base64(HMAC-SHA256(secret,
  "timestamp\\nsecret")), URL-encoded, as DingTalk documents. Without a secret the robot must be
  set to keywords or an IP allow-list instead.

Both answer HTTP 200 with ``{"errcode": 0}`` on success. A non-zero errcode means the message
was *not* posted: the rate limits (WeCom 45009, DingTalk 130101) are retried with backoff, any
other code (bad key, bad signature, keyword mismatch) is permanent and shown in 投递记录.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

from django.utils.translation import gettext as _

from .channels import PermanentError, TransientError, UnconfirmedError, WebhookChannel, _no_hand_over, absolute

# Text messages are capped by the vendors (WeCom 2048 bytes, DingTalk 20000): stay well inside.
MAX_TEXT = 1800


class RobotChannel(WebhookChannel):
    per_group = True
    rate_limited = ()

    def address(self, user):
        """The mobile number to @-mention ("" when the person has none: the group still sees it)."""
        return (getattr(user, "phone", "") or "").strip()

    def text(self, delivery):
        parts = [delivery.title, delivery.body]
        if delivery.url:
            parts.append(f"{_('查看')}：{absolute(delivery.url)}")
        text = "\n".join(p for p in parts if p)
        return text[:MAX_TEXT]

    def mobiles(self, delivery):
        return [m for m in delivery.address.split(",") if m]

    def request_url(self):
        return self.options["url"]

    def send(self, delivery, hand_over=_no_hand_over):
        data = json.dumps(self.payload(delivery), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.request_url(), data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
        )
        hand_over()
        try:
            with urllib.request.urlopen(request, timeout=self.options.get("timeout", 10)) as response:
                raw = response.read()
        except urllib.error.HTTPError as exc:
            message = _("机器人接口返回 %(code)s") % {"code": exc.code}
            if exc.code >= 500 or exc.code == 429:
                raise TransientError(message) from exc
            raise PermanentError(message) from exc
        except urllib.error.URLError as exc:
            raise TransientError(_("机器人接口不可达：%(e)s") % {"e": repr(exc)}) from exc
        except (TimeoutError, OSError) as exc:
            raise UnconfirmedError(
                _("机器人接口已收到请求但未应答（%(e)s）：可能已发到群里，不再自动重发。") % {"e": repr(exc)}
            ) from exc
        try:
            answer = json.loads(raw.decode() or "{}")
        except ValueError as exc:
            raise UnconfirmedError(_("机器人接口的应答无法识别：%(r)s") % {"r": raw[:200]}) from exc
        code = answer.get("errcode", 0)
        if code:
            message = _("机器人拒收（errcode %(c)s：%(m)s）") % {"c": code, "m": answer.get("errmsg", "")}
            if code in self.rate_limited:
                raise TransientError(message)
            raise PermanentError(message)


class WeComRobotChannel(RobotChannel):
    """企业微信群机器人."""

    rate_limited = (45009,)

    def payload(self, delivery):
        return {
            "msgtype": "text",
            "text": {"content": self.text(delivery), "mentioned_mobile_list": self.mobiles(delivery)},
        }


class DingTalkRobotChannel(RobotChannel):
    """钉钉群机器人 (加签)."""

    rate_limited = (130101,)

    def payload(self, delivery):
        mobiles = self.mobiles(delivery)
        # DingTalk shows a mention only when the text carries "@<mobile>".
        mention = " ".join(f"@{m}" for m in mobiles)
        text = f"{self.text(delivery)}\n{mention}".strip()
        return {"msgtype": "text", "text": {"content": text}, "at": {"atMobiles": mobiles, "isAtAll": False}}

    def request_url(self, now=None):
        url, secret = self.options["url"], self.options.get("secret")
        if not secret:
            return url
        timestamp = str(round((now or time.time()) * 1000))
        sign = sign_dingtalk(secret, timestamp)
        joiner = "&" if "?" in url else "?"
        return f"{url}{joiner}timestamp={timestamp}&sign={sign}"


def sign_dingtalk(secret, timestamp):
    """DingTalk's 加签: URL-encoded Base64 of HMAC-SHA256 over "timestamp\\nsecret" keyed by secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))
