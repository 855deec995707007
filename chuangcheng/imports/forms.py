"""The upload form every import starts from; importers add their own options."""

from django import forms
from django.utils.translation import gettext_lazy as _

from chuangcheng.wording import join_list

MAX_BYTES = 20 * 1024 * 1024
ACCEPT = ".xlsx,.csv"


class UploadForm(forms.Form):
    """The file (checked for size and extension; the reader checks the bytes) and, in
    subclasses, the import's options. ``options()`` must return JSON-serialisable values."""

    accept = ACCEPT
    file = forms.FileField(label=_("文件"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["file"].widget.attrs.update({"accept": self.accept, "class": "form-control"})

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件超过 20 MB。"))
        extensions = tuple(self.accept.split(","))
        if not upload.name.lower().endswith(extensions):
            raise forms.ValidationError(
                _("请上传 %(types)s 文件。") % {"types": join_list(e.lstrip(".") for e in extensions)}
            )
        return upload

    def options(self):
        return {}
