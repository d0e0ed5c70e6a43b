from django.urls import include, path

from accounts.login import LoginView
from accounts.views import account, invitations, signup

urlpatterns = [
    path("signup/", signup.signup, name="signup"),
    path("first-run/", signup.first_run, name="first_run"),
    path("invitations/", invitations.invitations, name="invitations"),
    path("invitations/team/", invitations.regenerate_team_link, name="regenerate_team_link"),
    path("invitations/<int:pk>/revoke/", invitations.revoke, name="revoke_invitation"),
    path("profile/", account.edit_profile, name="edit_profile"),
    # Before Django's own: the same views, with failed logins and reset requests limited,
    # and a changed password ending the person's other sessions.
    path("login/", LoginView.as_view(), name="login"),
    path("password_change/", account.PasswordChangeView.as_view(), name="password_change"),
    path("password_reset/", account.PasswordResetView.as_view(), name="password_reset"),
    path(
        "reset/<uidb64>/<token>/",
        account.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("", include("django.contrib.auth.urls")),
]
