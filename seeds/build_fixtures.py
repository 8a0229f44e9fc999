#!/usr/bin/env python
"""Build fixtures/*.json from the facts file, the article and the editorial curation.

    python seeds/build_fixtures.py

Reads seeds/pakistan-commitments.yaml (facts, each with its source), seeds/curation.yaml
(which commitments to seed, the article passages they rest on, themes, jurisdictions,
responsible bodies, links) and seeds/article.txt (every passage is checked against it).
Writes Django fixtures with natural keys, plus fixtures/status_updates.json (a small format
of its own, loaded through the status-update service by `manage.py seed`).

The output is deterministic: running it again on the same inputs changes no byte.
Needs only PyYAML.
"""

import datetime
import json
import re
import sys
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
FIXTURES = ROOT / "fixtures"

# Seeded status updates get a fixed submission key, so loading them twice records them once.
UPDATE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pakistan-commitments-tracker:seed:status-update")
ISSUE_UPDATE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:pakistan-commitments-tracker:seed:issue-update")

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


class CurationError(Exception):
    pass


def partial_date(value):
    """(ISO date of the period's first day, precision) for a date, "YYYY-MM", "YYYY"; (None, "") if unknown."""
    if value in (None, "", "UNVERIFIED"):
        return None, ""
    if isinstance(value, datetime.date):
        return value.isoformat(), "day"
    text = str(value).strip()
    if re.fullmatch(r"\d{4}", text):
        return f"{text}-01-01", "year"
    if re.fullmatch(r"\d{4}-\d{2}", text):
        return f"{text}-01", "month"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        datetime.date.fromisoformat(text)
        return text, "day"
    raise CurationError(f"not a date, a year-month or a year: {value!r}")


def date_in_text(iso, precision, text):
    """True if `text` (as the facts write dates: "Aug 2024", "17-18 Oct 2024") names this date."""
    day = datetime.date.fromisoformat(iso)
    month_year = f"{MONTHS[day.month - 1]} {day.year}"
    if precision == "month":
        return month_year in text
    if precision == "day":
        return re.search(rf"\b{day.day}(?:-\d{{1,2}})? {month_year}\b", text) is not None
    return str(day.year) in text


def normalise(text):
    """Only whitespace is normalised when a passage is compared with the article."""
    return re.sub(r"\s+", " ", text).strip()


def periodicity_months(text):
    """(first report within, then every) in months, from the facts' periodicity: "4 yrs",
    "initial within 2 yrs, then every 4 yrs". Anything else is refused, not guessed."""
    if match := re.fullmatch(r"(\d+) yrs", text.strip()):
        return None, int(match[1]) * 12
    if match := re.fullmatch(r"initial within (\d+) yrs, then every (\d+) yrs", text.strip()):
        return int(match[1]) * 12, int(match[2]) * 12
    raise CurationError(f"periodicity not understood: {text!r}")


