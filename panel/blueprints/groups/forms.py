"""The group form: name, colour, note (the CSRF token and typed values); the grants are ticked
checkboxes read from the posted form. The rules live in services/groups/."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.widgets import ColorInput

from ...models import CustomerGroup
from ...models.base import row_id
from ...models.groups import DEFAULT_COLOUR
from ...services.groups.records import MAX_NOTE


class GroupForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"autocomplete": "off", "maxlength": 100})
    colour = StringField(_l("Colour"), widget=ColorInput(), default=DEFAULT_COLOUR)
    note = TextAreaField(_l("Note"), render_kw={"rows": 3, "maxlength": MAX_NOTE})

    def __init__(self, *args, group: CustomerGroup | None = None, **kwargs):
        if group is not None and "formdata" not in kwargs:
            kwargs.setdefault("data", {"name": group.name, "colour": group.colour, "note": group.note})
        super().__init__(*args, **kwargs)

    def service_data(self, form) -> dict:
        """The typed fields and the ticked grants as the group service takes them."""
        return {"name": self.name.data, "colour": self.colour.data, "note": self.note.data,
                "discount_ids": ticked(form, "discount_ids"), "price_list_ids": ticked(form, "price_list_ids")}

    def add_errors(self, errors: dict[str, str]) -> None:
        for name, message in errors.items():
            target = getattr(self, name, None)
            if target is None:
                self.form_errors.append(message)
            else:
                target.errors = [*target.errors, message]


def ticked(form, name: str) -> list[int]:
    return [i for i in (row_id(v) for v in form.getlist(name)) if i is not None]
