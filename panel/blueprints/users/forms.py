from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField
from wtforms.validators import DataRequired, Length, Regexp

from ...forms import choices

ROLE_CHOICES = [("staff", _l("Staff")), ("manager", _l("Manager")), ("owner", _l("Owner"))]


class AddUserForm(FlaskForm):
    # Always an invitation: an existing account joins only by accepting one, and the owner's
    # answer is the same whether or not the e-mail has an account.
    email = EmailField(_l("E-mail"), validators=[
        DataRequired(_l("Enter an e-mail.")), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address."))])
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES), default="staff")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_CHOICES))
