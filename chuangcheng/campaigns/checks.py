"""System checks of the campaigns app.

``campaigns.W001``: a campaign (planning or active) whose dates reach a year the working
calendar does not know — chinesecalendar has no data for it and no 国务院办公厅 notice has been
imported — so every deadline computed in that year is Monday–Friday arithmetic (春节 would be
counted as working days)."""

from django.core.checks import Warning, register
from django.db import DatabaseError
from django.utils.translation import gettext as _

from chuangcheng.org.holidays import campaign_gaps


def calendar_gaps():
    """``[(campaign, [years])]`` of the open campaigns reaching uncovered years (``[]`` when
    the database cannot be read: checks also run before ``migrate``, and where database access
    is blocked — pytest-django raises RuntimeError — as when Celery's Django fixup runs them)."""
    from .models import Campaign, CampaignStatus

    try:
        campaigns = list(Campaign.objects.exclude(status=CampaignStatus.CLOSED).order_by("start_date", "pk"))
        return campaign_gaps(campaigns)
    except (DatabaseError, RuntimeError):
        return []


@register()
def holiday_calendar_covers_campaigns(app_configs, **kwargs):
    return [
        Warning(
            _(
                "创建活动“%(c)s”的日期延伸到 %(years)s 年，但节假日数据（chinesecalendar 与已导入的放假通知）不含该年：该年的期限只能按周一至周五估算。"
            )
            % {"c": campaign.name, "years": "、".join(str(y) for y in years)},
            hint=_(
                "国务院办公厅公布该年放假安排后，运行 manage.py import_calendar 文件 导入（格式见 data/holidays_cn.csv）。"
            ),
            obj=campaign,
            id="campaigns.W001",
        )
        for campaign, years in calendar_gaps()
    ]
