"""Enterprise pages: profile, annual figures and training offers.

Managers see and change only the enterprises they manage (anything else is a
404); coordinators may read every enterprise and offer; admins may do all.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.generic import DetailView, ListView

from enterprises import services
from enterprises.forms import AnnualFigureForm, OfferCreateForm, OfferForm, enterprise_form_class
from enterprises.models import AnnualFigure, Enterprise, TrainingOffer
from samordning.forms import apply_service_error
from samordning.http import AuthedRequest, post_only
from samordning.policy import Perm, PermRequiredMixin, perm_required


def _editable_enterprise(request: AuthedRequest, enterprise_pk: int) -> Enterprise:
    return get_object_or_404(Enterprise.objects.editable_by(request.user), pk=enterprise_pk)


def _editable_offer(request: AuthedRequest, offer_pk: int) -> TrainingOffer:
    return get_object_or_404(
        TrainingOffer.objects.editable_by(request.user).with_related(), pk=offer_pk
    )


class ScopedReadOnlyMixin:
    """A read-only detail page: any other method is a 405, but only after the scoped
    lookup, so an object outside the user's scope is a 404 whatever the method."""

    def post(self, request: AuthedRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.get_object()  # type: ignore[attr-defined]
        return HttpResponseNotAllowed(["GET", "HEAD"])


class EnterpriseListView(PermRequiredMixin, ListView):
    required_perm = Perm.ENTERPRISE_VIEW
    template_name = "enterprises/enterprise_list.html"
    context_object_name = "enterprises"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Enterprise]:
        return (
            Enterprise.objects.visible_to(self.user)
            .select_related("municipality")
            .annotate(offer_count=Count("offers"))
            .order_by("name")
        )


class EnterpriseDetailView(PermRequiredMixin, ScopedReadOnlyMixin, DetailView):
    required_perm = Perm.ENTERPRISE_VIEW
    template_name = "enterprises/enterprise_detail.html"
    context_object_name = "enterprise"
    pk_url_kwarg = "enterprise_pk"

    def get_queryset(self) -> QuerySet[Enterprise]:
        return (
            Enterprise.objects.visible_to(self.user)
            .select_related("municipality")
            .prefetch_related(
                "business_areas",
                Prefetch(
                    "annual_figures",
                    queryset=AnnualFigure.objects.order_by("-year"),
                    to_attr="figures",
                ),
                Prefetch(
                    "offers",
                    queryset=TrainingOffer.objects.select_related("business_area").order_by(
                        "title"
                    ),
                    to_attr="offer_list",
                ),
            )
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_edit"] = (
            Enterprise.objects.editable_by(self.user).filter(pk=self.object.pk).exists()
        )
        return context


