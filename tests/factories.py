from datetime import UTC, datetime

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from cases.models import Case, Order
from suppliers.models import Product, Supplier


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Supplier {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    title = factory.LazyAttribute(lambda p: p.sku.title())
    supplier = factory.SubFactory(SupplierFactory)


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    order_id = factory.Sequence(lambda n: f"#{5000 + n}")
    ordered_at = datetime(2026, 11, 10, 12, tzinfo=UTC)
    customer_email = factory.Sequence(lambda n: f"customer{n}@example.com")
    country = "US"
    postal_code = "94110"
    product = factory.SubFactory(ProductFactory)
    value = "29.90"
    currency = "USD"


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    order = factory.SubFactory(OrderFactory)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("correct horse battery staple")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
