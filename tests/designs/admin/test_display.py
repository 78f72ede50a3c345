"""How the admin shows things: the changelist's string-drawn inputs are exactly what Django's templates draw."""

import pytest
from django import forms
from django.contrib import admin
from django.forms.utils import ErrorList

from designs.admin.copy import ShownValueInput, _ShownValueMixin
from designs.admin.design import DesignAdmin
from designs.admin.display import ErrorListOrNothing, StringRenderedHiddenInput
from designs.models import Design

TRICKY = 'Fox & "snow" <b>it\'s</b>'


class TemplateShownValueInput(_ShownValueMixin, forms.TextInput):
    """ShownValueInput as it was before: the hidden twin, the input drawn by Django's template."""


@pytest.mark.parametrize("value", [TRICKY, "", None, 42])
@pytest.mark.parametrize(
    "attrs", [{"size": 26}, {"size": 22, "id": "id_form-3-tags", "required": True, "disabled": False, "x": TRICKY}]
)
def test_string_drawn_inputs_are_the_html_of_djangos_templates(value, attrs):
    drawn = ShownValueInput(attrs=attrs).render("form-3-title", value, attrs={"maxlength": 140})
    assert drawn == TemplateShownValueInput(attrs=attrs).render("form-3-title", value, attrs={"maxlength": 140})
    hidden = StringRenderedHiddenInput().render("form-3-id", value, attrs={"id": "id_form-3-id"})
    assert hidden == forms.HiddenInput().render("form-3-id", value, attrs={"id": "id_form-3-id"})


@pytest.mark.django_db
def test_the_selection_box_is_the_html_of_djangos(make_design):
    design = make_design(title=TRICKY)
    ours = DesignAdmin(Design, admin.site).action_checkbox(design)
    assert ours == admin.ModelAdmin(Design, admin.site).action_checkbox(design)


def test_an_error_list_draws_nothing_when_empty_and_its_errors_otherwise():
    assert str(ErrorListOrNothing()) == ""
    assert str(ErrorListOrNothing(["Too long."])) == str(ErrorList(["Too long."]))
