from django.contrib import admin

from . import models

for model in (
    models.Source,
    models.Jurisdiction,
    models.Organisation,
    models.Theme,
    models.Instrument,
    models.GSPRequirement,
    models.Review,
    models.Commitment,
):
    admin.site.register(model)
