"""Distances on the ground, without a GIS extension.

"Within 50 m" is a latitude/longitude bounding box (indexed: ``(category, latitude,
longitude)`` on issues) followed by the exact haversine distance in Python on the few rows
inside the box. Coordinates are WGS-84 / GCJ-02 degrees as phones report them; at 50 m the
difference between datums does not matter as long as one city uses one.

Lat/lng are checked against :data:`CHINA_BOUNDS`, then (:func:`check_location`) against
the campaign's city: regions carry no geometry, so "the city" is the box around the campaign's
测评点位 (sites) plus :data:`CITY_MARGIN_DEG`. With no located site, only China's bounds apply.
"""

import math
from decimal import Decimal, InvalidOperation

from django.db.models import Max, Min
from django.utils.translation import gettext as _

from chuangcheng.exceptions import ApplicationError
from chuangcheng.org.models import Site

EARTH_RADIUS_M = 6_371_008.8
METERS_PER_DEGREE_LAT = 111_320.0
# Mainland China, Hainan and the South China Sea islands, with a small margin.
CHINA_BOUNDS = {"lat": (3.5, 54.0), "lng": (73.0, 135.5)}


def haversine_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres."""
    p1, p2 = math.radians(float(lat1)), math.radians(float(lat2))
    dp = p2 - p1
    dl = math.radians(float(lng2) - float(lng1))
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def bounding_box(lat, lng, radius_m):
    """(min_lat, max_lat, min_lng, max_lng) enclosing a circle of ``radius_m``."""
    lat, lng = float(lat), float(lng)
    dlat = radius_m / METERS_PER_DEGREE_LAT
    dlng = radius_m / (METERS_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.01))
    q = Decimal("0.000001")
    return (
        Decimal(lat - dlat).quantize(q),
        Decimal(lat + dlat).quantize(q),
        Decimal(lng - dlng).quantize(q),
        Decimal(lng + dlng).quantize(q),
    )


def within(queryset, lat, lng, radius_m):
    """``[(obj, metres)]`` of rows of ``queryset`` (with latitude/longitude) within the radius,
    nearest first."""
    min_lat, max_lat, min_lng, max_lng = bounding_box(lat, lng, radius_m)
    boxed = queryset.filter(
        latitude__gte=min_lat, latitude__lte=max_lat, longitude__gte=min_lng, longitude__lte=max_lng
    )
    out = []
    for obj in boxed:
        distance = haversine_m(lat, lng, obj.latitude, obj.longitude)
        if distance <= radius_m:
            out.append((obj, distance))
    return sorted(out, key=lambda pair: (pair[1], pair[0].pk))


def check_coordinates(latitude, longitude):
    """Both or neither; decimal degrees inside China. Returns ``(Decimal, Decimal)`` or
    ``(None, None)``; raises :class:`ApplicationError` naming the field."""
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    if latitude in (None, "") or longitude in (None, ""):
        field = "latitude" if latitude in (None, "") else "longitude"
        raise ApplicationError(_("经度和纬度须同时填写。"), field=field)
    values = {}
    for field, value in (("latitude", latitude), ("longitude", longitude)):
        try:
            values[field] = Decimal(str(value)).quantize(Decimal("0.000001"))
        except (InvalidOperation, ValueError):
            raise ApplicationError(_("坐标“%(v)s”不是有效的数字。") % {"v": value}, field=field) from None
    lat_min, lat_max = CHINA_BOUNDS["lat"]
    lng_min, lng_max = CHINA_BOUNDS["lng"]
    if not lat_min <= values["latitude"] <= lat_max:
        raise ApplicationError(
            _("纬度 %(v)s 不在我国境内，请检查定位（是否把经纬度填反了？）。") % {"v": latitude}, field="latitude"
        )
    if not lng_min <= values["longitude"] <= lng_max:
        raise ApplicationError(
            _("经度 %(v)s 不在我国境内，请检查定位（是否把经纬度填反了？）。") % {"v": longitude}, field="longitude"
        )
    return values["latitude"], values["longitude"]


# Coordinates more than this (degrees, ≈ 20 km) outside the campaign's sites are not "in the city".
CITY_MARGIN_DEG = 0.2


def campaign_bounds(campaign):
    """``(min_lat, max_lat, min_lng, max_lng)`` around the campaign's sites, with a margin;
    None when no site has coordinates (then only the national bounds apply)."""
    box = Site.objects.filter(
        region__path__startswith=campaign.region.path, is_active=True, latitude__isnull=False
    ).aggregate(Min("latitude"), Max("latitude"), Min("longitude"), Max("longitude"))
    if box["latitude__min"] is None:
        return None
    m = CITY_MARGIN_DEG
    return (
        float(box["latitude__min"]) - m,
        float(box["latitude__max"]) + m,
        float(box["longitude__min"]) - m,
        float(box["longitude__max"]) + m,
    )


def check_location(campaign, latitude, longitude):
    """Coordinates inside China (:func:`check_coordinates`) and near the campaign's city."""
    latitude, longitude = check_coordinates(latitude, longitude)
    if latitude is None:
        return None, None
    bounds = campaign_bounds(campaign)
    if bounds is not None:
        min_lat, max_lat, min_lng, max_lng = bounds
        if not (min_lat <= float(latitude) <= max_lat and min_lng <= float(longitude) <= max_lng):
            raise ApplicationError(
                _("定位（%(lat)s, %(lng)s）不在%(city)s范围内，请在现场重新定位，或不用定位、直接填写地址。")
                % {"lat": latitude, "lng": longitude, "city": campaign.region.name},
                field="latitude",
            )
    return latitude, longitude
