"""/api/v1/: the REST API (filled in by the API module of each app)."""

urlpatterns = []