class Builder:
    def __init__(self, facts, curation, article):
        self.facts = facts
        self.cur = curation
        self.article = normalise(article)
        self.article_url = curation["article"]["url"]
        self.instruments = {i["code"]: i for i in facts["instruments"]}
        self.institutions = {i["name"]: i for i in facts["institutions"]}
        self.timeline = {str(e["date"]): e for e in facts["timeline"]}
        self.source_urls = []  # in first-seen order

    # -- helpers ---------------------------------------------------------------------

    def code(self, facts_code):
        return self.cur["instrument_codes"].get(facts_code, facts_code)

    def urls(self, value):
        if value is None:
            return []
        values = value if isinstance(value, list) else [value]
        return [self.article_url if v == "article" else v for v in values]

    def sources(self, urls, with_article=False):
        """Natural keys of the sources, the article first when a record quotes it."""
        ordered = ([self.article_url] if with_article else []) + list(urls)
        seen = []
        for url in ordered:
            if url not in seen:
                seen.append(url)
            if url not in self.source_urls:
                self.source_urls.append(url)
        return [[url] for url in seen]

    def urls_from(self, spec):
        urls = []
        for code in spec.get("instruments", []):
            urls += self.urls(self.instruments[code]["source_url"])
        for name in spec.get("institutions", []):
            urls += self.urls(self.institutions[name]["source_url"])
        for day in spec.get("timeline", []):
            urls += self.urls(self.timeline[day]["source_url"])
        return urls

    def facts_urls(self, urls):
        """Addresses named one by one in the curation: each must be a source the facts file gives."""
        known = set()
        for entry in [*self.facts["instruments"], *self.facts["institutions"], *self.facts["timeline"]]:
            known.update(self.urls(entry.get("source_url")))
        for url in urls:
            if url not in known:
                raise CurationError(f"{url} is not a source of the facts file")
        return list(urls)

    def quote(self, passage):
        if passage and normalise(passage) not in self.article:
            raise CurationError(f"not word for word in the article: {passage!r}")
        return passage or ""

    # -- reference data ------------------------------------------------------------------

    def build_reference(self):
        rows = []
        for j in self.cur["jurisdictions"]:
            rows.append({"model": "commitments.jurisdiction", "fields": dict(j)})
        for t in self.cur["themes"]:
            rows.append({"model": "commitments.theme", "fields": dict(t)})
        self.body_slugs = {"European Commission": "european-commission"}
        for org in self.cur["organisations"]:
            if "facts_body" in org:
                self.body_slugs[org["facts_body"]] = org["slug"]
        for org in self.cur["organisations"]:
            rows.append({"model": "commitments.organisation", "fields": self.organisation(org)})
        return rows

    def organisation(self, org):
        facts = self.institutions.get(org.get("facts")) if org.get("facts") else None
        if org.get("facts") and facts is None:
            raise CurationError(f"no institution {org['facts']!r} in the facts")
        jurisdiction = org.get("jurisdiction")
        if jurisdiction is None and facts and facts.get("jurisdiction"):
            jurisdiction = self.cur["jurisdiction_names"][facts["jurisdiction"]]
        established, precision = partial_date(facts.get("established") if facts else None)
        notes = [n for n in ((facts or {}).get("notes"), org.get("notes"), org.get("notes_extra")) if n]
        urls = self.urls(facts["source_url"]) if facts else []
        urls += self.urls_from(org.get("sources_from", {}))
        urls += self.facts_urls(org.get("urls", []))
        quote = self.quote(org.get("source_quote"))
        return {
            "slug": org["slug"],
            "name": org["name"],
            "short_name": org.get("short_name", ""),
            "kind": org["kind"],
            "jurisdiction": [jurisdiction] if jurisdiction else None,
            "established_on": established,
            "established_precision": precision,
            "notes": " ".join(notes),
            "source_quote": quote,
            "sources": self.sources(urls, with_article=bool(quote) or org.get("with_article", False)),
        }

    # -- instruments ---------------------------------------------------------------------

    def build_instruments(self):
        rows = []
        for facts in self.facts["instruments"]:
            rows.append({"model": "commitments.instrument", "fields": self.instrument(facts)})
        for extra in self.cur["extra_instruments"]:
            rows.append({"model": "commitments.instrument", "fields": self.extra_instrument(extra)})
        scheme = self.code("EU-GSP-978/2012")
        for facts in self.facts["instruments"]:
            if facts.get("gsp_plus"):
                group = self.cur["gsp_groups"][facts["kind"]]
                rows.append(
                    {
                        "model": "commitments.gsprequirement",
                        "fields": {
                            "scheme": [scheme],
                            "instrument": [self.code(facts["code"])],
                            "annex_part": group["annex_part"],
                            "group": group["group"],
                        },
                    }
                )
        for review in self.cur["reviews"]:
            rows.append({"model": "commitments.review", "fields": self.review(review)})
        rows += self.build_mechanisms()
        rows += self.build_reporting_cycles()
        return rows

    # -- monitoring mechanisms and reporting cycles ------------------------------------------

    def build_mechanisms(self):
        """The monitoring bodies the facts name, as mechanisms (curation's `mechanisms`)."""
        rows = []
        organisations = {org["slug"]: org for org in self.cur["organisations"]}
        for mechanism in self.cur["mechanisms"]:
            org = organisations[mechanism["organisation"]]
            instrument = None
            if mechanism.get("instrument"):
                facts = self.instruments[mechanism["instrument"]]
                if facts.get("body") != org.get("facts_body"):
                    raise CurationError(
                        f"{mechanism['organisation']} is not the body the facts give for {facts['code']}"
                    )
                instrument = [self.code(facts["code"])]
            rows.append(
                {
                    "model": "commitments.mechanism",
                    "fields": {
                        "slug": org["slug"],
                        "name": org["name"],
                        "kind": mechanism["kind"],
                        "organisation": [org["slug"]],
                        "instrument": instrument,
                        "uhri_names": "\n".join(mechanism.get("uhri_names", [])),
                    },
                }
            )
        return rows

    def build_reporting_cycles(self):
        """A cycle rule for each instrument whose periodicity the facts give, and the curated others."""
        rows = []
        for facts in self.facts["instruments"]:
            text = facts.get("periodicity")
            if not text:
                continue
            initial, period = periodicity_months(text)
            rows.append(
                {
                    "model": "commitments.reportingcycle",
                    "fields": {
                        "instrument": [self.code(facts["code"])],
                        "instrument_kind": "",
                        "deadline": "periodic_report",
                        "period_months": period,
                        "initial_months": initial,
                        "review_kind": "treaty_body",
                        "simplified_procedure": False,
                        "rule_text": text,
                        "sources": self.sources(self.urls(facts["source_url"])),
                    },
                }
            )
        for cycle in self.cur.get("reporting_cycles", []):
            institution = self.institutions[cycle["institution"]]
            if cycle["facts_text"] not in institution.get("notes", ""):
                raise CurationError(f"{cycle['facts_text']!r} is not in the facts about {cycle['institution']}")
            rows.append(
                {
                    "model": "commitments.reportingcycle",
                    "fields": {
                        "instrument": [self.code(cycle["instrument"])],
                        "instrument_kind": "",
                        "deadline": cycle["deadline"],
                        "period_months": cycle["months"],
                        "initial_months": None,
                        "review_kind": cycle["review_kind"],
                        "simplified_procedure": False,
                        "rule_text": cycle["facts_text"],
                        "sources": self.sources(self.urls(institution["source_url"])),
                    },
                }
            )
        return rows

    def instrument(self, facts):
        code = facts["code"]
        extra = self.cur["instrument_extra"].get(code, {})
        raw_status = facts.get("pakistan_status")
        status, detail = self.cur["pakistan_statuses"].get(raw_status, (raw_status or "", ""))
        status = extra.get("pakistan_status", status)
        bound, bound_precision = partial_date(facts.get("date"))
        signed, signed_precision = partial_date(facts.get("signed"))
        body = facts.get("body")
        monitoring_body = None if body in (None, "none") else [self.body_slugs[body]]
        notes = [facts["notes"]] if facts.get("notes") else []
        if facts.get("last_review"):
            notes.append(f"Reviews: {facts['last_review']}.")
        due = self.cur["next_reports"].get(code)
        due_on, due_source, due_kind = None, "", "periodic_report"
        urls = self.urls(facts["source_url"])
        if due:
            if due["facts_text"] not in facts.get("last_review", "") or due["due"] not in due["facts_text"]:
                raise CurationError(f"{code}: the due date is not the one the facts give")
            due_on = due["due"]
            due_source = f"{due['what']}, due {due['due']}: {' '.join(urls)}"[:500]
            due_kind = due["kind"]
        quote = self.quote(extra.get("source_quote"))
        return {
            "code": self.code(code),
            "title": facts["title"],
            "kind": self.cur["instrument_kinds"].get(facts["kind"], facts["kind"]),
            "jurisdiction": [self.cur["jurisdiction_names"].get(facts.get("jurisdiction"), "federal")],
            "monitoring_body": monitoring_body,
            "pakistan_status": status,
            "status_detail": detail,
            "signed_on": signed,
            "signed_precision": signed_precision,
            "bound_on": bound,
            "bound_precision": bound_precision,
            "reservations": facts.get("reservations", ""),
            "reporting_periodicity": facts.get("periodicity", ""),
            "next_report_due_on": due_on,
            "next_report_due_source": due_source,
            "next_report_kind": due_kind,
            "notes": " ".join(notes),
            "source_quote": quote,
            "sources": self.sources(urls, with_article=bool(quote)),
        }

    def extra_instrument(self, extra):
        entry = self.timeline[extra["timeline"]]
        bound, precision = partial_date(entry["date"])
        quote = self.quote(extra.get("source_quote"))
        return {
            "code": extra["code"],
            "title": extra["title"],
            "kind": extra["kind"],
            "jurisdiction": [extra["jurisdiction"]],
            "monitoring_body": None,
            "pakistan_status": extra["pakistan_status"],
            "status_detail": "",
            "signed_on": None,
            "signed_precision": "",
            "bound_on": bound,
            "bound_precision": precision,
            "reservations": "",
            "reporting_periodicity": "",
            "next_report_due_on": None,
            "next_report_due_source": "",
            "next_report_kind": "periodic_report",
            "notes": entry["event"] + ".",
            "source_quote": quote,
            "sources": self.sources(self.urls(entry["source_url"]), with_article=bool(quote)),
        }

    def review(self, review):
        facts = self.instruments[review["instrument"]]
        if "timeline" in review:
            entry = self.timeline[review["timeline"]]
            reviewed, precision = partial_date(entry["date"])
            notes = entry["event"] + "."
            urls = self.urls(entry["source_url"])
        else:
            reviewed, precision = partial_date(review["date"])
            if review["facts_text"] not in facts.get("last_review", ""):
                raise CurationError(f"{review['instrument']}: {review['facts_text']!r} is not in the facts")
            if not date_in_text(reviewed, precision, review["facts_text"]):
                raise CurationError(f"{review['instrument']}: {review['date']} is not {review['facts_text']!r}")
            notes = review.get("notes", "")
            urls = self.urls(facts["source_url"])
        return {
            "instrument": [self.code(review["instrument"])],
            "kind": review["kind"],
            "title": review["title"],
            "reviewed_on": reviewed,
            "reviewed_precision": precision,
            "notes": notes,
            "source_quote": "",
            "sources": self.sources(urls),
        }

    # -- commitments, links and updates ---------------------------------------------------------

    def build_commitments(self):
        self.updates = []
        rows = []
        links = []
        gsp = self.cur["gsp_obligations"]
        impl = self.cur["implementation"]
        scheme_facts = self.instruments["EU-GSP-978/2012"]
        scheme = self.code("EU-GSP-978/2012")
        themes = self.cur["convention_themes"]
        for facts in self.facts["instruments"]:
            in_gsp = bool(facts.get("gsp_plus"))
            counted = facts["code"] in impl["article_treaties"]
            if not (in_gsp or counted):
                continue
            group = self.cur["gsp_groups"][facts["kind"]]["group"]
            convention_themes = themes.get(facts["code"]) or themes[group]
            if in_gsp:
                quoted = group in gsp["quote_groups"]
                reference = gsp["reference"].format(code=facts["code"])
                rows.append(
                    self.commitment(
                        instrument=scheme,
                        reference=reference,
                        title=gsp["title"].format(title=facts["title"]),
                        description="",
                        jurisdiction=gsp["jurisdiction"],
                        responsible_body=gsp["responsible_body"],
                        themes=convention_themes,
                        quote=gsp["quote"] if quoted else "",
                        urls=self.urls(scheme_facts["source_url"]),
                    )
                )
                # The article assesses no single convention: the honest seed is no update.
            # Only the fifteen treaties the article counts rest on its words; the others on their sources.
            quote = impl["article_treaties_quote"] if counted else ""
            rows.append(
                self.commitment(
                    instrument=self.code(facts["code"]),
                    reference=impl["reference"],
                    title=impl["title"].format(title=facts["title"]),
                    description="",
                    jurisdiction=impl["jurisdiction"],
                    responsible_body=impl["responsible_body"][group],
                    themes=convention_themes,
                    quote=quote,
                    urls=self.urls(facts["source_url"]),
                )
            )
            # The article assesses no single treaty: no update (its words stay the commitment's passage).
            if in_gsp:
                # Annex VIII of the regulation names the convention: the link is the source's.
                links.append(([self.code(facts["code"]), impl["reference"]], [scheme, reference], "", "sourced"))

        for item in self.cur["commitments"]:
            code = self.code(item["instrument"])
            rows.append(
                self.commitment(
                    instrument=code,
                    reference=item["reference"],
                    title=item["title"],
                    description=" ".join(item.get("description", "").split()),
                    jurisdiction=item["jurisdiction"],
                    responsible_body=item["responsible_body"],
                    themes=item["themes"],
                    quote=item["quote"],
                    urls=self.urls_from(item["sources"]),
                    is_own_project=item.get("own_project", False),
                    history_starts=item.get("history_starts"),
                )
            )
            history_starts = item.get("history_starts", {}).get("date")
            for spec in item["updates"]:
                self.update([code, item["reference"]], spec, self.instrument_facts(item["instrument"]), history_starts)

        for link in self.cur["links"]:
            source = [self.code(link["source"][0]), link["source"][1]]
            target = [self.code(link["target"][0]), link["target"][1]]
            links.append((source, target, link.get("note", ""), link.get("basis", "editorial")))
        keys = {(r["fields"]["instrument"][0], r["fields"]["reference"]) for r in rows}
        for source, target, _note, basis in links:
            for key in (source, target):
                if tuple(key) not in keys:
                    raise CurationError(f"link to an unknown commitment {key}")
            if basis not in ("sourced", "editorial"):
                raise CurationError(f"link basis {basis!r}: sourced or editorial")
        check_no_cycles([(tuple(s), tuple(t)) for s, t, _n, _b in links])
        for source, target, note, basis in links:
            rows.append(
                {
                    "model": "commitments.commitmentlink",
                    "fields": {"source": source, "target": target, "note": note, "basis": basis},
                }
            )
        return rows

    def instrument_facts(self, facts_code):
        if facts_code in self.instruments:
            return self.instruments[facts_code]
        extra = next(e for e in self.cur["extra_instruments"] if e["code"] == facts_code)
        return {"date": self.timeline[extra["timeline"]]["date"]}

    def commitment(
        self,
        *,
        instrument,
        reference,
        title,
        description,
        jurisdiction,
        responsible_body,
        themes,
        quote,
        urls,
        is_own_project=False,
        history_starts=None,
    ):
        quote = self.quote(quote)
        extra = {}
        if is_own_project:
            extra["is_own_project"] = True
        if history_starts:
            if not history_starts.get("reason", "").strip():
                raise CurationError(f"{reference}: a history start needs its reason")
            extra["history_starts_on"] = partial_date(history_starts["date"])[0]
            extra["history_starts_reason"] = " ".join(history_starts["reason"].split())
        return {
            "model": "commitments.commitment",
            "fields": {
                **extra,
                "instrument": [instrument],
                "reference": reference,
                "title": title,
                "description": description,
                "jurisdiction": [jurisdiction],
                "responsible_body": [responsible_body],
                "themes": [[slug] for slug in themes],
                "source_quote": quote,
                "sources": self.sources(urls, with_article=bool(quote)),
            },
        }

    def update(self, key, spec, instrument_facts, history_starts=None):
        """One seeded update: the article's words (its evidence the article), or a dated source's (its evidence that source).

        `key` in the spec numbers the update of its commitment: a seeded update is never edited
        (the history is append-only), so a changed one takes a new number.
        """
        effective, precision = partial_date(spec["effective"])
        # The service refuses an update before the commitment's history starts: catch it here, with the reason.
        if history_starts:
            earliest = [partial_date(history_starts)[0]]
        else:
            earliest = [
                d
                for d in (
                    partial_date(instrument_facts.get("date"))[0],
                    partial_date(instrument_facts.get("signed"))[0],
                )
                if d
            ]
        period_end = {"year": effective[:4] + "-12-31", "month": effective[:8] + "31", "day": effective}[precision]
        if earliest and period_end < min(earliest):
            raise CurationError(f"{key}: effective {spec['effective']} is before the commitment's history starts")
        words = []
        if spec.get("quote"):
            words.append(f'The article: "{self.quote(spec["quote"])}"')
        if spec.get("also"):
            words.append(f'It also says: "{self.quote(spec["also"])}"')
        if spec.get("note"):
            words.append(" ".join(spec["note"].split()))
        if "evidence" in spec:
            evidence = []
            for item in spec["evidence"]:
                (url,) = self.facts_urls([item["url"]])
                self.sources([url])
                evidence.append(
                    {"title": item["title"], "url": url, "source_organisation": item.get("source_organisation")}
                )
            if spec.get("quote"):
                raise CurationError(f"{key}: an update quoting the article has the article as its evidence")
        else:
            if not spec.get("quote"):
                raise CurationError(f"{key}: an update without the article's words needs the source that dates it")
            evidence = [
                {
                    "title": f"{self.cur['article']['title']} ({self.cur['article']['publisher']})",
                    "url": self.article_url,
                    "source_organisation": "dri",
                }
            ]
        self.updates.append(
            {
                "submission_key": str(uuid.uuid5(UPDATE_NAMESPACE, f"{key[0]}|{key[1]}|{spec.get('key', 1)}")),
                "commitment": key,
                "status": spec["status"],
                "effective": spec["effective"],
                "assessor": spec["assessor"],
                "note": " ".join(words),
                "sensitivity": "public",
                "evidence": evidence,
            }
        )

    # -- GSP+ monitoring -------------------------------------------------------------------

    def build_gsp(self):
        rows = []
        scheme = self.code("EU-GSP-978/2012")
        for item in self.cur["gsp_requirement_lists"]:
            facts = self.instruments[item["scheme"]]
            for key in ("valid_from", "valid_until"):
                if item[key] not in facts.get("notes", ""):
                    raise CurationError(f"{item['scheme']}: {item[key]} is not in the facts' notes")
            rows.append(
                {
                    "model": "commitments.gsprequirementlist",
                    "fields": {
                        "scheme": [self.code(item["scheme"])],
                        "title": item["title"],
                        "valid_from": item["valid_from"],
                        "valid_until": item["valid_until"],
                        "notes": facts["notes"],
                        "source_quote": "",
                        "sources": self.sources(self.urls(facts["source_url"])),
                    },
                }
            )
        reviews = {r["timeline"]: r for r in self.cur["reviews"] if "timeline" in r}
        self.cycles = []
        for item in self.cur["gsp_cycles"]:
            entry = self.timeline[item["report"]]
            if f"({item['period']})" not in entry["event"]:
                raise CurationError(f"cycle {item['title']}: {item['period']!r} is not in {entry['event']!r}")
            first, last = item["period"].split("-")
            first_year = int(first)
            last_year = int(first[:2] + last)
            starts, ends = f"{first_year}-01-01", f"{last_year}-12-31"
            self.cycles.append((starts, ends, item))
            review = reviews[item["report"]]
            missions = []
            for day in item.get("missions", []):
                mission = reviews[day]
                if not (starts <= str(self.timeline[day]["date"]) <= ends):
                    raise CurationError(f"mission {day} is not in the cycle {item['title']}")
                missions.append([self.code(mission["instrument"]), str(self.timeline[day]["date"]), mission["title"]])
            rows.append(
                {
                    "model": "commitments.gspcycle",
                    "fields": {
                        "scheme": [scheme],
                        "title": item["title"],
                        "starts_on": starts,
                        "ends_on": ends,
                        "report": [self.code(review["instrument"]), str(entry["date"]), review["title"]],
                        "missions": missions,
                        "notes": entry["event"] + ".",
                        "source_quote": "",
                        "sources": self.sources(self.urls(entry["source_url"])),
                    },
                }
            )
        gsp_codes = {self.code(f["code"]) for f in self.facts["instruments"] if f.get("gsp_plus")}
        self.issue_updates = []
        for item in self.cur["scorecard_issues"]:
            convention = self.code(item["convention"])
            if convention not in gsp_codes:
                raise CurationError(f"{convention} is not a GSP+ convention")
            key = [convention, item["reference"]]
            sources, dates, urls = [], [], []
            for day, words in item.get("commission", []):
                entry = self.timeline[day]
                if words not in entry["event"]:
                    raise CurationError(f"{key}: {words!r} is not in {entry['event']!r}")
                url = self.urls(entry["source_url"])[0]
                urls += self.urls(entry["source_url"])
                sources.append(self.issue_source(key, "commission", "european-commission", day, "day", url, words))
                dates.append(day)
                self.issue_update(
                    key, day, "european-commission", day, "day", url, f'The Commission\'s report: "{entry["event"]}."'
                )
            for other in item.get("other", []):
                entry = self.timeline[other["timeline"]]
                if other["words"] not in entry["event"]:
                    raise CurationError(f"{key}: {other['words']!r} is not in {entry['event']!r}")
                url = self.urls(entry["source_url"])[0]
                urls += self.urls(entry["source_url"])
                day = other["timeline"]
                sources.append(self.issue_source(key, "other", other["organisation"], day, "day", url, other["words"]))
                dates.append(day)
                self.issue_update(key, day, other["organisation"], day, "day", url, entry["event"] + ".")
            for voice in item.get("civil_society", []):
                quote = self.quote(voice["quote"])
                year = self.cur["article"]["year"]
                sources.append(
                    self.issue_source(
                        key, "civil_society", voice["organisation"], f"{year}-01-01", "year", self.article_url, quote
                    )
                )
                dates.append(f"{year}-01-01")
                self.issue_update(
                    key,
                    f"{year}-12-31",
                    voice["organisation"],
                    year,
                    "year",
                    self.article_url,
                    f'The article: "{quote}"',
                )
            addressed = [[self.code(code), reference] for code, reference in item.get("addressed_by", [])]
            raised = min(dates)
            precision = next(s["fields"]["said_precision"] for s in sources if s["fields"]["said_on"] == raised)
            rows.append(
                {
                    "model": "commitments.scorecardissue",
                    "fields": {
                        "convention": [convention],
                        "reference": item["reference"],
                        "title": item["title"],
                        "description": "",
                        "raised_on": raised,
                        "raised_precision": precision,
                        "addressed_by": addressed,
                        "source_quote": "",
                        "sources": self.sources(urls + ([self.article_url] if item.get("civil_society") else [])),
                    },
                }
            )
            rows += sources
        return rows, self.issue_updates

    def cycle_of(self, day):
        """The cycle whose report is dated `day`, else the one whose period holds it."""
        for starts, _ends, item in self.cycles:
            if item["report"] == day:
                return starts
        for starts, ends, _item in self.cycles:
            if starts <= day <= ends:
                return starts
        raise CurationError(f"no GSP+ cycle for {day}")

    def issue_source(self, key, kind, organisation, day, precision, url, passage):
        return {
            "model": "commitments.issuesource",
            "fields": {
                "issue": key,
                "kind": kind,
                "organisation": [organisation],
                "document": "",
                "url": url,
                "said_on": day,
                "said_precision": precision,
                "passage": passage,
            },
        }

    def issue_update(self, key, cycle_day, organisation, effective, precision, url, note):
        scheme = self.code("EU-GSP-978/2012")
        effective_on = partial_date(effective)[0]
        self.issue_updates.append(
            {
                "model": "commitments.issueupdate",
                "fields": {
                    "submission_key": str(
                        uuid.uuid5(ISSUE_UPDATE_NAMESPACE, f"{key[0]}|{key[1]}|{organisation}|{effective}")
                    ),
                    "issue": key,
                    "cycle": [scheme, self.cycle_of(cycle_day)],
                    "kind": "finding",
                    "status": "open",
                    "effective_on": effective_on,
                    "effective_precision": precision,
                    "assessor": [organisation],
                    "note": note,
                    "document": "",
                    "url": url,
                    "sensitivity": "public",
                },
            }
        )

    def build_sources(self):
        rows = []
        for url in self.source_urls:
            fields = {"url": url, "title": "", "publisher": ""}
            if url == self.article_url:
                fields.update(title=self.cur["article"]["title"], publisher=self.cur["article"]["publisher"])
            rows.append({"model": "commitments.source", "fields": fields})
        return rows


