from django.contrib import admin

from tongban.enterprises.models import Enterprise, FleetVehicle, LiaisonRequest, Membership, TruckPass


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin[Enterprise]):
    list_display = ("uscc", "name", "region_code", "liaison")
    search_fields = ("uscc", "name")
    raw_id_fields = ("liaison",)


@admin.register(FleetVehicle)
class FleetVehicleAdmin(admin.ModelAdmin[FleetVehicle]):
    list_display = ("plate", "enterprise", "body", "length_mm", "gross_kg")
    search_fields = ("plate",)
    raw_id_fields = ("enterprise",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ("enterprise", "role", "added_at")
    raw_id_fields = ("enterprise", "person")


@admin.register(TruckPass)
class TruckPassAdmin(admin.ModelAdmin[TruckPass]):
    list_display = ("case_number", "vehicle", "truck_class", "start_on", "days")
    raw_id_fields = ("enterprise", "vehicle", "applied_by")


@admin.register(LiaisonRequest)
class LiaisonRequestAdmin(admin.ModelAdmin[LiaisonRequest]):
    list_display = ("enterprise", "subject", "status", "filed_at")
    raw_id_fields = ("enterprise", "filed_by", "officer")
