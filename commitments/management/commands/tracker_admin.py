"""Create the first administrator with a generated password, shown once."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from commitments.access import ADMINISTRATOR


class Command(BaseCommand):
    help = "Create an administrator with a generated password (shown once), unless one exists."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", default="admin")
        parser.add_argument("--reset-password", action="store_true", help="Generate a new password for the user.")

    def handle(self, username, reset_password, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is not None and not reset_password:
            self.stdout.write(
                f"Log in as '{username}' with the password shown when it was created "
                f"(a new one: ./manage tracker_admin {username} --reset-password)."
            )
            return
        password = secrets.token_urlsafe(12)
        with transaction.atomic():
            if user is None:
                user = User.objects.create_superuser(username=username, email="", password=password)
                user.groups.add(Group.objects.get_or_create(name=ADMINISTRATOR)[0])
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS(f"Log in as '{username}' with password: {password}"))
        self.stdout.write("This password is shown only now: keep it somewhere safe.")
