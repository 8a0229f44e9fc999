"""Template tags that ask access.py: what the person viewing the page may do."""

from django import template

from .. import access

register = template.Library()


@register.simple_tag(takes_context=True)
def may(context, rule, item=None):
    """{% may "redact" as can_redact %}, {% may "verify" update as can_verify %}: the access rule of that name."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return False
    rules = {
        "administer": access.may_use_admin,
        "import": access.may_import,
        "add_recommendation": access.may_add_recommendation,
        "redact": access.may_redact,
        "moderate": access.may_moderate_submissions,
        "verify": lambda user: access.can_verify(user, item),
        "correct": lambda user: access.may_correct(user, item),
        "write": lambda user: access.can_write_commitment(user, item),
    }
    return rules[rule](user)
