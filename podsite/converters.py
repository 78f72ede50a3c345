"""URL converters for the whole site, registered when the podsite app is ready: use <id:design_id>."""

from django.urls import register_converter


class IdConverter:
    """A primary key in a URL: 1 to 18 digits, so it always fits a 64-bit integer column. A longer number is
    no match (404) instead of reaching the database driver, which raises OverflowError (500) on some lookups."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
