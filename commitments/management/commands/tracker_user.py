import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from commitments import access
from commitments.services.people import profile_for, tracker_user_save


def _codes(values):
    return [code.strip() for value in values or () for code in value.split(",") if code.strip()]


class Command(BaseCommand):
    help = "Create or update a user with a role and the jurisdictions they may read and write."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=access.ROLES)
        parser.add_argument("--read", action="append", help="jurisdiction codes, comma-separated or repeated")
        parser.add_argument("--write", action="append", help="jurisdiction codes the user may change (implies read)")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--organisation", help="the key of the organisation they work for ('' for none): who says so by default"
        )
        parser.add_argument(
            "--record-for",
            action="append",
            help="keys of other organisations they may record for directly, comma-separated or repeated ('' for none)",
        )
        parser.add_argument(
            "--password",
            help="the password, or 'generated' to make and print one (a new user without one cannot log in)",
        )

    def handle(self, username, role, read, write, email, password, organisation, record_for, **options):
        generated = password == "generated"
        if generated:
            password = secrets.token_urlsafe(12)
        try:
            user, created = tracker_user_save(
                username=username,
                role=role,
                read=_codes(read),
                write=_codes(write),
                email=email,
                password=password,
                organisation=organisation,
                record_for=_codes(record_for) if record_for is not None else None,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages))
        profile = profile_for(user)
        self.stdout.write(
            f"{'Created' if created else 'Updated'} {user.username}: {role}; "
            f"reads {', '.join(sorted(profile.read_jurisdictions.values_list('code', flat=True))) or '-'}; "
            f"writes {', '.join(sorted(profile.write_jurisdictions.values_list('code', flat=True))) or '-'}; "
            f"organisation {profile.organisation.slug if profile.organisation else '-'}; "
            f"records for {', '.join(sorted(profile.record_for.values_list('slug', flat=True))) or '-'}"
        )
        if generated:
            self.stdout.write(f"Password: {password}")
