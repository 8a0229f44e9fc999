"""Which commitments a page, a list or a report covers: several dimensions at once.

A scope combines a jurisdiction, a GSP+ group, a theme, an instrument, an instrument kind,
a monitoring mechanism (whose recommendations) and an SDG (a target such as 16.3, or a goal
such as 16) (each optional; all of them must hold). It is written as text ("all", or
"jurisdiction:kp,gsp_group:human_rights") for the report command and kept reports, and as
the list's query parameters of the same names for the dashboard and the list, so that every
figure links to the list of exactly the commitments it counts.

A GSP+ group covers the conventions' own commitments and every commitment that contributes
to one of them at any depth (CommitmentRollUp): "KP within GSP+ human rights" is the KP
actions that roll up to CEDAW or the ICCPR, not nothing.
"""

from django.db.models import Q
from django.utils.translation import gettext as _

from .models import Commitment, CommitmentRollUp, GSPRequirement, Instrument, Jurisdiction, Mechanism, SDGTarget, Theme

DIMENSIONS = ("jurisdiction", "gsp_group", "theme", "instrument", "kind", "mechanism", "sdg")
# Dimensions the maintained count tables (StatusCount) are keyed by.
COUNTED_DIMENSIONS = ("jurisdiction", "instrument", "kind")


def group_conventions(group, on=None):
    """The ids of the conventions of a GSP+ group in the requirement lists in force (a subquery)."""
    return GSPRequirement.objects.in_force(on).filter(group=group).values("instrument_id")


def own_q(group, on=None):
    """Commitments under a convention of the group."""
    return Q(instrument__in=group_conventions(group, on))


def contributing_q(group, on=None):
    """Commitments outside the group's conventions that contribute, at any depth, to a commitment under one."""
    reaching = CommitmentRollUp.objects.filter(target__instrument__in=group_conventions(group, on))
    return Q(pk__in=reaching.values("source_id")) & ~own_q(group, on)


def contributing_to_instrument_q(code):
    """Commitments of other instruments that contribute, at any depth, to a commitment of this one."""
    reaching = CommitmentRollUp.objects.filter(target__instrument__code=code)
    return Q(pk__in=reaching.values("source_id")) & ~Q(instrument__code=code)


def sdg_commitments(value):
    """The ids of the commitments whose recommendation names an SDG target ("16.3") or a target of a goal ("16")."""
    if "." in value:
        targets = SDGTarget.objects.filter(code=value.lower())
    elif value.isdecimal():
        targets = SDGTarget.objects.filter(goal=int(value))
    else:
        return Commitment.objects.none().values("pk")
    return Commitment.objects.filter(recommendation__sdg_targets__in=targets).values("pk")


