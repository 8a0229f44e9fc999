"""A staff member's browser, as far as the tests need one: a logged-in session over real HTTP."""

import html.parser
import re

import requests


class _Inputs(html.parser.HTMLParser):
    """The hidden inputs of the first form on a page that posts back (csrf token, submission key)."""

    def __init__(self):
        super().__init__()
        self.hidden = {}
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if (
            tag == "form"
            and not self._done
            and (attrs.get("method") or "").lower() == "post"
            and not attrs.get("action", "").endswith("/logout/")
        ):
            self._in_form = True
        elif tag == "input" and self._in_form and attrs.get("type") == "hidden" and attrs.get("name"):
            self.hidden[attrs["name"]] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form" and self._in_form:
            self._in_form = False
            self._done = True


def hidden_inputs(page):
    parser = _Inputs()
    parser.feed(page)
    return parser.hidden


class Browser:
    def __init__(self, base_url, timeout=30):
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.timeout = timeout

    def get(self, path, **kwargs):
        return self.session.get(self.base_url + path, timeout=self.timeout, **kwargs)

    def form(self, path):
        """GET a form page; return the hidden inputs to post back."""
        response = self.get(path)
        response.raise_for_status()
        return hidden_inputs(response.text)

    def post(self, path, data, files=None):
        return self.session.post(
            self.base_url + path,
            data=data,
            files=files,
            timeout=self.timeout,
            allow_redirects=False,
            headers={"Referer": self.base_url + path},
        )

    def log_in(self, username, password):
        data = {**self.form("/login/"), "username": username, "password": password}
        response = self.post("/login/", data)
        if response.status_code != 302:
            raise AssertionError(f"log in as {username} failed: {response.status_code}")
        return response


def error_text(page):
    """The visible error messages of a form page, for assertion messages."""
    return " | ".join(re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', page))[:500]
