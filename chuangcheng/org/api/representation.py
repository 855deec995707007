"""Output serializers that turn a page of rows into JSON without DRF's per-field machinery.

DRF's ``Serializer.to_representation`` walks a generator of fields for every row, and every
field goes through ``get_attribute`` (a generic attribute walk with exception handling and a
callable check) before its ``to_representation``. For a 50-row page of 45 fields that is a
large share of the request: this plan alone took the tasks list from 32 to 27 ms (medians of 20
requests on the 1,000,000-issue bench database).

:class:`CompiledRepresentation` gives a serializer the same answer from a *plan*: one small
reader per field. What a reader may share is built once per class (a *template*, per time zone),
so a request does not rebuild it:

- Readers over plain fields (text, numbers, choices, dates, labels: their answer reads only the
  field's own settings) are built once per class, over fields bound to a stand-in serializer
  that holds no request, and serve every serializer of the class.
- Method fields and fields that need their own serializer — nested serializers (their context
  is the request's), the photos' URLs, anything unknown — are bound per serializer, once per
  request for a list's child: only those fields are copied, not the whole set.

The readers:

- A field whose source is a chain of model fields (``state``, ``owner_unit.name``) reads the
  attributes directly and calls the field's own ``to_representation``; a missing link (``None``)
  answers as DRF does: the field's default, ``None`` when it allows null, else the key is left
  out.
- A ``DateTimeField`` over a model datetime converts to the zone the template was built for.
- A ``PrimaryKeyRelatedField`` reads the foreign key's column (``campaign_id``), as DRF's
  pk-only optimisation does.
- A ``SerializerMethodField`` calls its method.
- A nested ``many=True`` serializer over a prefetched relation reads the prefetched rows.
- Anything else (nested serializers, many-related fields, ``source="*"``, a property or a
  method as source) goes through DRF's own ``get_attribute``/``to_representation``, unchanged.

The fields themselves DRF builds from the model (``build_field``: model introspection, validators,
labels) for every serializer made — several per request, 1–2 ms each for an issue. They are the
same each time, so a :class:`CompiledRepresentation` builds them once per class; ``fields``, where
something asks for it, is a deep copy of that set (DRF's own way of giving each its declared
fields), and the plan copies only the fields it binds (docs/performance.md, issue 18, twelfth
pass: copying every field for every serializer was 5 – 10 % of an issue's answer).

The field definitions stay the serializer's (one place for the answer and the OpenAPI schema);
the list tests (``test_list_and_detail_answer_as_drf_would`` in tests/tasks and tests/inspections)
compare the plan's answer with DRF's.
"""

import copy
import operator
from contextlib import contextmanager

from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db.models import Prefetch
from django.utils import timezone
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


def rows_attr(lookup):
    """Where :func:`prefetch_rows` leaves a row's related rows."""
    return f"_rows_{lookup}"


def prefetch_rows(lookup, queryset):
    """``Prefetch(lookup, queryset)`` that leaves each row's related rows as a plain list
    (``to_attr``). Into Django's own prefetch cache, every row of a page gets a related manager
    and a filtered copy of ``queryset`` to hold its list — 1.7 of 4.2 ms of CPU for a 50-task page
    with its 协作单位 and 指标 (docs/performance.md, issue 18, seventeenth pass). A ``many=True``
    serializer over ``lookup`` reads the list (:class:`RowsListSerializer`, the plan's reader);
    where nothing was prefetched it reads the relation as DRF does."""
    return Prefetch(lookup, queryset=queryset, to_attr=rows_attr(lookup))


class RowsListSerializer(serializers.ListSerializer):
    """DRF's list serializer, reading the rows :func:`prefetch_rows` left on the instance when
    there are any (its ``Meta.list_serializer_class`` makes a serializer's ``many=True`` one)."""

    def get_attribute(self, instance):
        if len(self.source_attrs) == 1:
            rows = instance.__dict__.get(rows_attr(self.source_attrs[0]))
            if rows is not None:
                return rows
        return super().get_attribute(instance)


def _prefetched_list(field):
    """``many=True`` over a relation the queryset prefetched: the prefetched rows (the list
    :func:`prefetch_rows` left, or Django's prefetch cache), without the related manager DRF
    builds per row to get at them (``.all()`` of it is that same list)."""
    attrs = field.source_attrs
    if len(attrs) != 1 or type(field) not in (serializers.ListSerializer, RowsListSerializer):
        return None
    (attr,) = attrs
    rows_key = rows_attr(attr)
    child = field.child
    fallback = _generic(field)

    def read(instance):
        rows = instance.__dict__.get(rows_key)
        if rows is None:
            cache = getattr(instance, "_prefetched_objects_cache", None)
            if not cache or attr not in cache:
                return fallback(instance)
            rows = cache[attr]
        return [child.to_representation(item) for item in rows]

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


