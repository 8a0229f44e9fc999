"""Template filters that shape what a page shows (no query, no access rule: those live elsewhere)."""

from django import template

register = template.Library()


@register.filter
def kept_files(formset):
    """The files kept from a rejected submission, one per evidence row that holds one."""
    return [form.staged_upload for form in formset.forms if getattr(form, "staged_upload", None) is not None]
