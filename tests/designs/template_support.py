"""The template editor's form as the tests post it, and the catalog page they start from."""

from django.urls import reverse

CATALOG = reverse("admin:designs_producttemplate_catalog")


def page_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def editor_post(**changes) -> dict:
    data = {
        "name": "Gildan tee",
        "print_position": "front",
        "placement_mode": "fit",
        "x": "0.5",
        "y": "0.5",
        "scale": "1",
        "angle": "0",
        "use_rule": "on",
        "basis": "percent",
        "percent": "40",
        "profit": "8.00",
        "rounding": "99",
        "min_margin": "0",
        "title_template": "{{ design.title|default:design.prompt }}",
        "description_template": "{{ prompt }}",
        "tags_template": "",
        "publish_after_create": "on",
        "publish_parts": ["title", "description", "images", "variants", "tags", "keyFeatures", "shipping_template"],
    }
    data.update(changes)
    return data


WHITE_AND_BLACK_S_TO_2XL = [60101, 60102, 60103, 60104, 60105, 60111, 60112, 60113, 60114, 60115]
