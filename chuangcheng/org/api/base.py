"""The base every API viewset builds on (org, campaigns and the apps above them).

- **Scoping**: :class:`ScopedViewSet` builds ``get_queryset()`` from the declared ``queryset``
  (which carries the ``select_related``/``prefetch_related``/annotations a list needs, so query
  counts do not grow with rows) narrowed by ``visible_to(request.user)``. An object out of scope
  is therefore a 404 — the same answer as one that does not exist.
- **Permissions**: :class:`PredicatePermission` asks the viewset's ``read_predicate`` for safe
  methods and ``write_predicate`` for the rest — pure functions from an app's ``permissions.py``.
- **Writes** go through services: a small input serializer checks the shape, then the viewset's
  ``create_object``/``update_object``/``destroy_object`` hook calls the service with
  ``actor=request.user``; the answer is the output serializer (``serializer_class``) of the object
  re-read through the scoped queryset. :class:`~chuangcheng.exceptions.ApplicationError` from a
  service becomes 400/403/404/409 in :func:`chuangcheng.exceptions.api_exception_handler`.
- Updates are ``PATCH`` only (partial); there is no ``PUT``.
"""

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from chuangcheng.org.permissions import can_manage_org, can_read_org


class PredicatePermission(permissions.BasePermission):
    """Wraps the viewset's predicates: ``read_predicate(user)`` for GET/HEAD/OPTIONS,
    ``write_predicate(user)`` for everything else."""

    message = _("您没有执行该操作的权限（仅系统管理员可以修改）。")

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return view.read_predicate(request.user)
        return view.write_predicate(request.user)


class ServiceAutoSchema(AutoSchema):
    """OpenAPI: the request body of create/update is the input serializer; the response stays
    the output serializer."""

    def get_request_serializer(self):
        get_input = getattr(self.view, "get_input_serializer_class", None)
        input_class = get_input() if get_input else None
        return input_class() if input_class else super().get_request_serializer()


class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id of an object the requesting person can see; any other id reads as missing."""

    def get_queryset(self):
        return super().get_queryset().visible_to(self.context["request"].user)


class LabelField(serializers.CharField):
    """The display label of a choices field, read-only: ``LabelField(source="state")``.

    Same answer as ``source="get_state_display"``, without DRF inspecting a bound method's
    signature and Django hashing the value for every row: the labels are translated once per
    language and looked up in a dict (a 50-row list has hundreds of them)."""

    # Reads only its own labels (never the context): one bound instance may serve every
    # serializer of a class (chuangcheng.org.api.representation).
    shared_representation = True

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self._labels = {}  # language → {value: label}

    def to_representation(self, value):
        language = get_language()
        labels = self._labels.get(language)
        if labels is None:
            model = self.parent.Meta.model
            choices = model._meta.get_field(self.source).flatchoices
            labels = self._labels[language] = {k: str(v) for k, v in choices}
        return labels.get(value, value)


class ScopedViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """List and retrieve what ``visible_to(request.user)`` lets through."""

    read_predicate = staticmethod(can_read_org)
    write_predicate = staticmethod(can_manage_org)
    permission_classes = [PredicatePermission]
    schema = ServiceAutoSchema()
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    create_serializer_class = None
    update_serializer_class = None

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def get_input_serializer_class(self):
        return {"create": self.create_serializer_class, "partial_update": self.update_serializer_class}.get(self.action)

    def get_input_serializer(self, *args, **kwargs):
        return self.get_input_serializer_class()(*args, context=self.get_serializer_context(), **kwargs)

    def checked_object(self):
        """The row a workflow action checks — visible (404), allowed (403) — before its service
        runs: ``get_object()`` without the answer's prefetched relations (an issue's photos and
        recorder, a task's units and indicators), which the service does not read and
        :meth:`respond_with` reads afresh after the change."""
        queryset = self.filter_queryset(self.get_queryset()).prefetch_related(None)
        lookup = {self.lookup_field: self.kwargs[self.lookup_url_kwarg or self.lookup_field]}
        obj = get_object_or_404(queryset, **lookup)
        self.check_object_permissions(self.request, obj)
        return obj

    def respond_with(self, obj, status_code=status.HTTP_200_OK):
        # Re-read through the scoped queryset so the answer has the list's joins and annotations.
        fresh = self.get_queryset().filter(pk=obj.pk).first() or obj
        return Response(self.get_serializer(fresh).data, status=status_code)


class ServiceCreateMixin:
    """``POST`` to the list: input serializer, then ``create_object(validated_data)``."""

    def create(self, request, *args, **kwargs):
        serializer = self.get_input_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.create_object(serializer.validated_data)
        return self.respond_with(obj, status.HTTP_201_CREATED)

    def create_object(self, data):
        raise NotImplementedError


class ServiceUpdateMixin:
    """``PATCH`` on a detail: input serializer (partial), then ``update_object(obj, data)``."""

    def partial_update(self, request, *args, **kwargs):
        obj = self.get_object()
        serializer = self.get_input_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        obj = self.update_object(obj, dict(serializer.validated_data))
        return self.respond_with(obj)

    def update_object(self, obj, data):
        raise NotImplementedError


class ServiceDestroyMixin:
    """``DELETE`` on a detail: ``destroy_object(obj)``; a refusal (still referenced) is a 409."""

    def destroy(self, request, *args, **kwargs):
        self.destroy_object(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def destroy_object(self, obj):
        raise NotImplementedError
