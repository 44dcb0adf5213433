from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from ...forms import choices
from ...i18n import LANGUAGE_NAMES


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()


class RestaurantForm(FlaskForm):
    """A new restaurant, added by a signed-in user from the top bar."""

    name = StringField(_l("Restaurant name"), validators=[DataRequired(_l("Enter the restaurant's name.")), Length(max=200)])
    country = SelectField(_l("Country"), choices=choices([("PL", _l("Poland")), ("CZ", _l("Czechia"))]))
    currency = SelectField(_l("Currency"), choices=choices([("PLN", "PLN (zł)"), ("CZK", "CZK (Kč)"), ("EUR", "EUR (€)")]))
    locale = SelectField(_l("Language"), choices=choices(LANGUAGE_NAMES.items()))


class SignupForm(RestaurantForm):
    owner_name = StringField(_l("Your name"), validators=[Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")),
                                                 Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))])


class InviteAcceptForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Choose a password."))])


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail.")),
                                                 Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Enter a valid e-mail address.")), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Choose a new password."))])