# Field classes whose ``to_representation`` reads only the field's own settings (never its
# parent, root or context), so one bound instance can serve every serializer of a class.
_SHARED_SAFE = tuple(
    cls.to_representation
    for cls in (
        serializers.CharField,
        serializers.IntegerField,
        *([serializers.BigIntegerField] if hasattr(serializers, "BigIntegerField") else []),
        serializers.FloatField,
        serializers.DecimalField,
        serializers.BooleanField,
        serializers.ChoiceField,
        serializers.DateField,
        serializers.DateTimeField,
        serializers.TimeField,
        serializers.DurationField,
        serializers.UUIDField,
        serializers.JSONField,
        serializers.ReadOnlyField,
    )
)


def _shareable(field):
    """True when the field's answer cannot depend on the serializer it is bound to (its
    context, request or parent), so a reader over it may serve every serializer of a class."""
    shared = getattr(type(field), "shared_representation", None)
    if shared is None:
        shared = type(field).to_representation in _SHARED_SAFE
    if not shared:
        return False
    default = field.default
    return not (callable(default) and getattr(default, "requires_context", False))


def _reader(field, model):
    """A shared reader for the field, or ``None`` when it needs the serializer it is bound to."""
    if model is not None and isinstance(field, relations.PrimaryKeyRelatedField):
        return _foreign_key(field, model)
    if (
        model is not None
        and _shareable(field)
        and not isinstance(field, (relations.RelatedField, relations.ManyRelatedField, serializers.BaseSerializer))
        and type(field).get_attribute is _DRF_GET_ATTRIBUTE
    ):
        return _datetime(field, model) or _chain(field, model)
    return None


def _bound_reader(field):
    return _prefetched_list(field) or _generic(field)


def compile_template(cls, fields):
    """What every serializer of ``cls`` reads, from its fields bound to a stand-in:
    ``[(key, kind, what)]`` where ``kind`` is ``"shared"`` (``what`` reads a row, for every
    serializer of the class), ``"method"`` (``what`` is the method's name) or ``"bound"`` (the
    field needs its own serializer: nested serializers, fields reading the context)."""
    model = getattr(getattr(cls, "Meta", None), "model", None)
    template = []
    for name, field in fields.items():
        if field.write_only:
            continue
        if isinstance(field, serializers.SerializerMethodField):
            template.append((field.field_name, "method", field.method_name))
            continue
        read = _reader(field, model)
        if read is None:
            template.append((field.field_name, "bound", name))
        else:
            template.append((field.field_name, "shared", read))
    return template


class CompiledRepresentation:
    """Mixin for output serializers (before ``serializers.ModelSerializer`` in the bases)."""

    compiled = True  # False: DRF's own walk (the reference the tests compare with)

    def get_fields(self):
        """The fields DRF's ``get_fields`` builds, built once per class and copied for each
        serializer (a fresh, unbound set each time, as DRF's own); within :func:`drf_reference`,
        DRF's own, built anew."""
        if not CompiledRepresentation.compiled:
            return super().get_fields()
        return copy.deepcopy(self._class_fields())

    def _class_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return built

    def _template(self):
        """The class's template for the current time zone (the one thing a shared datetime
        reader fixes), built once from the class's fields bound to a stand-in serializer."""
        cls = type(self)
        zone = timezone.get_current_timezone()
        templates = cls.__dict__.get("_templates")
        if templates is None:
            templates = cls._templates = {}
        template = templates.get(zone)
        if template is None:
            stand_in = cls.__new__(cls)
            serializers.BaseSerializer.__init__(stand_in)  # no instance, no context, no parent
            fields = copy.deepcopy(self._class_fields())
            for name, field in fields.items():
                field.bind(field_name=name, parent=stand_in)
            template = templates[zone] = compile_template(cls, fields)
        return template

    def _plan(self):
        """This serializer's readers: the class's shared readers, its own methods, and its own
        copies of the fields that read it (nested serializers, the photos' URLs)."""
        class_fields = None
        plan = []
        for key, kind, what in self._template():
            if kind == "shared":
                plan.append((key, what))
            elif kind == "method":
                plan.append((key, getattr(self, what)))
            else:
                if class_fields is None:
                    class_fields = self._class_fields()
                field = copy.deepcopy(class_fields[what])
                field.bind(field_name=what, parent=self)
                plan.append((key, _bound_reader(field)))
        return plan

    def to_representation(self, instance):
        if not CompiledRepresentation.compiled:
            return super().to_representation(instance)
        plan = self.__dict__.get("_compiled_plan")
        if plan is None:
            plan = self._compiled_plan = self._plan()
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
