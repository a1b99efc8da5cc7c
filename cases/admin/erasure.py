"""Erasing a customer's personal data from the orders admin (owners).

An action on one selected order, and
a confirmation page that names what will be erased before anything is. The permission is checked on the
server, for the page and for the POST (`cases.services.erasure.erase_customer` checks it again).

`CustomerErasureMixin` goes first among OrderAdmin's bases, so its URL and action join the admin's own.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.urls import reverse

from cases.models import Order
from cases.services.erasure import EMAIL_SHAPE, ERASE_CUSTOMER, erase_customer
from staletrack.admin import admin_paths
from staletrack.permissions import require

ACTION = "erase_customer_data"
ACTION_LABEL = "Erase this customer's personal data"
ALL_ORDERS, THIS_ORDER = "all", "this"

CONFIRMATION = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs"><a href="{% url 'admin:index' %}">Home</a>
&rsaquo; <a href="{% url 'admin:cases_order_changelist' %}">Orders</a>
&rsaquo; <a href="{% url 'admin:cases_order_change' order.pk %}">{{ order.order_id }}</a>
&rsaquo; Erase the customer's personal data</div>{% endblock %}
{% block content %}
<div id="erasure">
  {% if email %}
  <p>Customer: <strong id="erasure-email">{{ email }}</strong>
     ({{ orders_with_email }} order{{ orders_with_email|pluralize }} carry this email).</p>
  {% else %}<p>This order carries no email: only its own data is erased.</p>{% endif %}
  <p>This erases, for good (the orders themselves stay, marked erased):</p>
  <ul id="erasure-plan">{% for line in plan %}<li>{{ line }}</li>{% endfor %}</ul>
  <p>The audit trail records the erasure, its reason and these counts, never the data.</p>
  {% if form.errors %}<ul class="errorlist">{% for error in form.non_field_errors %}<li>{{ error }}</li>
  {% endfor %}{% for error in form.reason.errors %}<li>{{ error }}</li>{% endfor %}</ul>{% endif %}
  <form method="post" id="erasure-form">{% csrf_token %}
    {% if email %}<p>{{ form.scope }}</p>{% endif %}
    <p><label for="id_reason">Reason (the customer's request and its date; not their data):</label><br>
       {{ form.reason }}</p>
    <input type="submit" id="erase" class="button deletelink" value="Erase the personal data">
    <a href="{% url 'admin:cases_order_change' order.pk %}" class="button cancel-link">Cancel</a>
  </form>
</div>
{% endblock %}
"""


class ErasureForm(forms.Form):
    scope = forms.ChoiceField(
        choices=[(ALL_ORDERS, "every order of this customer (same email)"), (THIS_ORDER, "only this order")],
        initial=ALL_ORDERS,
        widget=forms.RadioSelect,
        required=False,
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=10_000)


class CustomerErasureMixin:
    """For `OrderAdmin`: the owner-only action "Erase this customer's personal data" and its page."""

    def has_erase_customer_permission(self, request) -> bool:
        try:
            require(request.user, ERASE_CUSTOMER)
        except PermissionDenied:
            return False
        return True

    def get_urls(self):
        own = admin_paths(
            self, ("<int:object_id>/erase-customer/", self.erase_customer_view, "cases_order_erase_customer")
        )
        return [*own, *super().get_urls()]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if self.has_erase_customer_permission(request):
            actions[ACTION] = (type(self).erase_customer_data, ACTION, ACTION_LABEL)
        return actions

    @admin.action(description=ACTION_LABEL)
    def erase_customer_data(self, request, queryset):
        require(request.user, ERASE_CUSTOMER)
        chosen = list(queryset.values_list("pk", flat=True)[:2])
        if len(chosen) != 1:
            self.message_user(
                request, "Select one order: the page that follows names its customer's data.", messages.ERROR
            )
            return None
        return redirect(reverse("admin:cases_order_erase_customer", args=[chosen[0]]))

    def erase_customer_view(self, request, object_id: int):
        require(request.user, ERASE_CUSTOMER)  # before anything is read: a crafted POST writes nothing
        order = Order.objects.filter(pk=object_id).first()
        if order is None:
            raise Http404("No such order.")
        email = order.customer_email.strip()
        if email and not EMAIL_SHAPE.fullmatch(email):
            email = ""  # not an address anyone can be found by: erase this order's data alone
        form = ErasureForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            scope = form.cleaned_data.get("scope") or ALL_ORDERS
            try:
                done = erase_customer(
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    email=email,
                    order_ids=[order.order_id] if scope == THIS_ORDER or not email else [],
                )
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                self.message_user(
                    request,
                    f"The customer's personal data was erased from {done.orders} order(s): "
                    f"{', '.join(done.order_ids)}.",
                    messages.SUCCESS,
                )
                return redirect(reverse("admin:cases_order_change", args=[order.pk]))
        plan = erase_customer(
            actor=request.user,
            reason="preview",
            email=email,
            order_ids=[] if email else [order.order_id],
            dry_run=True,
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Erase the customer's personal data",
            "opts": self.model._meta,
            "order": order,
            "email": email,
            "orders_with_email": plan.orders,
            "plan": plan.lines(),
            "form": form,
        }
        status = 400 if form.is_bound and form.errors else 200
        body = engines["django"].from_string(CONFIRMATION).render(context, request)
        return HttpResponse(body, status=status)
