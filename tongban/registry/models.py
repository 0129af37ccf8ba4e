"""The shared registry (一证通办): data the bureau already holds about people and their things.

The built-in tables stand in for the real exchanges (户籍, 车驾管, hospitals, the education
ministry); ``sources.py`` reads them behind the RegistrySource interface.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tongban.common.access import AccessRule


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    DISTRICT = "district", _("区县")
    STREET = "street", _("街道/乡镇")
    COMMUNITY = "community", _("社区/村")


class Region(models.Model):
    """A node of the administrative hierarchy (GB/T 2260 codes to district, longer codes below)."""

    code = models.CharField(_("代码"), max_length=12, primary_key=True)
    name = models.CharField(_("名称"), max_length=60)
    level = models.CharField(_("级别"), max_length=12, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级区划")
    )
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)
    population_weight = models.FloatField(_("人口权重"), default=0.0)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = _("行政区划")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Address(models.Model):
    """A dwelling: community plus street, number, building and room."""

    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="addresses", verbose_name=_("社区/村"))
    district_code = models.CharField(_("区县代码"), max_length=6)
    detail = models.CharField(_("详细地址"), max_length=120)
    full = models.CharField(_("完整地址"), max_length=240)
    lat = models.FloatField(_("纬度 (WGS-84)"), null=True, blank=True)
    lng = models.FloatField(_("经度 (WGS-84)"), null=True, blank=True)

    class Meta:
        # Plain b-tree indexes: exact lookups only, so PostgreSQL needs no extra LIKE index.
        indexes = [models.Index(fields=["district_code"], name="registry_address_district")]
        verbose_name = _("地址")
        verbose_name_plural = _("地址")

    def __str__(self) -> str:
        return self.full


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("家庭户")
    COLLECTIVE = "collective", _("集体户")


class Household(models.Model):
    """A 户: the registered household, its number and registered address."""

    number = models.CharField(_("户号"), max_length=20, unique=True)
    kind = models.CharField(_("户别"), max_length=12, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY)
    address = models.ForeignKey(Address, on_delete=models.PROTECT, related_name="households", verbose_name=_("地址"))
    district_code = models.CharField(_("区县代码"), max_length=6)
    registered_on = models.DateField(_("立户日期"))

    ACCESS = AccessRule(staff_all=True, person="members")

    class Meta:
        indexes = [models.Index(fields=["district_code"], name="registry_household_district")]
        verbose_name = _("户")
        verbose_name_plural = _("户")

    def __str__(self) -> str:
        return self.number


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class Education(models.TextChoices):
    NONE = "none", _("无")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中/中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科")
    MASTER = "master", _("硕士")
    DOCTOR = "doctor", _("博士")


class Person(models.Model):
    """A natural person known to the bureau, with household (户籍) or residence registration."""

    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True)
    name = models.CharField(_("姓名"), max_length=40)
    gender = models.CharField(_("性别"), max_length=1, choices=Gender.choices)
    birth_date = models.DateField(_("出生日期"))
    ethnicity = models.CharField(_("民族"), max_length=12, default="汉族")
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.PROTECT, related_name="members", verbose_name=_("户")
    )
    relation = models.CharField(_("与户主关系"), max_length=12, blank=True)
    hukou_region = models.CharField(_("户籍地区划代码"), max_length=6)
    residence = models.ForeignKey(
        Address, null=True, blank=True, on_delete=models.PROTECT, related_name="residents", verbose_name=_("居住地址")
    )
    residence_since = models.DateField(_("居住登记日期"), null=True, blank=True)
    phone = models.CharField(_("手机号码"), max_length=11, blank=True)
    education = models.CharField(_("学历"), max_length=10, choices=Education.choices, default=Education.NONE)
    graduated_on = models.DateField(_("毕业日期"), null=True, blank=True)
    employer = models.CharField(_("工作单位"), max_length=80, blank=True)
    insured_since = models.DateField(_("社保参保起始"), null=True, blank=True)

    ACCESS = AccessRule(staff_all=True, person="pk")

    class Meta:
        indexes = [models.Index(fields=["hukou_region"], name="registry_person_hukou")]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        from tongban.common.masking import mask_id_number, mask_name

        return f"{mask_name(self.name)} {mask_id_number(self.id_number)}"


class DocumentKind(models.TextChoices):
    ID_CARD = "id_card", _("居民身份证")
    PASSPORT = "passport", _("普通护照")
    HK_MACAO = "hk_macao", _("往来港澳通行证")
    RESIDENCE_PERMIT = "residence_permit", _("居住证")


class IdentityDocument(models.Model):
    """A document issued earlier (ID card, passport, permits): number, dates, status."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=DocumentKind.choices)
    number = models.CharField(max_length=24)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    authority = models.CharField(max_length=60, blank=True)

    ACCESS = AccessRule(staff_all=True, person="person")

    class Meta:
        verbose_name = _("身份证件记录")
        verbose_name_plural = _("身份证件记录")
        indexes = [models.Index(fields=["person", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} …{self.number[-4:]}"


class DriverLicence(models.Model):
    """A driving licence (机动车驾驶证); its number is the holder's ID number."""

    person = models.OneToOneField(
        Person, on_delete=models.CASCADE, related_name="driver_licence", verbose_name=_("持证人")
    )
    vehicle_class = models.CharField(_("准驾车型"), max_length=8)
    first_issued = models.DateField(_("初次领证日期"))
    valid_until = models.DateField(_("有效期至"))
    status = models.CharField(_("状态"), max_length=12, default="valid")

    ACCESS = AccessRule(staff_all=True, person="person")

    class Meta:
        verbose_name = _("驾驶证记录")
        verbose_name_plural = _("驾驶证记录")

    def __str__(self) -> str:
        return f"{self.vehicle_class} ({self.status})"


class VehicleKind(models.TextChoices):
    CAR = "car", _("小型汽车")
    VAN = "van", _("轻型厢式货车")
    LIGHT_TRUCK = "light_truck", _("轻型货车")
    HEAVY_TRUCK = "heavy_truck", _("重型货车")


class Vehicle(models.Model):
    """A registered motor vehicle; trucks carry length and gross mass for the truck pass rules."""

    plate = models.CharField(_("号牌号码"), max_length=10, unique=True)
    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="vehicles", verbose_name=_("所有人"))
    kind = models.CharField(_("车辆类型"), max_length=12, choices=VehicleKind.choices)
    length_mm = models.PositiveIntegerField(_("车长 (mm)"))
    gross_kg = models.PositiveIntegerField(_("总质量 (kg)"))
    registered_on = models.DateField(_("注册日期"))

    ACCESS = AccessRule(staff_all=True, person="owner")

    class Meta:
        verbose_name = _("机动车记录")
        verbose_name_plural = _("机动车记录")

    def __str__(self) -> str:
        return self.plate


class MedicalCheck(models.Model):
    """A driver's medical check from a hospital (Yantai 1+X: the hospital record replaces paper)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="medical_checks")
    hospital = models.CharField(_("体检医院"), max_length=80)
    checked_on = models.DateField(_("体检日期"))
    passed = models.BooleanField(_("合格"), default=True)
    valid_until = models.DateField(_("有效期至"))

    ACCESS = AccessRule(staff_all=True, person="person")

    class Meta:
        verbose_name = _("驾驶人体检记录")
        verbose_name_plural = _("驾驶人体检记录")
        indexes = [models.Index(fields=["person", "-checked_on"])]

    def __str__(self) -> str:
        return f"{self.hospital} {self.checked_on}"


class Dog(models.Model):
    """A dog known from vaccination records (Changzhou dog licence)."""

    owner = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="dogs")
    name = models.CharField(max_length=20)
    breed = models.CharField(max_length=30)
    chip = models.CharField(_("芯片号"), max_length=20, unique=True)
    vaccinated_on = models.DateField(_("狂犬疫苗接种日期"))
    vaccine_valid_until = models.DateField(_("免疫有效期至"))

    ACCESS = AccessRule(staff_all=True, person="owner")

    class Meta:
        verbose_name = _("犬只记录")
        verbose_name_plural = _("犬只记录")

    def __str__(self) -> str:
        return f"{self.name} ({self.chip})"