class Scope:
    """A combination of dimensions; Scope() is everything. Scope("jurisdiction", "kp") is one dimension,
    Scope(jurisdiction="kp", kind="provincial_plan") two."""

    DIMENSIONS = DIMENSIONS
    KINDS = ("all", *DIMENSIONS)

    def __init__(self, dimension="all", value="", /, **dimensions):
        values = {}
        if dimension == "combined":
            values.update(self.parse(value).values)
        elif dimension != "all":
            if dimension not in DIMENSIONS:
                raise ValueError(_("Unknown scope dimension %(kind)s.") % {"kind": dimension})
            values[dimension] = value
        for name, given in dimensions.items():
            if name not in DIMENSIONS:
                raise ValueError(_("Unknown scope dimension %(kind)s.") % {"kind": name})
            if given:
                values[name] = given
        self.values = {name: str(values[name]) for name in DIMENSIONS if values.get(name)}

    # -- text and stored forms ------------------------------------------------------------

    @classmethod
    def parse(cls, text):
        """ "all", "jurisdiction:kp" or "jurisdiction:kp,gsp_group:human_rights"; ValueError otherwise."""
        text = (text or "all").strip()
        if text == "all":
            return cls()
        values = {}
        for part in text.split(","):
            kind, _sep, value = part.strip().partition(":")
            if kind not in DIMENSIONS or not value or kind in values:
                raise ValueError(
                    _(
                        "Unknown scope %(scope)s: use all, or one or more of %(kinds)s, each followed by a colon "
                        "and a value, separated by commas."
                    )
                    % {"scope": text, "kinds": ", ".join(DIMENSIONS)}
                )
            values[kind] = value
        return cls(**values)

    @classmethod
    def from_dict(cls, data):
        """From as_dict() (also the one-dimension form kept reports were stored with)."""
        return cls(data.get("kind", "all"), data.get("value", ""))

    @classmethod
    def from_query(cls, params):
        """From query parameters named like the dimensions (the dashboard's scope bar, the list)."""
        return cls(**{name: params.get(name, "") for name in DIMENSIONS})

    def as_dict(self):
        """{"kind", "value"}: the dimension and its value, or "combined" and the text form, or "all"."""
        if not self.values:
            return {"kind": "all", "value": ""}
        if len(self.values) == 1:
            ((kind, value),) = self.values.items()
            return {"kind": kind, "value": value}
        return {"kind": "combined", "value": str(self)}

    def as_query(self):
        """The list's query parameters that select the same commitments."""
        return dict(self.values)

    @property
    def kind(self):
        return self.as_dict()["kind"]

    @property
    def value(self):
        return self.as_dict()["value"]

    def __str__(self):
        return ",".join(f"{name}:{value}" for name, value in self.values.items()) or "all"

    def __repr__(self):
        return f"Scope({str(self)!r})"

    def __eq__(self, other):
        return isinstance(other, Scope) and self.values == other.values

    def __hash__(self):
        return hash(tuple(self.values.items()))

    def __bool__(self):
        return bool(self.values)

    def get(self, name):
        return self.values.get(name, "")

    def only(self, *names):
        return Scope(**{name: value for name, value in self.values.items() if name in names})

    @property
    def is_counted(self):
        """Every dimension is one the maintained count tables are keyed by."""
        return all(name in COUNTED_DIMENSIONS for name in self.values)

    # -- what it selects ----------------------------------------------------------------

    def q(self, on=None):
        """A Q on Commitment: every dimension must hold (no join repeats a commitment)."""
        q = Q()
        for name, value in self.values.items():
            if name == "jurisdiction":
                q &= Q(jurisdiction__code=value)
            elif name == "instrument":
                q &= Q(instrument__code=value)
            elif name == "kind":
                q &= Q(instrument__kind=value)
            elif name == "gsp_group":
                q &= own_q(value, on) | contributing_q(value, on)
            elif name == "theme":
                q &= Q(pk__in=Commitment.themes.through.objects.filter(theme__slug=value).values("commitment_id"))
            elif name == "mechanism":
                q &= Q(recommendation__mechanism__slug=value)
            elif name == "sdg":
                q &= Q(pk__in=sdg_commitments(value))
        return q

    def count_q(self, prefix=""):
        """The same as q() on a count table keyed by jurisdiction and instrument (only when is_counted)."""
        q = Q()
        for name, value in self.values.items():
            if name == "jurisdiction":
                q &= Q(**{f"{prefix}jurisdiction__code": value})
            elif name == "instrument":
                q &= Q(**{f"{prefix}instrument__code": value})
            elif name == "kind":
                q &= Q(**{f"{prefix}instrument__kind": value})
        return q

    def label(self):
        """What the scope is called; ValueError when a value names nothing."""
        if not self.values:
            return _("All commitments")
        return " · ".join(dimension_label(name, value) for name, value in self.values.items())


def dimension_label(name, value):
    """The label of one dimension's value; ValueError when it names nothing."""
    if name == "jurisdiction":
        found = Jurisdiction.objects.filter(code=value).first()
        if found:
            return found.name
    elif name == "instrument":
        found = Instrument.objects.filter(code=value).first()
        if found:
            return f"{found.code}: {found.title}"
    elif name == "kind":
        if value in Instrument.Kind.values:
            return str(Instrument.Kind(value).label)
    elif name == "gsp_group":
        if value in GSPRequirement.Group.values:
            return _("GSP+ %(group)s (with what contributes to it)") % {"group": GSPRequirement.Group(value).label}
    elif name == "theme":
        found = Theme.objects.filter(slug=value).first()
        if found:
            return _("Theme: %(theme)s") % {"theme": found.name}
    elif name == "mechanism":
        found = Mechanism.objects.filter(slug=value).first()
        if found:
            return _("Recommendations of %(mechanism)s") % {"mechanism": found.name}
    elif name == "sdg":
        if value.isdecimal() and 1 <= int(value) <= 17:
            return _("SDG %(goal)s") % {"goal": value}
        found = SDGTarget.objects.filter(code=value.lower()).first()
        if found:
            return _("SDG target %(target)s") % {"target": found}
    raise ValueError(_("No %(kind)s called %(value)s.") % {"kind": name, "value": value})


def within(scope, **params):
    """The list filters of a figure inside the scope; None (a figure that links nowhere) when a filter
    contradicts the scope, since the figure is then empty."""
    query = scope.as_query()
    for name, value in params.items():
        if query.get(name, value) != value:
            return None
    return {**query, **params}
