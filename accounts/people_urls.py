from django.urls import path

from accounts.views import people

app_name = "people"

urlpatterns = [
    path("", people.directory, name="directory"),
    path("<str:username>/", people.profile, name="profile"),
    path("<str:username>/manage/", people.manage, name="manage"),
]
