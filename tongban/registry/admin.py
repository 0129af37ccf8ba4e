from django.contrib import admin

from tongban.registry.models import Address, DriverLicence, Household, Person, Region, Vehicle


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """Searching needs the exact ID number; the list shows people masked."""

    list_display = ("__str__", "gender", "birth_date", "hukou_region")
    search_fields = ("=id_number",)
    raw_id_fields = ("household", "residence")
    show_full_result_count = False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "district_code", "registered_on")
    search_fields = ("=number",)
    raw_id_fields = ("address",)
    show_full_result_count = False


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("full", "district_code")
    raw_id_fields = ("community",)
    show_full_result_count = False


admin.site.register(DriverLicence, raw_id_fields=("person",))
admin.site.register(Vehicle, list_display=("plate", "kind", "length_mm", "gross_kg"), raw_id_fields=("owner",))
