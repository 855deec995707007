"""Ledger pages (thin: scoped querysets from selectors, writes through services)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from .models import Task


@login_required
def my_work(request):
    return HttpResponse("my work")


@login_required
def ledger(request):
    return HttpResponse("ledger")


@login_required
def detail(request, pk):
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
    return HttpResponse(task.title)
