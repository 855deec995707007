"""Passwords: who must change theirs, and the forms that set one.

**First sign-in.** A password someone else chose (the admin's 新增用户 or 重设密码) is good for
one sign-in: :attr:`User.must_change_password` is set, :mod:`chuangcheng.org.middleware` sends
the person to 修改密码 before any page and refuses API calls, and choosing a password of their
own (修改密码, or a 找回密码 link) clears it. The demo accounts of ``seed_demo`` are left
unflagged on purpose: their password is published in the README for trying the product.
"""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

# What a person reads when an API call is refused until the password is changed.
CHANGE_REQUIRED_MESSAGE = _("账号的初始密码须先修改：请登录网页版，按提示修改密码后再使用接口。")
CHANGE_REQUIRED_CODE = "password_change_required"


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
