from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField
from wtforms.validators import DataRequired, Length


class SignInForm(FlaskForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=254)],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password"), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class SignOutForm(FlaskForm):
    """Only a CSRF token: signing out is a POST."""
