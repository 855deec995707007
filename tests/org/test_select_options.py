"""``{% select_options %}``: the options of the list pages' filter selects and the capture form's
category, built in Python (some 1,000 on the city's issue list)."""

from django.template import Context, Template

TEMPLATE = Template("{% load list_filters %}{% select_options choices value %}")


def render(choices, value):
    return TEMPLATE.render(Context({"choices": choices, "value": value}))


def test_the_chosen_value_is_selected_and_the_empty_choice_left_to_the_template():
    html = render([("", "---------"), (1, "金水区"), (12, "二七区")], "12")
    assert html == '<option value="1">金水区</option><option value="12" selected>二七区</option>'
    assert "selected" not in render([(1, "金水区")], None)


def test_values_and_labels_are_escaped():
    html = render([('1"><script>', "<b>A&B</b>")], None)
    assert html == '<option value="1&quot;&gt;&lt;script&gt;">&lt;b&gt;A&amp;B&lt;/b&gt;</option>'


def test_groups_become_optgroups_in_order_and_several_values_may_be_chosen():
    choices = [(0, "无"), ("市容 · 垃圾", [(5, "暴露垃圾"), (6, "垃圾满溢")]), ("道路 · <井盖>", [(7, "井盖")])]
    html = render(choices, ["6", "7"])
    assert html == (
        '<option value="0">无</option>'
        '<optgroup label="市容 · 垃圾"><option value="5">暴露垃圾</option>'
        '<option value="6" selected>垃圾满溢</option></optgroup>'
        '<optgroup label="道路 · &lt;井盖&gt;"><option value="7" selected>井盖</option></optgroup>'
    )


def test_a_list_filters_units_and_regions_are_read_as_pairs(db):
    """``listpages.select_choices``: regions and units as (pk, name), in the queryset's order,
    no model instance per option; other fields as their choices."""
    from django import forms
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chuangcheng.listpages import select_choices
    from chuangcheng.org.models import Region, Unit

    city = Region.objects.create(code="410100000000", name="郑州市", level="city")
    b = Region.objects.create(code="410105000000", name="金水区", level="county", parent=city)
    a = Region.objects.create(code="410103000000", name="二七区", level="county", parent=city)
    unit = Unit.objects.create(name="金水区城市管理局", short_name="金水城管", region=b)

    class Form(forms.Form):
        region = forms.ModelChoiceField(queryset=Region.objects.order_by("code"))
        unit = forms.ModelChoiceField(queryset=Unit.objects.all())
        size = forms.ChoiceField(choices=[("s", "小"), ("l", "大")])

    with CaptureQueriesContext(connection) as queries:
        selects = select_choices(Form(), ("region", "unit", "size"))
    assert selects == {
        "region": [(city.pk, "郑州市"), (a.pk, "二七区"), (b.pk, "金水区")],
        "unit": [(unit.pk, "金水区城市管理局")],
        "size": [("s", "小"), ("l", "大")],
    }
    assert len(queries) == 2

    # A label of the field's own (the list filters indent regions by level) is kept.
    form = Form()
    form.fields["region"].label_from_instance = lambda r: "\u3000" * max(r.depth - 1, 0) + r.name
    regions = select_choices(form, ("region",))["region"]
    assert [(str(v), label) for v, label in regions if v != ""] == [
        (str(city.pk), "郑州市"),
        (str(a.pk), "\u3000二七区"),
        (str(b.pk), "\u3000金水区"),
    ]


def test_the_issue_lists_and_the_ledgers_regions_are_indented_by_level(client, people):
    """The region filter of 问题清单 and 任务台账 indents each level (a district's streets under it):
    town names repeat across districts."""
    client.force_login(people.supervisor)
    for url in ("/inspections/issues/", "/tasks/"):
        page = client.get(url).content.decode()
        select = page[page.index('name="region"') :].split("</select>", 1)[0]
        assert ">\u3000甲区</option>" in select and ">\u3000\u3000甲一街道</option>" in select, url
