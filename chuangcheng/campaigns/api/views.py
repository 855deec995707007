"""Viewsets of the campaigns API: campaigns, evaluation standards and indicators (/api/v1/…).

Campaigns are read within scope; standards and indicators (national reference texts) by
everyone signed in. Writes are for administrators, through :mod:`chuangcheng.campaigns.services`.
Nothing here is deleted: a campaign ends by being closed, a standard stays as history.
"""

from django.db.models import Count

from chuangcheng.campaigns import services
from chuangcheng.campaigns.filters import CampaignFilterSet, IndicatorFilterSet, StandardFilterSet
from chuangcheng.campaigns.models import Campaign, Indicator, Standard
from chuangcheng.campaigns.permissions import can_manage_campaigns, can_manage_standards, can_read_campaigns
from chuangcheng.org.api.base import ScopedViewSet, ServiceCreateMixin, ServiceUpdateMixin

from . import serializers as s


class CampaignViewSet(ServiceCreateMixin, ServiceUpdateMixin, ScopedViewSet):
    """创建活动, with the countdown to the inspection date."""

    queryset = Campaign.objects.select_related("region", "office_unit").prefetch_related("standards")
    serializer_class = s.CampaignSerializer
    create_serializer_class = s.CampaignCreateSerializer
    update_serializer_class = s.CampaignUpdateSerializer
    filterset_class = CampaignFilterSet
    read_predicate = staticmethod(can_read_campaigns)
    write_predicate = staticmethod(can_manage_campaigns)
    ordering_fields = ["start_date", "target_date", "name"]
    ordering = ["-start_date", "id"]

    def create_object(self, data):
        return services.campaign_create(actor=self.request.user, **data)

    def update_object(self, campaign, data):
        return services.campaign_update(actor=self.request.user, campaign=campaign, data=data)


class StandardViewSet(ServiceCreateMixin, ScopedViewSet):
    """测评体系: versioned evaluation systems."""

    queryset = Standard.objects.annotate(indicator_count=Count("indicators"))
    serializer_class = s.StandardSerializer
    create_serializer_class = s.StandardCreateSerializer
    filterset_class = StandardFilterSet
    read_predicate = staticmethod(can_read_campaigns)
    write_predicate = staticmethod(can_manage_standards)
    ordering_fields = ["name", "version", "created_at"]
    ordering = ["name", "version"]

    def create_object(self, data):
        return services.standard_create(actor=self.request.user, **data)


class IndicatorViewSet(ServiceCreateMixin, ServiceUpdateMixin, ScopedViewSet):
    """测评指标: the tree of a standard, in code order (``1.10`` after ``1.9``)."""

    queryset = Indicator.objects.all()
    serializer_class = s.IndicatorSerializer
    create_serializer_class = s.IndicatorCreateSerializer
    update_serializer_class = s.IndicatorUpdateSerializer
    filterset_class = IndicatorFilterSet
    read_predicate = staticmethod(can_read_campaigns)
    write_predicate = staticmethod(can_manage_standards)
    ordering_fields = ["sort_key", "code", "max_score"]
    ordering = ["standard_id", "sort_key"]

    def create_object(self, data):
        return services.indicator_create(actor=self.request.user, **data)

    def update_object(self, indicator, data):
        return services.indicator_update(actor=self.request.user, indicator=indicator, data=data)
