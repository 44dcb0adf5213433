from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ...forms import choices

ROLE_CHOICES = [("staff", _l("Staff")), ("manager", _l("Manager")), ("owner", _l("Owner"))]


class AddUserForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(_l("Enter an e-mail.")), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), default="staff")
    method = RadioField(_l("How do they get in?"), default="invite", choices=choices([
        ("invite", _l("Invitation link they open to set their own password")),
        ("password", _l("One-time password I hand over (they change it at first sign-in)"))]))


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES))
