"""Refusing a request that cannot be read (a crafted parameter), with a message that says why."""

from django.shortcuts import render


def refused(request, message, status=400):
    """A 400 page naming what was wrong; nothing was changed."""
    return render(request, "commitments/refused.html", {"message": message}, status=status)
