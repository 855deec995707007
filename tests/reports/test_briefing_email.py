"""The weekly briefing by email, end to end: built as a draft (not sent), published and queued
through the outbox in the same transaction, sent by the delivery job to a real SMTP server on localhost (aiosmtpd); the PDF
attached to the message carries the ranking — its text is extracted and read."""

import io

import pytest
from pypdf import PdfReader

from chuangcheng.notifications import jobs
from chuangcheng.reports import outputs
from chuangcheng.reports.briefings import briefing_build, briefing_publish, briefing_subscribers
from tests.notifications.conftest import email_to, smtp_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


def test_weekly_briefing_reaches_its_subscribers_with_the_ranking_in_the_pdf(
    campaign,
    world,
    people,
    smtp_server,  # noqa: F811
    email_to,  # noqa: F811
):
    if outputs.pdf_problem():
        pytest.skip(outputs.pdf_problem())
    email_to(smtp_server.url)
    draft, created = briefing_build(campaign=campaign, kind="weekly", day=world.monday)
    assert created
    assert jobs.deliver_due.apply().get() == 0  # a draft goes to nobody
    briefing = briefing_publish(actor=people.supervisor, briefing_id=draft.pk, requirements="各单位对照清单整改。")

    assert jobs.deliver_due.apply().get() >= 1
    subscribers = [u for u in briefing_subscribers(briefing) if u.email]
    assert subscribers
    for user in subscribers:
        assert len(smtp_server.mailbox.to(user.email)) == 1, user
    [message] = smtp_server.mailbox.to(people.head.email)
    [pdf] = [p for p in message.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"{briefing.document_number}.pdf"
    pages = PdfReader(io.BytesIO(pdf.get_content())).pages
    text = "".join(page.extract_text() for page in pages).replace(" ", "").replace("\n", "")
    for words in (
        briefing.document_number,
        "排名",
        "乙一街道办事处",
        "甲一街道办事处",
        "红旗",
        "黑旗",
        "各单位对照清单整改",
    ):
        assert words in text, words

    # Sent once: another pass of the job sends nothing more.
    assert jobs.deliver_due.apply().get() == 0
    assert len(smtp_server.mailbox.to(people.head.email)) == 1
