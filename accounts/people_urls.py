from django.urls import include, path

from accounts.views import people

app_name = "people"

urlpatterns = [
    path("", people.directory, name="directory"),
    # Staff's bots page (bots/), matched before anyone's page.
    path("bots/", include("bots.urls")),
    path("<str:username>/", people.profile, name="profile"),
    path("<str:username>/manage/", people.manage, name="manage"),
]
