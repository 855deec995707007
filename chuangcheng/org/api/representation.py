"""Output serializers that turn a page of rows into JSON without DRF's per-field machinery.

DRF's ``Serializer.to_representation`` walks a generator of fields for every row, and every
field goes through ``get_attribute`` (a generic attribute walk with exception handling and a
callable check) before its ``to_representation``. For a 50-row page of 45 fields that is a
large share of the request: this plan alone took the tasks list from 32 to 27 ms (medians of 20
requests on the 1,000,000-issue bench database).

:class:`CompiledRepresentation` gives a serializer the same answer from a *plan* built once per
serializer instance (once per request for a list's child): one small reader per field.

- A field whose source is a chain of model fields (``state``, ``owner_unit.name``) reads the
  attributes directly and calls the field's own ``to_representation``; a missing link (``None``)
  answers as DRF does: the field's default, ``None`` when it allows null, else the key is left
  out.
- A ``DateTimeField`` over a model datetime converts to the zone found once per plan.
- A ``PrimaryKeyRelatedField`` reads the foreign key's column (``campaign_id``), as DRF's
  pk-only optimisation does.
- A ``SerializerMethodField`` calls its method.
- A nested ``many=True`` serializer over a prefetched relation reads the prefetched rows.
- Anything else (nested serializers, many-related fields, ``source="*"``, a property or a
  method as source) goes through DRF's own ``get_attribute``/``to_representation``, unchanged.

The fields themselves DRF builds from the model (``build_field``: model introspection, validators,
labels) for every serializer made — several per request, 1–2 ms each for an issue. They are the
same each time, so a :class:`CompiledRepresentation` builds them once per class and hands each
serializer a deep copy of that set (DRF's own way of giving each its declared fields).

The field definitions stay the serializer's (one place for the answer and the OpenAPI schema);
the list tests (``test_list_and_detail_answer_as_drf_would`` in tests/tasks and tests/inspections)
compare the plan's answer with DRF's.
"""

import copy
import operator
from contextlib import contextmanager

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

SKIP = object()
_DRF_GET_ATTRIBUTE = drf_fields.Field.get_attribute


def _model_chain(model, attrs):
    """True when ``attrs`` walks forward relations of ``model`` to a concrete field (so every
    step is plain data, never a callable or a manager)."""
    for i, attr in enumerate(attrs):
        if model is None:
            return False
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return False
        if not field.concrete or field.many_to_many:
            return False
        last = i == len(attrs) - 1
        if field.is_relation:
            if last:
                return False  # the related object itself: leave it to DRF
            model = field.related_model
        elif not last:
            return False
    return True


def _missing(field):
    """What DRF answers when a link of the source chain is ``None``; ``None`` means it would
    raise (a required field), which only DRF's own path reports properly."""
    if field.default is not empty:
        return lambda: field.get_default()
    if field.allow_null:
        return lambda: None
    if not field.required:
        return lambda: SKIP
    return None


def _generic(field):
    get_attribute, to_representation = field.get_attribute, field.to_representation

    def read(instance):
        try:
            attribute = get_attribute(instance)
        except SkipField:
            return SKIP
        check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
        return None if check_for_none is None else to_representation(attribute)

    return read


def _foreign_key(field, model):
    attrs = field.source_attrs
    if len(attrs) != 1 or field.pk_field is not None or not field.use_pk_only_optimization():
        return None
    try:
        model_field = model._meta.get_field(attrs[0])
    except FieldDoesNotExist:
        return None
    if not (model_field.many_to_one or model_field.one_to_one) or not model_field.concrete:
        return None
    return operator.attrgetter(model_field.attname)


def _prefetched_list(field):
    """``many=True`` over a relation the queryset prefetched: the prefetched rows, without the
    related manager DRF builds per row to get at them (``.all()`` of it is that same list)."""
    attrs = field.source_attrs
    if len(attrs) != 1 or type(field) is not serializers.ListSerializer:
        return None
    (attr,) = attrs
    child = field.child
    fallback = _generic(field)

    def read(instance):
        cache = getattr(instance, "_prefetched_objects_cache", None)
        if not cache or attr not in cache:
            return fallback(instance)
        return [child.to_representation(item) for item in cache[attr]]

    return read


def _datetime(field, model):
    """A model datetime in ISO 8601 in the field's (or the current) time zone, as DRF's
    ``DateTimeField`` writes it, without looking the zone and the format up for every value."""
    attrs = field.source_attrs
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if (
        type(field) is not serializers.DateTimeField
        or len(attrs) != 1
        or not isinstance(output_format, str)
        or output_format.lower() != ISO_8601
        or not _model_chain(model, attrs)
    ):
        return None
    zone = field.timezone if hasattr(field, "timezone") else field.default_timezone()
    if zone is None:
        return None
    (attr,) = attrs
    fallback = field.to_representation

    def read(instance):
        value = getattr(instance, attr)
        if value is None:
            return None
        if value.tzinfo is None:
            return fallback(value)
        text = value.astimezone(zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return read


def _chain(field, model):
    attrs = field.source_attrs
    missing = _missing(field)
    if missing is None or not attrs or not _model_chain(model, attrs):
        return None
    to_representation = field.to_representation
    if len(attrs) == 1:
        (attr,) = attrs

        def read(instance):
            value = getattr(instance, attr)
            return None if value is None else to_representation(value)

        return read

    def read(instance):
        value = instance
        try:
            for attr in attrs:
                if value is None:
                    return missing()
                value = getattr(value, attr)
        except ObjectDoesNotExist:
            return None
        return None if value is None else to_representation(value)

    return read


def compile_plan(serializer):
    """``[(key, reader)]`` for the serializer's readable fields, in their order."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    plan = []
    for field in serializer.fields.values():
        if field.write_only:
            continue
        read = None
        if isinstance(field, serializers.SerializerMethodField):
            read = getattr(field.parent, field.method_name)
        elif isinstance(field, serializers.ListSerializer):
            read = _prefetched_list(field)
        elif model is not None and isinstance(field, relations.PrimaryKeyRelatedField):
            read = _foreign_key(field, model)
        elif (
            model is not None
            and not isinstance(field, (relations.RelatedField, relations.ManyRelatedField, serializers.BaseSerializer))
            and type(field).get_attribute is _DRF_GET_ATTRIBUTE
        ):
            read = _datetime(field, model) or _chain(field, model)
        plan.append((field.field_name, read or _generic(field)))
    return plan


class CompiledRepresentation:
    """Mixin for output serializers (before ``serializers.ModelSerializer`` in the bases)."""

    compiled = True  # False: DRF's own walk (the reference the tests compare with)

    def get_fields(self):
        """The fields DRF's ``get_fields`` builds, built once per class and copied for each
        serializer (a fresh, unbound set each time, as DRF's own); within :func:`drf_reference`,
        DRF's own, built anew."""
        if not CompiledRepresentation.compiled:
            return super().get_fields()
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return copy.deepcopy(built)

    def to_representation(self, instance):
        if not CompiledRepresentation.compiled:
            return super().to_representation(instance)
        plan = self.__dict__.get("_compiled_plan")
        if plan is None:
            plan = self._compiled_plan = compile_plan(self)
        ret = {}
        for key, read in plan:
            value = read(instance)
            if value is not SKIP:
                ret[key] = value
        return ret


@contextmanager
def drf_reference():
    """Within: every :class:`CompiledRepresentation` answers through DRF's own walk."""
    CompiledRepresentation.compiled = False
    try:
        yield
    finally:
        CompiledRepresentation.compiled = True