@perm_required(Perm.ENTERPRISE_EDIT)
def enterprise_update(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = _editable_enterprise(request, enterprise_pk)
    form_class = enterprise_form_class(request.user)
    form = form_class(request.POST or None, instance=enterprise)
    if request.method == "POST" and form.is_valid():
        data = {f: v for f, v in form.cleaned_data.items() if f != "business_areas"}
        try:
            services.enterprise_update(
                enterprise=Enterprise.objects.get(pk=enterprise.pk),
                user=request.user,
                data=data,
                business_areas=form.cleaned_data["business_areas"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Företagets uppgifter är sparade."))
            return redirect(enterprise)
    return render(
        request, "enterprises/enterprise_form.html", {"form": form, "enterprise": enterprise}
    )


@perm_required(Perm.ENTERPRISE_EDIT)
def annual_figure_edit(
    request: AuthedRequest, enterprise_pk: int, figure_pk: int | None = None
) -> HttpResponse:
    """Add a year's figures, or change them (figure_pk)."""
    enterprise = _editable_enterprise(request, enterprise_pk)
    figure = None
    if figure_pk is not None:
        figure = get_object_or_404(AnnualFigure.objects.filter(enterprise=enterprise), pk=figure_pk)
    # Bind to a copy so a refused save does not leave the form's instance half-changed.
    form = AnnualFigureForm(
        request.POST or None,
        instance=AnnualFigure.objects.get(pk=figure.pk) if figure else AnnualFigure(),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.annual_figure_save(
                enterprise=enterprise,
                user=request.user,
                figure=figure,
                **form.cleaned_data,
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Årsuppgifterna är sparade."))
            return redirect(enterprise)
    return render(
        request,
        "enterprises/annual_figure_form.html",
        {"form": form, "enterprise": enterprise, "figure": figure},
    )


class OfferListView(PermRequiredMixin, ListView):
    required_perm = Perm.ENTERPRISE_VIEW
    template_name = "enterprises/offer_list.html"
    context_object_name = "offers"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[TrainingOffer]:
        return (
            TrainingOffer.objects.visible_to(self.user)
            .with_related()
            .order_by("enterprise__name", "title")
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["editable_enterprises"] = list(
            Enterprise.objects.editable_by(self.user).order_by("name")[:50]
        )
        return context


@perm_required(Perm.OFFER_EDIT)
def offer_create(request: AuthedRequest, enterprise_pk: int) -> HttpResponse:
    enterprise = _editable_enterprise(request, enterprise_pk)
    form = OfferCreateForm(
        request.POST or None,
        user=request.user,
        initial={"municipality": enterprise.municipality_id},
        instance=TrainingOffer(enterprise=enterprise),
    )
    if request.method == "POST" and form.is_valid():
        try:
            offer = services.offer_create(
                enterprise=enterprise,
                user=request.user,
                data=form.offer_data(),
                capacity=form.cleaned_data["capacity"],
                free_from=form.cleaned_data["free_from"],
            )
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Arbetsträningsplatsen är skapad."))
            return redirect(offer)
    return render(
        request,
        "enterprises/offer_form.html",
        {"form": form, "enterprise": enterprise, "offer": None},
    )


@perm_required(Perm.OFFER_EDIT)
def offer_update(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    offer = _editable_offer(request, offer_pk)
    form = OfferForm(request.POST or None, user=request.user, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_update(offer=offer, user=request.user, data=form.offer_data())
        except ValidationError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Arbetsträningsplatsen är sparad."))
            return redirect(offer)
    return render(
        request,
        "enterprises/offer_form.html",
        {"form": form, "enterprise": offer.enterprise, "offer": offer},
    )


def _offer_action(request: AuthedRequest, offer_pk: int, action: Any, done: str) -> HttpResponse:
    offer = _editable_offer(request, offer_pk)
    refused = post_only(request)
    if refused:
        return refused
    try:
        action(offer=offer, user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect(offer)


@perm_required(Perm.OFFER_EDIT)
def offer_pause(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    return _offer_action(
        request, offer_pk, services.offer_pause, _("Platsen är pausad och tar inte emot förslag.")
    )


@perm_required(Perm.OFFER_EDIT)
def offer_reopen(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    return _offer_action(
        request, offer_pk, services.offer_reopen, _("Platsen är öppen för förslag igen.")
    )


@perm_required(Perm.OFFER_EDIT)
def offer_confirm_capacity(request: AuthedRequest, offer_pk: int) -> HttpResponse:
    done = _("Tack! Platsantalet är bekräftat i dag.")
    if not request.htmx:
        return _offer_action(request, offer_pk, services.offer_confirm_capacity, done)
    # From the offer page (htmx): only the "confirmed" fact and the answer change.
    offer = _editable_offer(request, offer_pk)
    if refused := post_only(request):
        return refused
    try:
        services.offer_confirm_capacity(offer=offer, user=request.user)
    except ValidationError as error:
        answer, ok = " ".join(error.messages), False
    else:
        answer, ok = done, True
        offer.refresh_from_db()
    return render(
        request,
        "enterprises/_capacity_confirmed.html",
        {"offer": offer, "answer": answer, "ok": ok, "is_stale": offer.is_capacity_stale},
    )
