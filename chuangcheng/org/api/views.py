"""Viewsets of the org API: regions, units, sites and leader assignments (/api/v1/…).

Read within scope for everyone signed in; create, change and delete for administrators, each
through a service of :mod:`chuangcheng.org.services`."""

from chuangcheng.org import services
from chuangcheng.org.filters import LeaderAssignmentFilterSet, RegionFilterSet, SiteFilterSet, UnitFilterSet
from chuangcheng.org.models import LeaderAssignment, Region, Site, Unit

from . import serializers as s
from .base import ScopedViewSet, ServiceCreateMixin, ServiceDestroyMixin, ServiceUpdateMixin


class RegionViewSet(ServiceCreateMixin, ServiceUpdateMixin, ServiceDestroyMixin, ScopedViewSet):
    """行政区划: the division tree. ``?within=<id>`` gives a region's whole subtree."""

    queryset = Region.objects.all()
    serializer_class = s.RegionSerializer
    create_serializer_class = s.RegionCreateSerializer
    update_serializer_class = s.RegionUpdateSerializer
    filterset_class = RegionFilterSet
    ordering_fields = ["path", "name", "code", "level"]
    ordering = ["path"]

    def create_object(self, data):
        # The permission class has checked the administrator; the parent id was checked against
        # the caller's scope by the input serializer.
        return services.region_create(**data)

    def update_object(self, region, data):
        return services.region_update(actor=self.request.user, region=region, data=data)

    def destroy_object(self, region):
        services.region_delete(actor=self.request.user, region=region)


class UnitViewSet(ServiceCreateMixin, ServiceUpdateMixin, ServiceDestroyMixin, ScopedViewSet):
    """单位: functional departments (条) and territorial bodies (块)."""

    queryset = Unit.objects.select_related("region", "parent")
    serializer_class = s.UnitSerializer
    create_serializer_class = s.UnitCreateSerializer
    update_serializer_class = s.UnitUpdateSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["name", "level", "kind", "region__path"]
    ordering = ["level", "name"]

    def create_object(self, data):
        return services.unit_create(actor=self.request.user, **data)

    def update_object(self, unit, data):
        return services.unit_update(actor=self.request.user, unit=unit, data=data)

    def destroy_object(self, unit):
        services.unit_delete(actor=self.request.user, unit=unit)


class SiteViewSet(ServiceCreateMixin, ServiceUpdateMixin, ServiceDestroyMixin, ScopedViewSet):
    """测评点位: places evaluators inspect, each with a responsible unit."""

    queryset = Site.objects.select_related("region", "responsible_unit")
    serializer_class = s.SiteSerializer
    create_serializer_class = s.SiteCreateSerializer
    update_serializer_class = s.SiteUpdateSerializer
    filterset_class = SiteFilterSet
    ordering_fields = ["name", "site_type", "region__path"]
    ordering = ["region__path", "site_type", "name"]

    def create_object(self, data):
        return services.site_create(actor=self.request.user, **data)

    def update_object(self, site, data):
        return services.site_update(actor=self.request.user, site=site, data=data)

    def destroy_object(self, site):
        services.site_delete(actor=self.request.user, site=site)


class LeaderAssignmentViewSet(ServiceCreateMixin, ServiceDestroyMixin, ScopedViewSet):
    """领导包保: who answers for which region, site or task in a campaign. Created and ended, not edited."""

    queryset = LeaderAssignment.objects.select_related("campaign", "leader", "unit", "region", "site")
    serializer_class = s.LeaderAssignmentSerializer
    create_serializer_class = s.LeaderAssignmentCreateSerializer
    filterset_class = LeaderAssignmentFilterSet
    ordering_fields = ["id", "kind", "region__path"]
    ordering = ["campaign_id", "id"]

    def create_object(self, data):
        return services.leader_assignment_create(actor=self.request.user, **data)

    def destroy_object(self, assignment):
        services.leader_assignment_delete(actor=self.request.user, assignment=assignment)