def check_no_cycles(edges):
    graph = {}
    for source, target in edges:
        graph.setdefault(source, []).append(target)
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                raise CurationError(f"contribution links form a cycle: {path + [nxt]}")
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for node in list(graph):
        if node not in state:
            visit(node, [node])


def build():
    facts = yaml.safe_load((SEEDS / "pakistan-commitments.yaml").read_text(encoding="utf-8"))
    curation = yaml.safe_load((SEEDS / "curation.yaml").read_text(encoding="utf-8"))
    article = (SEEDS / "article.txt").read_text(encoding="utf-8")
    builder = Builder(facts, curation, article)
    reference = builder.build_reference()
    instruments = builder.build_instruments()
    commitments = builder.build_commitments()
    gsp, issue_updates = builder.build_gsp()
    sources = builder.build_sources()
    return {
        "sources.json": sources,
        "reference.json": reference,
        "instruments.json": instruments,
        "commitments.json": commitments,
        "gsp.json": gsp + issue_updates,
        "status_updates.json": {
            "format": "tracker-status-updates/1",
            "about": (
                "Seeded status updates, loaded by `manage.py seed` through the status-update service. "
                "Commitments by natural key [instrument code, reference]; assessor and evidence "
                "source by organisation key; effective is YYYY, YYYY-MM or YYYY-MM-DD."
            ),
            "updates": builder.updates,
        },
    }


def main():
    FIXTURES.mkdir(exist_ok=True)
    try:
        outputs = build()
    except CurationError as error:
        print(f"build_fixtures: {error}", file=sys.stderr)
        return 1
    for name, data in outputs.items():
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
        (FIXTURES / name).write_text(text, encoding="utf-8")
    counts = {name: len(data["updates"] if isinstance(data, dict) else data) for name, data in outputs.items()}
    print("wrote " + ", ".join(f"fixtures/{name} ({count})" for name, count in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
